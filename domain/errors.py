"""The domain's error hierarchy: every refusal a user can meet, with a message they understand."""

from __future__ import annotations


class EdcError(Exception):
    """Raised when a command cannot be carried out; the message is shown to the user."""

    code = "refused"
    # Set on a refusal of a command about arm-revealing data that its arguments do not show
    # (an answer to a query on an adverse event names only the query): the refusal log then
    # keeps no item names or detailed message, as for a refused arm-revealing form.
    arm_revealing = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class FormInvalid(EdcError):
    """Raised when submitted items fail validation; `fields` maps each item to its message."""

    code = "invalid"

    def __init__(self, fields: dict[str, str], message: str = "Some items are not valid.") -> None:
        super().__init__(message)
        self.fields = dict(fields)


class ProtocolOrderViolated(EdcError):
    """Raised when a form or step is attempted before the protocol allows it."""

    code = "protocol_order"


class RandomisationRefused(EdcError):
    """Raised when a participant may not be randomised (not eligible, not ready, or done)."""

    code = "randomisation_refused"


class ReasonRequired(EdcError):
    """Raised when an existing value would change without a reason for change."""

    code = "reason_required"

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = dict(fields or {})


class StaleVersion(EdcError):
    """Raised when a writer's expected version is not the current one (someone saved first)."""

    code = "conflict"

    def __init__(self, message: str, current_version: int) -> None:
        super().__init__(message)
        self.current_version = current_version


class StateConflict(EdcError):
    """Raised when a command conflicts with the current state: already locked, not locked,
    already closed, already verified, already revoked (409, like a stale version)."""

    code = "conflict"


class PermissionDenied(EdcError):
    """Raised when the actor's role or site does not allow the command."""

    code = "forbidden"


class NotFound(EdcError):
    """Raised when a participant, form, user or query does not exist."""

    code = "not_found"


class Locked(EdcError):
    """Raised when data is locked against change."""

    code = "locked"


class AuthenticationFailed(EdcError):
    """Raised when a login or API token is refused (never says whether the user exists)."""

    code = "unauthorized"
