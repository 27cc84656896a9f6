"""Use cases of accounts: users, roles, passwords (argon2), logins, API tokens; all audited.

Every change to an account is an event on the User aggregate with the actor and the
application's time. Refused account commands, failed logins and refused tokens are also
appended to the refusal log (edc.refusals). Logins and tokens fail with one message whatever
went wrong, so a caller cannot learn which user names exist.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.application import AggregateNotFoundError

from domain.actor import Actor
from domain.errors import AuthenticationFailed, EdcError, NotFound, PermissionDenied, StateConflict
from domain.roles import BLINDED_BY_DEFAULT, Role
from domain.user import User, user_id
from edc.base import SYSTEM, TrialBase, topic_of
from edc.concurrency import retry_on_conflict
from edc.passwords import (
    check_password_policy,
    hash_password,
    password_matches,
    spend_verification_time,
)
from edc.permissions import Action, authorize
from edc.refusals import anonymous, logs_refusals, record_refusal
from edc.tokens import hash_matches, new_token, parse_token

WRONG_CREDENTIALS = "Wrong user name or password."
BAD_TOKEN = "The API token is not valid."


def _parse_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise EdcError(f"Unknown role {role!r}; use one of: {allowed}.") from None


class AccountUseCases(TrialBase):
    # ---- creating and reading accounts -------------------------------------------------------

    @logs_refusals
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
        full_name: str | None = None,
    ) -> dict[str, Any]:
        """Create an account (admins; the command line acts as the system)."""
        at = self.clock()
        authorize(actor, Action.MANAGE_USERS)
        parsed_role = _parse_role(role)
        if not name or not name.replace(".", "").replace("_", "").replace("-", "").isalnum():
            raise EdcError("A user name is letters, digits, dots, dashes and underscores.")
        if self._exists(user_id(name)):
            raise StateConflict(f"A user called {name!r} already exists.")
        user = User.register(
            name,
            parsed_role,
            site,
            BLINDED_BY_DEFAULT[parsed_role] if blinded is None else blinded,
            hash_password(password),
            actor,
            at,
        )
        if full_name:
            user.set_full_name(full_name, actor, at)
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
        """An account as people see it: never a password or token hash."""
        return {
            "name": user.name,
            "full_name": user.full_name,
            "role": user.role.value,
            "site": user.site,
            "blinded": user.blinded,
            "active": user.active,
            "locked_out": user.locked_out,
            "failed_logins": user.failed_logins,
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "tokens": [
                {"token_id": t.token_id, "label": t.label, "created": t.created.isoformat()}
                for t in sorted(user.tokens.values(), key=lambda t: t.created)
            ],
        }

    def list_users(self) -> list[dict[str, Any]]:
        users: list[User] = [
            self.repository.get(n.originator_id)
            for n in self.recorder.select_notifications(
                start=1, limit=1_000_000, topics=[topic_of(User.Registered)]
            )
        ]
        return sorted((self.user_view(u) for u in users), key=lambda u: u["name"])

    @logs_refusals
    def list_accounts(self, actor: Actor) -> list[dict[str, Any]]:
        """`list_users` for a person: administrators only, a denial is logged."""
        authorize(actor, Action.MANAGE_USERS)
        return self.list_users()

    @logs_refusals
    def show_user(self, actor: Actor, name: str) -> dict[str, Any]:
        """One account: for administrators, or for its own holder."""
        if actor.user.lower() != name.lower():
            authorize(actor, Action.MANAGE_USERS)
        return self.user_view(self.get_user(name))

    def actor_for(self, name: str) -> Actor:
        """The actor of an account, trusted (for the command line and tests, not for logins)."""
        return self.get_user(name).as_actor()

    # ---- logging in ----------------------------------------------------------------------------

    def authenticate(self, name: str, password: str) -> Actor:
        """Check a user name and password; every attempt is recorded, failures also as refusals.

        Raises AuthenticationFailed. Five wrong passwords in a row lock the account; a locked
        or deactivated account is refused only after a right password, so a guesser learns
        nothing about the account.
        """
        try:
            return self._authenticate(name, password)
        except AuthenticationFailed as error:
            record_refusal(self, anonymous(name), "authenticate", {"name": name}, error)
            raise

    @retry_on_conflict
    def _authenticate(self, name: str, password: str) -> Actor:
        at = self.clock()
        try:
            user = self.get_user(name)
        except NotFound:
            spend_verification_time(password)
            raise AuthenticationFailed(WRONG_CREDENTIALS) from None
        if not password_matches(user.password_hash, password):
            user.record_failed_login(SYSTEM, at)
            self.save(user)
            raise AuthenticationFailed(WRONG_CREDENTIALS)
        user.record_login(at)
        self.save(user)
        return user.as_actor()

    def actor_for_token(self, token: str) -> Actor:
        """The actor an API token stands for; a bad, revoked or deactivated one is refused."""
        parts = parse_token(token)
        user: User | None = None
        if parts is not None:
            try:
                # Only read (every API request asks), so the cached user rather than a copy.
                user = self.repository.get(parts.user_id, deepcopy_from_cache=False)
            except AggregateNotFoundError:
                user = None
        try:
            if not isinstance(user, User) or parts is None:
                raise AuthenticationFailed(BAD_TOKEN)
            issued = user.tokens.get(parts.token_id)
            if issued is None or not hash_matches(issued.token_hash, token):
                raise AuthenticationFailed(BAD_TOKEN)
            user.check_may_log_in()
        except AuthenticationFailed as error:
            who = anonymous(user.name if isinstance(user, User) else "?")
            target = {"name": who["user"], "token_id": parts.token_id if parts else None}
            record_refusal(self, who, "actor_for_token", target, error)
            raise
        return user.as_actor()

    @logs_refusals
    @retry_on_conflict
    def confirm_password(self, actor: Actor, password: str) -> User:
        """The actor re-enters their password, e.g. to sign (§11.200(a)(1)).

        A wrong password counts towards lock-out like a failed login (§11.300(d)); a locked-out
        or deactivated account is refused. Returns the account (for the printed name).
        """
        return self._checked_password(actor, password, "The password is wrong.")

    def _checked_password(self, actor: Actor, password: str, wrong: str) -> User:
        at = self.clock()
        try:
            user = self.get_user(actor.user)
        except NotFound:
            spend_verification_time(password)
            raise AuthenticationFailed(wrong) from None
        if not password_matches(user.password_hash, password):
            user.record_failed_login(SYSTEM, at)
            self.save(user)
            raise AuthenticationFailed(wrong)
        user.check_may_log_in()
        return user

    # ---- passwords -----------------------------------------------------------------------------

    @logs_refusals
    @retry_on_conflict
    def change_password(self, actor: Actor, old_password: str, new_password: str) -> None:
        """The account holder changes their password; a wrong old one counts as a failed login."""
        user = self._checked_password(actor, old_password, "The current password is wrong.")
        at = self.clock()
        if new_password == old_password:
            raise EdcError("The new password must differ from the current one.")
        user.change_password(hash_password(new_password), actor, at)
        self.save(user)

    @logs_refusals
    @retry_on_conflict
    def set_password(self, actor: Actor, name: str, new_password: str) -> None:
        """An administrator sets a new password (for example after a lost one)."""
        at = self.clock()
        authorize(actor, Action.MANAGE_USERS)
        check_password_policy(new_password)
        user = self.get_user(name)
        user.reset_password(hash_password(new_password), actor, at)
        self.save(user)

    # ---- tokens --------------------------------------------------------------------------------

    @logs_refusals
    @retry_on_conflict
    def issue_token(self, actor: Actor, name: str, label: str = "") -> str:
        """A new API token for an account; it is returned once and only its hash is kept."""
        at = self.clock()
        authorize(actor, Action.MANAGE_USERS)
        user = self.get_user(name)
        made = new_token(user.id)
        user.issue_token(made.token_id, label, made.token_hash, actor, at)
        self.save(user)
        return made.token

    @logs_refusals
    @retry_on_conflict
    def revoke_token(self, actor: Actor, name: str, token_id: str) -> None:
        at = self.clock()
        authorize(actor, Action.MANAGE_USERS)
        user = self.get_user(name)
        user.revoke_token(token_id, actor, at)
        self.save(user)

    @logs_refusals
    @retry_on_conflict
    def revoke_all_tokens(self, actor: Actor, name: str) -> int:
        """Revoke every token of an account; returns how many there were."""
        at = self.clock()
        authorize(actor, Action.MANAGE_USERS)
        user = self.get_user(name)
        revoked = user.revoke_all_tokens(actor, at)
        self.save(user)
        return revoked

    # ---- role, blinding, activity --------------------------------------------------------------

    @logs_refusals
    @retry_on_conflict
    def change_role(
        self,
        actor: Actor,
        name: str,
        role: str,
        site: str | None = None,
        *,
        blinded: bool | None = None,
    ) -> dict[str, Any]:
        """Give an account another role (it has one at a time). Its blinding becomes the new
        role's default unless `blinded` says otherwise, so a role change never leaves a
        person unblinded by accident."""
        at = self.clock()
        authorize(actor, Action.MANAGE_USERS)
        parsed_role = _parse_role(role)
        user = self.get_user(name)
        self._refuse_own_account(actor, user, "change the role of")
        user.change_role(parsed_role, site, actor, at)
        wanted = BLINDED_BY_DEFAULT[parsed_role] if blinded is None else blinded
        if wanted != user.blinded:
            user.set_blinded(wanted, actor, at)
        self.save(user)
        return self.user_view(user)

    grant_role = change_role

    @logs_refusals
    @retry_on_conflict
    def set_blinded(self, actor: Actor, name: str, blinded: bool) -> dict[str, Any]:
        at = self.clock()
        authorize(actor, Action.MANAGE_USERS)
        user = self.get_user(name)
        user.set_blinded(blinded, actor, at)
        self.save(user)
        return self.user_view(user)

    @logs_refusals
    @retry_on_conflict
    def set_full_name(self, actor: Actor, name: str, full_name: str) -> dict[str, Any]:
        """The printed name that goes with the person's electronic signatures."""
        at = self.clock()
        authorize(actor, Action.MANAGE_USERS)
        user = self.get_user(name)
        user.set_full_name(full_name, actor, at)
        self.save(user)
        return self.user_view(user)

    @logs_refusals
    @retry_on_conflict
    def deactivate_user(self, actor: Actor, name: str, reason: str) -> dict[str, Any]:
        """Close an account (people are never deleted: their events name them); its tokens
        are revoked in the same step."""
        at = self.clock()
        authorize(actor, Action.MANAGE_USERS)
        user = self.get_user(name)
        self._refuse_own_account(actor, user, "deactivate")
        user.deactivate(reason, actor, at)
        self.save(user)
        return self.user_view(user)

    @logs_refusals
    @retry_on_conflict
    def reactivate_user(self, actor: Actor, name: str, reason: str = "") -> dict[str, Any]:
        at = self.clock()
        authorize(actor, Action.MANAGE_USERS)
        user = self.get_user(name)
        user.reactivate(reason, actor, at)
        self.save(user)
        return self.user_view(user)

    @logs_refusals
    @retry_on_conflict
    def unlock_user(self, actor: Actor, name: str) -> dict[str, Any]:
        """Let a locked-out account log in again (its failure count starts from zero)."""
        at = self.clock()
        authorize(actor, Action.MANAGE_USERS)
        user = self.get_user(name)
        user.unlock(actor, at)
        self.save(user)
        return self.user_view(user)

    @staticmethod
    def _refuse_own_account(actor: Actor, user: User, what: str) -> None:
        # An administrator who demotes or closes their own account can lock everyone out.
        if actor.user.lower() == user.name.lower():
            raise PermissionDenied(f"You may not {what} your own account.")
