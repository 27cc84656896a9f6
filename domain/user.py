"""The User aggregate: an account, its role, site, blinding and credentials, all audited.

Every change to an account is an event with the actor and the application's time (21 CFR Part 11
§11.300, ICH E6(R3) 4.2.2(a)(i)). Secrets never enter events: passwords and API tokens are stored
only as hashes made by the application, in fields named `*_hash` so audit views can hide them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.actor import Actor
from domain.errors import AuthenticationFailed, EdcError, FormInvalid, NotFound, StateConflict
from domain.roles import BLINDED_BY_DEFAULT, SITE_ROLES, Role
from domain.text import field_problem, text_problem
from domain.wording import Message, Word

# Consecutive failed password checks (logins and re-entered passwords) that lock an account.
MAX_FAILED_LOGINS = 5
# A lock-out lasts a while that doubles with each further lock-out before the next successful
# login or an administrator's unlock, up to a ceiling: guessing stays slow, and nobody can be
# locked out for good by someone else's failed attempts.
FIRST_LOCKOUT = timedelta(minutes=5)
LONGEST_LOCKOUT = timedelta(hours=1)
MAX_TEXT = 500
DEACTIVATED = "This account is deactivated."


class PasswordChangeRequired(AuthenticationFailed):
    """The password was set by someone else: it serves only to choose a new one."""

    code = "password_change_required"


def lockout_duration(earlier_lockouts: int) -> timedelta:
    """How long the next lock-out lasts, after `earlier_lockouts` since the last success."""
    return min(FIRST_LOCKOUT * 2 ** min(earlier_lockouts, 16), LONGEST_LOCKOUT)


def locked_message(until: datetime | None) -> str:
    when = f" until {until:%Y-%m-%d %H:%M} UTC" if until is not None else ""
    return (
        f"This account is locked after too many failed logins{when}; "
        "an administrator can unlock it sooner."
    )


def user_id(name: str) -> UUID:
    """Account names are unique, so the id is derived from the name."""
    return uuid5(NAMESPACE_URL, f"modic-edc/users/{name.lower()}")


@dataclass(frozen=True)
class ApiToken:
    """An issued API token as the account keeps it: an id, a label and the token's sha256."""

    token_id: str
    label: str
    token_hash: str
    created: datetime


def _text(value: str, what: str, *, required: bool) -> str:
    value = _plain_text(value, what).strip()
    if required and not value:
        raise EdcError(Message("Please give %(what)s.", what=Word(what)))
    if len(value) > MAX_TEXT:
        raise EdcError(
            Message(
                "The %(what)s must be at most %(limit)s characters.",
                what=Word(what),
                limit=MAX_TEXT,
            )
        )
    return value


def _plain_text(value: str, what: str) -> str:
    """The free-text rule (domain.text) on one account field."""
    problem = text_problem(value)
    if problem is not None:
        raise FormInvalid({what: problem}, field_problem(what, problem))
    return value


