"""Use cases of accounts: users, roles, passwords (argon2), tokens; all audited as events."""

from __future__ import annotations

from typing import Any

from eventsourcing.application import AggregateNotFoundError

from domain.actor import Actor
from domain.errors import EdcError, NotFound
from domain.roles import BLINDED_BY_DEFAULT, Role
from domain.user import User, user_id
from edc.base import TrialBase, topic_of
from edc.concurrency import retry_on_conflict
from edc.passwords import hash_password
from edc.permissions import Action, authorize


class AccountUseCases(TrialBase):
    @retry_on_conflict
    def add_user(
        self,
        actor: Actor,
        name: str,
        role: str,
        password: str,
        *,
        site: str | None = None,
        blinded: bool | None = None,
    ) -> dict[str, Any]:
        """Create an account (admins; the command line acts as the system)."""
        at = self.clock()
        authorize(actor, Action.MANAGE_USERS)
        try:
            parsed_role = Role(role)
        except ValueError:
            allowed = ", ".join(r.value for r in Role)
            raise EdcError(f"Unknown role {role!r}; use one of: {allowed}.") from None
        if not name or not name.replace(".", "").replace("_", "").replace("-", "").isalnum():
            raise EdcError("A user name is letters, digits, dots, dashes and underscores.")
        if self._exists(user_id(name)):
            raise EdcError(f"A user called {name!r} already exists.")
        user = User.register(
            name, parsed_role, site,
            BLINDED_BY_DEFAULT[parsed_role] if blinded is None else blinded,
            hash_password(password), actor, at,
        )
        self.save(user)
        return self.user_view(user)

    def get_user(self, name: str) -> User:
        try:
            user: User = self.repository.get(user_id(name))
        except AggregateNotFoundError:
            raise NotFound(f"No user called {name!r}.") from None
        return user

    @staticmethod
    def user_view(user: User) -> dict[str, Any]:
        return {"name": user.name, "role": user.role.value, "site": user.site,
                "blinded": user.blinded, "active": user.active}

    def list_users(self) -> list[dict[str, Any]]:
        users: list[User] = [
            self.repository.get(n.originator_id)
            for n in self.recorder.select_notifications(
                start=1, limit=1_000_000, topics=[topic_of(User.Registered)]
            )
        ]
        return sorted((self.user_view(u) for u in users), key=lambda u: u["name"])

    def actor_for(self, name: str) -> Actor:
        user = self.get_user(name)
        return Actor(user=user.name, role=user.role.value, site=user.site, blinded=user.blinded)

