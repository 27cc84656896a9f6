"""Use cases of accounts: users, roles, passwords (argon2), logins, API tokens; all audited.

Every change to an account is an event on the User aggregate with the actor and the
application's time. Refused account commands, failed logins and refused tokens are also
appended to the refusal log (edc.refusals). Logins and tokens fail with one message whatever
went wrong, so a caller cannot learn which user names exist.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from typing import Any

from eventsourcing.application import AggregateNotFoundError

from domain.actor import SYSTEM_USER, Actor
from domain.errors import AuthenticationFailed, EdcError, NotFound, PermissionDenied, StateConflict
from domain.roles import BLINDED_BY_DEFAULT, Role
from domain.user import PasswordChangeRequired, User, user_id
from domain.wording import Message, Word
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
WRONG_PASSWORD = "The password is wrong."
OWN_TOKENS_ONLY = (
    "An API token is issued only to its owner: %(name)s issues their own on their account page."
)


@dataclass(frozen=True)
class SessionGrant:
    """A login: the actor, and the id and epoch the browser session carries from now on."""

    actor: Actor
    session_id: str
    epoch: int


def _parse_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise EdcError(
            Message(
                "Unknown role %(role)s; use one of: %(allowed)s.", role=repr(role), allowed=allowed
            )
        ) from None


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
        blinding_reason: str = "",
        one_time: bool | None = None,
    ) -> dict[str, Any]:
        """Create an account (admins; the command line acts as the system).

        The password is one-time (it serves only to choose a new one at the first login)
        unless the system itself says otherwise (`one_time=False`: the demo, seeded tests).
        An unblinded account of a role that is blinded by default needs `blinding_reason`.
        """
        at = self.clock()
        authorize(actor, Action.MANAGE_USERS)
        parsed_role = _parse_role(role)
        if not name or not name.replace(".", "").replace("_", "").replace("-", "").isalnum():
            raise EdcError("A user name is letters, digits, dots, dashes and underscores.")
        if name.lower() == SYSTEM_USER:
            raise EdcError(
                Message(
                    "%(name)s is the name of the system itself, not of an account.", name=repr(name)
                )
            )
        if self._exists(user_id(name)):
            raise StateConflict(Message("A user called %(name)s already exists.", name=repr(name)))
        user = User.register(
            name,
            parsed_role,
            site,
            BLINDED_BY_DEFAULT[parsed_role] if blinded is None else blinded,
            hash_password(password),
            actor,
            at,
            one_time_password=_one_time(actor, one_time),
            blinding_reason=blinding_reason,
        )
        if full_name:
            user.set_full_name(full_name, actor, at)
        self.save(user)
        return self.user_view(user)

    def get_user(self, name: str) -> User:
        try:
            user: User = self.repository.get(user_id(name))
        except AggregateNotFoundError:
            raise NotFound(Message("No user called %(name)s.", name=repr(name))) from None
        return user

    def user_view(self, user: User) -> dict[str, Any]:
        """An account as people see it: never a password or token hash."""
        return {
            "name": user.name,
            "full_name": user.full_name,
            "role": user.role.value,
            "site": user.site,
            "blinded": user.blinded,
            "active": user.active,
            # The clock is read only for a locked account (it tells whether the lock lasts).
            "locked_out": user.locked_out and user.is_locked(self.clock()),
            "locked_until": user.locked_until.isoformat() if user.locked_until else None,
            "password_change_required": user.one_time_password,
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
        """Check a user name and password and record the login (see `log_in`)."""
        return self.log_in(name, password).actor

    def log_in(self, name: str, password: str) -> SessionGrant:
        """A login: the password checked by `check_password`, the login recorded with the id
        of the session it starts. Raises AuthenticationFailed (PasswordChangeRequired when the
        password is one-time: then `choose_password` logs in)."""
        try:
            return self._log_in(name, password)
        except PasswordChangeRequired:
            raise
        except AuthenticationFailed as error:
            record_refusal(self, anonymous(name), "authenticate", {"name": name}, error)
            raise

    @retry_on_conflict
    def _log_in(self, name: str, password: str) -> SessionGrant:
        user = self.check_password(name, password, wrong=WRONG_CREDENTIALS)
        return self._start_session(user)

    def _start_session(self, user: User) -> SessionGrant:
        session_id = secrets.token_urlsafe(16)
        user.record_login(self.clock(), session_id)
        self.save(user)
        return SessionGrant(user.as_actor(), session_id, user.session_epoch)

    def choose_password(self, name: str, password: str, new_password: str) -> SessionGrant:
        """Log in with a one-time password by choosing a new one at once (a wrong password
        counts towards lock-out like any other)."""
        try:
            return self._choose_password(name, password, new_password)
        except AuthenticationFailed as error:
            record_refusal(self, anonymous(name), "choose_password", {"name": name}, error)
            raise

    @retry_on_conflict
    def _choose_password(self, name: str, password: str, new_password: str) -> SessionGrant:
        user = self.check_password(name, password, wrong=WRONG_CREDENTIALS)
        if new_password == password:
            raise EdcError("The new password must differ from the current one.")
        user.change_password(hash_password(new_password), user.as_actor(), self.clock())
        return self._start_session(user)

    def check_password(self, name: str, password: str, *, wrong: str = WRONG_PASSWORD) -> User:
        """The accounts' one password check (`check_password` below), as a use case."""
        return check_password(self, name, password, wrong=wrong)

    def session_actor(self, name: str, session_id: object, epoch: object) -> Actor | None:
        """The actor of a browser session, or None when the session has ended (logout, a
        password, role or blinding change, a lock-out or deactivation) or never was.

        Reads the cached account, brought up to date from the store on every call, so an end
        recorded by any process counts at once.
        """
        try:
            user: object = self.repository.get(user_id(name), deepcopy_from_cache=False)
        except AggregateNotFoundError:
            return None
        if not isinstance(user, User) or not user.session_is_open(session_id, epoch):
            return None
        if not user.active or user.one_time_password:
            return None
        # A lock-out ends the sessions (a new epoch); the clock is only read for a locked one.
        if user.locked_out and user.is_locked(self.clock()):
            return None
        return replace(user.as_actor(), via="session")

    @logs_refusals
    @retry_on_conflict
    def log_out(self, actor: Actor, session_id: str) -> None:
        """End one browser session for good: its cookie, even a copy, is worth nothing now."""
        user = self.get_user(actor.user)
        user.log_out(session_id, actor, self.clock())
        self.save(user)

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
            user.check_may_log_in(self.clock())
        except AuthenticationFailed as error:
            who = anonymous(user.name if isinstance(user, User) else "?")
            target = {"name": who["user"], "token_id": parts.token_id if parts else None}
            record_refusal(self, who, "actor_for_token", target, error)
            raise
        return replace(user.as_actor(), via="token", token_id=parts.token_id)

    @logs_refusals
    @retry_on_conflict
    def confirm_password(self, actor: Actor, password: str) -> User:
        """The actor re-enters their password, e.g. to sign (§11.200(a)(1)), through
        `check_password`: a wrong one counts towards lock-out (§11.300(d)). Returns the
        account (for the printed name)."""
        return self.check_password(actor.user, password, wrong=WRONG_PASSWORD)

    # ---- passwords -----------------------------------------------------------------------------

    @logs_refusals
    @retry_on_conflict
    def change_password(self, actor: Actor, old_password: str, new_password: str) -> None:
        """The account holder changes their password; a wrong old one counts as a failed login.
        Every session of the account ends (the web gives the holder a new one)."""
        user = self.check_password(actor.user, old_password, wrong="The current password is wrong.")
        at = self.clock()
        if new_password == old_password:
            raise EdcError("The new password must differ from the current one.")
        user.change_password(hash_password(new_password), actor, at)
        self.save(user)

    def new_session(self, actor: Actor) -> SessionGrant:
        """A fresh session for the holder who just changed their password in this browser."""
        user = self.get_user(actor.user)
        return self._start_session(user)

    @logs_refusals
    @retry_on_conflict
    def set_password(
        self, actor: Actor, name: str, new_password: str, *, one_time: bool | None = None
    ) -> None:
        """Someone else sets a new password (for example after a lost one). It is one-time:
        it serves only to choose a new one at the next login (unless the system says
        `one_time=False`), and it ends every session and API token of the account."""
        at = self.clock()
        authorize(actor, Action.MANAGE_USERS)
        check_password_policy(new_password)
        user = self.get_user(name)
        user.reset_password(
            hash_password(new_password), actor, at, one_time=_one_time(actor, one_time)
        )
        user.revoke_all_tokens(actor, at)
        self.save(user)

    # ---- tokens --------------------------------------------------------------------------------

    @logs_refusals
    @retry_on_conflict
    def issue_token(self, actor: Actor, name: str, label: str = "") -> str:
        """A new API token, issued to its owner only (or by the system's operator, who holds
        the files anyway): nobody else ever holds a working credential of the account. It is
        returned once and only its hash is kept."""
        at = self.clock()
        if not actor.is_system and actor.user.lower() != name.lower():
            raise PermissionDenied(Message(OWN_TOKENS_ONLY, name=name))
        user = self.get_user(name)
        user.check_active()
        made = new_token(user.id)
        user.issue_token(made.token_id, label, made.token_hash, actor, at)
        self.save(user)
        return made.token

    @logs_refusals
    @retry_on_conflict
    def issue_own_token(self, actor: Actor, password: str, label: str = "") -> str:
        """The holder issues a token for themselves, re-entering their password."""
        self.check_password(actor.user, password, wrong=WRONG_PASSWORD)
        return self.issue_token(actor, actor.user, label)

    @logs_refusals
    @retry_on_conflict
    def revoke_token(self, actor: Actor, name: str, token_id: str) -> None:
        at = self.clock()
        if actor.user.lower() != name.lower():
            authorize(actor, Action.MANAGE_USERS)
        user = self.get_user(name)
        user.revoke_token(token_id, actor, at)
        self.save(user)

    @logs_refusals
    @retry_on_conflict
    def revoke_all_tokens(self, actor: Actor, name: str) -> int:
        """Revoke every token of an account (administrators, or the holder); returns how many
        there were."""
        at = self.clock()
        if actor.user.lower() != name.lower():
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
        reason: str = "",
    ) -> dict[str, Any]:
        """Give an account another role (it has one at a time). Its blinding becomes the new
        role's default unless `blinded` says otherwise, so a role change never leaves a
        person unblinded by accident (unblinding against the default needs `reason`)."""
        at = self.clock()
        authorize(actor, Action.MANAGE_USERS)
        parsed_role = _parse_role(role)
        user = self.get_user(name)
        self._refuse_own_account(actor, user, Word("change the role of"))
        user.change_role(parsed_role, site, actor, at)
        wanted = BLINDED_BY_DEFAULT[parsed_role] if blinded is None else blinded
        if wanted != user.blinded:
            user.set_blinded(wanted, actor, at, reason)
        self.save(user)
        return self.user_view(user)

    grant_role = change_role

    @logs_refusals
    @retry_on_conflict
    def set_blinded(
        self, actor: Actor, name: str, blinded: bool, reason: str = ""
    ) -> dict[str, Any]:
        """Blind or unblind an account; unblinding one whose role is blinded by default needs
        a reason, recorded with the change. Every session of the account ends."""
        at = self.clock()
        authorize(actor, Action.MANAGE_USERS)
        user = self.get_user(name)
        user.set_blinded(blinded, actor, at, reason)
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
        self._refuse_own_account(actor, user, Word("deactivate"))
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
    def _refuse_own_account(actor: Actor, user: User, what: Word) -> None:
        # An administrator who demotes or closes their own account can lock everyone out.
        if actor.user.lower() == user.name.lower():
            raise PermissionDenied(Message("You may not %(what)s your own account.", what=what))


def check_password(app: TrialBase, name: str, password: str, *, wrong: str) -> User:
    """THE password check: every password anyone types (login, signature, password change,
    issuing a token) is checked here, and every failure counts towards the one lock-out of the
    account. A locked or deactivated account gives the same answer to a right and a wrong
    password, and the check takes as long for an unknown name as for a real one.

    Saves a failure at once (the caller may then fail as a whole); returns the account.
    """
    at = app.clock()
    try:
        user: User = app.repository.get(user_id(name))
    except AggregateNotFoundError:
        spend_verification_time(password)
        raise AuthenticationFailed(wrong) from None
    try:
        user.check_may_log_in(at)
    except AuthenticationFailed:
        spend_verification_time(password)
        raise
    if not password_matches(user.password_hash, password):
        user.record_failed_login(SYSTEM, at)
        app.save(user)
        raise AuthenticationFailed(wrong)
    return user


def _one_time(actor: Actor, one_time: bool | None) -> bool:
    """A password set by anyone but its holder is one-time. Only the system may set a lasting
    one (the demo, seeded tests); `edc users` asks for one-time passwords unless told not to."""
    if not actor.is_system:
        return True
    return bool(one_time)