class User(Aggregate):
    """A person's account: who they are, in which role and site, and whether they are blinded."""

    class Registered(Aggregate.Created):
        name: str
        role: str
        site: str | None
        blinded: bool
        password_hash: str
        actor: dict[str, Any]
        # Set by someone other than the holder: good only for choosing a new password.
        one_time_password: bool = False
        # Why the account sees the arm when its role would not (required then).
        blinding_reason: str = ""

    class PasswordChanged(Aggregate.Event):
        """The account holder changed their own password (after giving the old one); every
        session of the account ends."""

        password_hash: str
        actor: dict[str, Any]

        def apply(self, aggregate: User) -> None:
            aggregate.password_hash = self.password_hash
            aggregate.one_time_password = False
            aggregate.end_sessions()

    class PasswordReset(Aggregate.Event):
        """Someone else set a new password for the account: one-time unless `one_time` is
        False (old events and the demo); every session of the account ends."""

        password_hash: str
        actor: dict[str, Any]
        one_time: bool = False

        def apply(self, aggregate: User) -> None:
            aggregate.password_hash = self.password_hash
            aggregate.one_time_password = self.one_time
            aggregate.end_sessions()

    class LoggedOut(Aggregate.Event):
        """One session of the account ended by its holder; that cookie is worth nothing."""

        session_id: str
        actor: dict[str, Any]

        def apply(self, aggregate: User) -> None:
            aggregate.ended_sessions.add(self.session_id)

    class RoleChanged(Aggregate.Event):
        """One role at a time: the old role is revoked and the new one granted in one event."""

        old_role: str
        old_site: str | None
        new_role: str
        new_site: str | None
        actor: dict[str, Any]

        def apply(self, aggregate: User) -> None:
            aggregate.role, aggregate.site = Role(self.new_role), self.new_site
            aggregate.end_sessions()

    class BlindingChanged(Aggregate.Event):
        blinded: bool
        actor: dict[str, Any]
        reason: str = ""

        def apply(self, aggregate: User) -> None:
            aggregate.blinded = self.blinded
            aggregate.end_sessions()

    class FullNameChanged(Aggregate.Event):
        """The printed name shown with the person's electronic signatures."""

        full_name: str
        actor: dict[str, Any]
        old_full_name: str | None = None

        def apply(self, aggregate: User) -> None:
            aggregate.full_name = self.full_name

    class LoginSucceeded(Aggregate.Event):
        actor: dict[str, Any]
        session_id: str | None = None

        def apply(self, aggregate: User) -> None:
            aggregate.failed_logins = 0
            aggregate.lockouts = 0
            aggregate.locked_out = False
            aggregate.locked_until = None
            aggregate.last_login = self.timestamp

    class LoginFailed(Aggregate.Event):
        failures: int
        actor: dict[str, Any]

        def apply(self, aggregate: User) -> None:
            aggregate.failed_logins = self.failures

    class LockedOut(Aggregate.Event):
        """Too many failed password checks: locked until `until` (None in old events: until
        an administrator unlocks it); the account's sessions end."""

        failures: int
        actor: dict[str, Any]
        until: datetime | None = None

        def apply(self, aggregate: User) -> None:
            aggregate.locked_out = True
            aggregate.locked_until = self.until
            aggregate.lockouts += 1
            aggregate.failed_logins = 0
            aggregate.end_sessions()

    class Unlocked(Aggregate.Event):
        actor: dict[str, Any]

        def apply(self, aggregate: User) -> None:
            aggregate.locked_out = False
            aggregate.locked_until = None
            aggregate.lockouts = 0
            aggregate.failed_logins = 0

    class Deactivated(Aggregate.Event):
        reason: str
        actor: dict[str, Any]

        def apply(self, aggregate: User) -> None:
            aggregate.active = False
            aggregate.end_sessions()

    class Reactivated(Aggregate.Event):
        reason: str
        actor: dict[str, Any]

        def apply(self, aggregate: User) -> None:
            aggregate.active = True
            aggregate.end_sessions()

    class TokenIssued(Aggregate.Event):
        token_id: str
        label: str
        token_hash: str
        actor: dict[str, Any]

        def apply(self, aggregate: User) -> None:
            aggregate.tokens[self.token_id] = ApiToken(
                self.token_id, self.label, self.token_hash, self.timestamp
            )

    class TokenRevoked(Aggregate.Event):
        token_id: str
        actor: dict[str, Any]

        def apply(self, aggregate: User) -> None:
            del aggregate.tokens[self.token_id]

    class AllTokensRevoked(Aggregate.Event):
        token_ids: list[str]
        actor: dict[str, Any]

        def apply(self, aggregate: User) -> None:
            aggregate.tokens.clear()

    def __init__(
        self,
        name: str,
        role: str,
        site: str | None,
        blinded: bool,
        password_hash: str,
        actor: dict[str, Any],
        one_time_password: bool = False,
        blinding_reason: str = "",
    ) -> None:
        self.name = name
        self.role = Role(role)
        self.site = site
        self.blinded = blinded
        self.password_hash = password_hash
        self.one_time_password = one_time_password
        self.active = True
        self.full_name = ""
        self.failed_logins = 0
        # A lock-out was recorded and not cleared; it is in force until `locked_until`.
        self.locked_out = False
        self.locked_until: datetime | None = None
        self.lockouts = 0
        self.last_login: datetime | None = None
        self.tokens: dict[str, ApiToken] = {}
        # Sessions: each carries the epoch it began in; ending every session moves the epoch
        # on, and a logged-out session's id is kept until then.
        self.session_epoch = 0
        self.ended_sessions: set[str] = set()

    def end_sessions(self) -> None:
        """Every session begun before now is over (called by the events that require it)."""
        self.session_epoch += 1
        self.ended_sessions = set()

    def session_is_open(self, session_id: object, epoch: object) -> bool:
        """Whether a browser session begun at login is still one of this account's."""
        return (
            isinstance(session_id, str)
            and epoch == self.session_epoch
            and session_id not in self.ended_sessions
        )

    def is_locked(self, at: datetime) -> bool:
        return self.locked_out and (self.locked_until is None or at < self.locked_until)

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
        *,
        one_time_password: bool = False,
        blinding_reason: str = "",
    ) -> User:
        site = _site_for(role, site)
        blinding_reason = _blinding_reason(role, blinded, blinding_reason)
        _plain_text(name, Word("account name"))
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
            one_time_password=one_time_password,
            blinding_reason=blinding_reason,
        )

    # ---- credentials -------------------------------------------------------------------------

    def change_password(self, password_hash: str, actor: Actor, at: datetime) -> None:
        self.check_active()
        self.trigger_event(
            self.PasswordChanged, timestamp=at, password_hash=password_hash, actor=actor.as_dict()
        )

    def reset_password(
        self, password_hash: str, actor: Actor, at: datetime, *, one_time: bool = True
    ) -> None:
        """Someone else sets the password: it ends every session, and (unless `one_time` is
        False) it serves only to choose a new one at the next login."""
        self.trigger_event(
            self.PasswordReset,
            timestamp=at,
            password_hash=password_hash,
            actor=actor.as_dict(),
            one_time=one_time,
        )

    def record_failed_login(self, actor: Actor, at: datetime) -> None:
        """Count a wrong password; the fifth in a row locks the account for a while that
        grows with each lock-out since the last successful login."""
        failures = self.failed_logins + 1
        self.trigger_event(self.LoginFailed, timestamp=at, failures=failures, actor=actor.as_dict())
        if failures >= MAX_FAILED_LOGINS:
            self.trigger_event(
                self.LockedOut,
                timestamp=at,
                failures=failures,
                actor=actor.as_dict(),
                until=at + lockout_duration(self.lockouts),
            )

    def check_may_log_in(self, at: datetime) -> None:
        """Refuse a deactivated or locked account. Asked before any password is checked, so
        such an account gives one answer whatever password is tried."""
        if not self.active:
            raise AuthenticationFailed(DEACTIVATED)
        if self.is_locked(at):
            raise AuthenticationFailed(locked_message(self.locked_until))

    def record_login(self, at: datetime, session_id: str | None = None) -> None:
        """A login with the right password; refused while the password is one-time."""
        self.check_may_log_in(at)
        if self.one_time_password:
            raise PasswordChangeRequired(
                "Your password was set by an administrator: choose a new one to log in."
            )
        self.trigger_event(
            self.LoginSucceeded,
            timestamp=at,
            actor=self.as_actor().as_dict(),
            session_id=session_id,
        )

    def log_out(self, session_id: str, actor: Actor, at: datetime) -> None:
        if session_id not in self.ended_sessions:
            self.trigger_event(
                self.LoggedOut, timestamp=at, session_id=session_id, actor=actor.as_dict()
            )

    def unlock(self, actor: Actor, at: datetime) -> None:
        if not self.locked_out:
            raise StateConflict(
                Message("The account %(name)s is not locked.", name=repr(self.name))
            )
        self.trigger_event(self.Unlocked, timestamp=at, actor=actor.as_dict())

    def issue_token(
        self, token_id: str, label: str, token_hash: str, actor: Actor, at: datetime
    ) -> None:
        self.check_active()
        label = _text(label, Word("token label"), required=False)
        self.trigger_event(
            self.TokenIssued,
            timestamp=at,
            token_id=token_id,
            label=label,
            token_hash=token_hash,
            actor=actor.as_dict(),
        )

    def revoke_token(self, token_id: str, actor: Actor, at: datetime) -> None:
        if token_id not in self.tokens:
            raise NotFound(
                Message(
                    "%(name)s has no token %(token)s.", name=repr(self.name), token=repr(token_id)
                )
            )
        self.trigger_event(
            self.TokenRevoked, timestamp=at, token_id=token_id, actor=actor.as_dict()
        )

    def revoke_all_tokens(self, actor: Actor, at: datetime) -> int:
        revoked = sorted(self.tokens)
        if revoked:
            self.trigger_event(
                self.AllTokensRevoked, timestamp=at, token_ids=revoked, actor=actor.as_dict()
            )
        return len(revoked)

    # ---- role, blinding, name, activity ------------------------------------------------------

    def change_role(self, role: Role, site: str | None, actor: Actor, at: datetime) -> None:
        site = _site_for(role, site)
        if role is self.role and site == self.site:
            raise StateConflict(
                Message("%(name)s already has that role and site.", name=repr(self.name))
            )
        self.trigger_event(
            self.RoleChanged,
            timestamp=at,
            old_role=self.role.value,
            old_site=self.site,
            new_role=role.value,
            new_site=site,
            actor=actor.as_dict(),
        )

    def set_blinded(self, blinded: bool, actor: Actor, at: datetime, reason: str = "") -> None:
        if blinded == self.blinded:
            state = Word("blinded") if blinded else Word("unblinded")
            raise StateConflict(
                Message("%(name)s is already %(state)s.", name=repr(self.name), state=state)
            )
        self.trigger_event(
            self.BlindingChanged,
            timestamp=at,
            blinded=blinded,
            actor=actor.as_dict(),
            reason=_blinding_reason(self.role, blinded, reason),
        )

    def set_full_name(self, full_name: str, actor: Actor, at: datetime) -> None:
        full_name = _text(full_name, Word("full name"), required=True)
        if full_name != self.full_name:
            self.trigger_event(
                self.FullNameChanged,
                timestamp=at,
                full_name=full_name,
                actor=actor.as_dict(),
                old_full_name=self.full_name,
            )

    def deactivate(self, reason: str, actor: Actor, at: datetime) -> None:
        reason = _text(reason, Word("a reason for deactivating the account"), required=True)
        if not self.active:
            raise StateConflict(
                Message("The account %(name)s is already deactivated.", name=repr(self.name))
            )
        # A deactivated account's tokens are lost credentials (§11.300(c)): revoke them too,
        # so reactivating the account does not bring old tokens back to life.
        self.revoke_all_tokens(actor, at)
        self.trigger_event(self.Deactivated, timestamp=at, reason=reason, actor=actor.as_dict())

    def reactivate(self, reason: str, actor: Actor, at: datetime) -> None:
        reason = _text(reason, Word("reason"), required=False)
        if self.active:
            raise StateConflict(Message("The account %(name)s is active.", name=repr(self.name)))
        self.trigger_event(self.Reactivated, timestamp=at, reason=reason, actor=actor.as_dict())

    def check_active(self) -> None:
        if not self.active:
            raise EdcError("This account is deactivated.")

    def as_actor(self) -> Actor:
        return Actor(user=self.name, role=self.role.value, site=self.site, blinded=self.blinded)


def _blinding_reason(role: Role, blinded: bool, reason: str) -> str:
    """An account that sees the arm although its role would not needs a recorded reason."""
    reason = _text(reason, Word("reason for unblinding the account"), required=False)
    if not blinded and BLINDED_BY_DEFAULT[role] and not reason:
        raise EdcError(
            Message(
                "A %(role)s account is blinded by default: give a reason for unblinding it.",
                role=Word(role.value),
            )
        )
    return reason


def _site_for(role: Role, site: str | None) -> str | None:
    if role in SITE_ROLES and not site:
        raise EdcError(Message("A %(role)s account needs a site.", role=Word(role.value)))
    if site and role in SITE_ROLES:
        _plain_text(site, Word("site"))
    return site if role in SITE_ROLES else None
