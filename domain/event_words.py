"""What each event says in the trial's words: the one place the trail's and the exports'
event names are worded (pages and exports never need a class name to be read)."""

from __future__ import annotations

import re

# For events without wording of their own (a milestone's `WORDS`). An event class added later
# without an entry reads as its name split into words.
EVENT_WORDS: dict[str, str] = {
    "ReportLink.Issued": "Weekly-report link issued",
    "ReportLink.Revoked": "Weekly-report link revoked",
    "ReportLink.Reinstated": "Weekly-report link reinstated",
    "ReportAccess.Opened": "Weekly-report access opened",
    "ReportAccess.Granted": "Weekly-report access granted",
    "ReportAccess.Withdrawn": "Weekly-report access withdrawn",
    "Participant.Screened": "Screened",
    "Participant.FormEntered": "Form entered",
    "Participant.FormCorrected": "Form corrected",
    "Participant.VisitOutOfWindow": "Visit out of window",
    "Participant.Randomised": "Randomised",
    "Participant.RandomisationDeviationFound": "Randomisation deviation found",
    "Participant.EmergencyUnblinded": "Emergency unblinding",
    "Participant.Signed": "Signed",
    "Participant.FormLocked": "Form locked",
    "Participant.FormUnlocked": "Form unlocked",
    "Participant.Locked": "Casebook locked",
    "Participant.Unlocked": "Casebook unlocked",
    "Participant.FormVerified": "Source data verified",
    "Participant.VerificationCleared": "Source data verification cleared",
    "ArmRevealingRecord.Started": "Arm-revealing record started",
    "ArmRevealingRecord.FormEntered": "Arm-revealing form entered",
    "ArmRevealingRecord.AdherenceRecorded": "Adherence recorded",
    "ArmRevealingRecord.AdverseEventReported": "Adverse event reported",
    "ArmRevealingRecord.InterventionDiscontinued": "Intervention discontinued",
    "ArmRevealingRecord.ItemsCorrected": "Arm-revealing form corrected",
    "ArmRevealingRecord.DeviationRecorded": "Arm-revealing protocol deviation recorded",
    "ArmRevealingRecord.FormLocked": "Arm-revealing form locked",
    "ArmRevealingRecord.FormUnlocked": "Arm-revealing form unlocked",
    "ArmRevealingRecord.Signed": "Arm-revealing form signed",
    "ArmRevealingRecord.FormVerified": "Arm-revealing form's source data verified",
    "ArmRevealingRecord.VerificationCleared": (
        "Arm-revealing form's source data verification cleared"
    ),
    "ArmRevealingRecord.Locked": "Arm-revealing forms locked",
    "ArmRevealingRecord.Unlocked": "Arm-revealing forms unlocked",
    # The review steps' mixins, as the participant's own events name them.
    "SigningMixin.Signed": "Signed",
    "LockingMixin.FormLocked": "Form locked",
    "LockingMixin.FormUnlocked": "Form unlocked",
    "LockingMixin.Locked": "Casebook locked",
    "LockingMixin.Unlocked": "Casebook unlocked",
    "VerificationMixin.FormVerified": "Source data verified",
    "VerificationMixin.VerificationCleared": "Source data verification cleared",
    "DatabaseLock.Started": "Database lock record started",
    "DatabaseLock.Locked": "Database locked",
    "DatabaseLock.Unlocked": "Database unlocked",
    "DatabaseLock.UnblindedDataReleased": "Unblinded data released",
    "UnblindedExport.Taken": "Unblinded export taken",
    "ChainMigration.Resealed": "Audit chain migrated to the current format",
    "Query.Raised": "Query raised",
    "Query.Answered": "Query answered",
    "Query.Closed": "Query closed",
    "Query.Reopened": "Query reopened",
    "QueryIndex.Started": "Query list started",
    "QueryIndex.QueryAdded": "Query added to the list",
    "ArmRevealingQuery.Raised": "Query on an arm-revealing form raised",
    "ArmRevealingQuery.Answered": "Query on an arm-revealing form answered",
    "ArmRevealingQuery.Closed": "Query on an arm-revealing form closed",
    "ArmRevealingQuery.Reopened": "Query on an arm-revealing form reopened",
    "ArmRevealingQueryIndex.Started": "Arm-revealing query list started",
    "ArmRevealingQueryIndex.QueryAdded": "Query added to the arm-revealing query list",
    "Allocation.Started": "Allocation sequence started",
    "Allocation.Allocated": "Allocated",
    "Allocation.ArmRevealed": "Arm revealed",
    "SiteRegister.Opened": "Screening log opened",
    "SiteRegister.NumberIssued": "Screening number issued",
    "User.Registered": "Account created",
    "User.PasswordChanged": "Password changed",
    "User.PasswordReset": "Password reset",
    "User.RoleChanged": "Role changed",
    "User.BlindingChanged": "Blinding changed",
    "User.FullNameChanged": "Full name changed",
    "User.LoginSucceeded": "Logged in",
    "User.LoginFailed": "Login failed",
    "User.LoggedOut": "Logged out",
    "User.LockedOut": "Account locked out",
    "User.Unlocked": "Account unlocked",
    "User.Deactivated": "Account deactivated",
    "User.Reactivated": "Account reactivated",
    "User.TokenIssued": "API token issued",
    "User.TokenRevoked": "API token revoked",
    "User.AllTokensRevoked": "All API tokens revoked",
    "CommandRefused": "Action refused",
}


def event_words(cls: type) -> str:
    """What happened in the trial's words: a milestone's own wording (its `WORDS`), else the
    event's wording here, else its name in words."""
    words = getattr(cls, "WORDS", None)
    if isinstance(words, str):
        return words
    return EVENT_WORDS.get(cls.__qualname__) or split_words(cls.__name__)


def event_type_words(event_type: str) -> str:
    """The words of an event type given by name (`Participant.FormCorrected`)."""
    return EVENT_WORDS.get(event_type) or split_words(event_type.rpartition(".")[2])


def split_words(name: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).capitalize()
