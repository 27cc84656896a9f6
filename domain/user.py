"""The User aggregate: an account, its role, site, blinding and credentials, all audited."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.actor import Actor
from domain.errors import EdcError
from domain.roles import SITE_ROLES, Role


def user_id(name: str) -> UUID:
    """Account names are unique, so the id is derived from the name."""
    return uuid5(NAMESPACE_URL, f"modic-edc/users/{name.lower()}")


class User(Aggregate):
    """A person's account: who they are, in which role and site, and whether they are blinded."""

    class Registered(Aggregate.Created):
        name: str
        role: str
        site: str | None
        blinded: bool
        password_hash: str
        actor: dict[str, Any]

    class PasswordChanged(Aggregate.Event):
        password_hash: str
        actor: dict[str, Any]

        def apply(self, aggregate: User) -> None:
            aggregate.password_hash = self.password_hash

    def __init__(
        self,
        name: str,
        role: str,
        site: str | None,
        blinded: bool,
        password_hash: str,
        actor: dict[str, Any],
    ) -> None:
        self.name = name
        self.role = Role(role)
        self.site = site
        self.blinded = blinded
        self.password_hash = password_hash
        self.active = True

    @classmethod
    def register(
        cls,
        name: str,
        role: Role,
        site: str | None,
        blinded: bool,
        password_hash: str,
        actor: Actor,
        at: datetime,
    ) -> User:
        if role in SITE_ROLES and not site:
            raise EdcError(f"A {role.value} account needs a site.")
        if role not in SITE_ROLES:
            site = None
        return cls._create(
            cls.Registered,
            id=user_id(name),
            timestamp=at,
            name=name,
            role=role.value,
            site=site,
            blinded=blinded,
            password_hash=password_hash,
            actor=actor.as_dict(),
        )

    def change_password(self, password_hash: str, actor: Actor, at: datetime) -> None:
        self.trigger_event(
            self.PasswordChanged, timestamp=at, password_hash=password_hash, actor=actor.as_dict()
        )

    def as_actor(self) -> Actor:
        return Actor(user=self.name, role=self.role.value, site=self.site)
