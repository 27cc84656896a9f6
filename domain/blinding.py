"""Each event type, classified once: blinded-safe or arm-revealing.

Blinded read models, exports and audit views are built only from blinded-safe events, so
nothing that reveals the arm can reach a blinded user by any path. An event type missing from
this table is refused everywhere (fail closed), and a test checks every event type is here.
"""

from __future__ import annotations

from enum import StrEnum

from eventsourcing.utils import get_topic

from domain.allocation import Allocation
from domain.arm_revealing import ArmRevealingRecord
from domain.arm_revealing_query import ArmRevealingQuery, ArmRevealingQueryIndex
from domain.chain_migration import ChainMigration
from domain.database_lock import DatabaseLock
from domain.locking import LockingMixin
from domain.participant import Participant
from domain.query import Query
from domain.query_index import QueryIndex
from domain.refusal_log import CommandRefused
from domain.report_access import ReportAccess
from domain.report_link import ReportLink
from domain.signing import SigningMixin
from domain.site_register import SiteRegister
from domain.unblinded_export import UnblindedExport
from domain.user import User
from domain.verification import VerificationMixin


class Blinding(StrEnum):
    BLINDED_SAFE = "blinded-safe"
    ARM_REVEALING = "arm-revealing"


CLASSIFICATION: dict[type, Blinding] = {
    # Weekly-report links and SMS numbers: which participant, never the secret or the arm.
    ReportLink.Issued: Blinding.BLINDED_SAFE,
    ReportLink.Revoked: Blinding.BLINDED_SAFE,
    ReportLink.Reinstated: Blinding.BLINDED_SAFE,
    ReportAccess.Opened: Blinding.BLINDED_SAFE,
    ReportAccess.Granted: Blinding.BLINDED_SAFE,
    ReportAccess.Withdrawn: Blinding.BLINDED_SAFE,
    Participant.Screened: Blinding.BLINDED_SAFE,
    Participant.FormEntered: Blinding.BLINDED_SAFE,
    Participant.FormCorrected: Blinding.BLINDED_SAFE,
    # Milestones say what happened in the protocol, never the arm.
    Participant.ModicConfirmed: Blinding.BLINDED_SAFE,
    Participant.ExcludedAtMri: Blinding.BLINDED_SAFE,
    Participant.Consented: Blinding.BLINDED_SAFE,
    Participant.ConsentNotObtained: Blinding.BLINDED_SAFE,
    Participant.BaselineRecorded: Blinding.BLINDED_SAFE,
    Participant.OutcomeRecorded: Blinding.BLINDED_SAFE,
    Participant.WeeklyReportReceived: Blinding.BLINDED_SAFE,
    Participant.StudyEnded: Blinding.BLINDED_SAFE,
    Participant.ModicConfirmationWithdrawn: Blinding.BLINDED_SAFE,
    Participant.ModicConfirmedOnCorrection: Blinding.BLINDED_SAFE,
    Participant.MriEligibilityWithdrawn: Blinding.BLINDED_SAFE,
    Participant.ConsentWithdrawnOnCorrection: Blinding.BLINDED_SAFE,
    Participant.VisitOutOfWindow: Blinding.BLINDED_SAFE,
    # The outcome of screening recorded again after a correction (the participant's values).
    Participant.MriEligibilityReassessed: Blinding.BLINDED_SAFE,
    # A follow-up visit not done (coded reason and the site's words), and its withdrawal.
    Participant.VisitMissed: Blinding.BLINDED_SAFE,
    Participant.MissedVisitWithdrawn: Blinding.BLINDED_SAFE,
    # Deviations of a kind that does not concern the intervention (domain.visit_records);
    # those that do are the arm-revealing record's DeviationRecorded.
    Participant.DeviationRecorded: Blinding.BLINDED_SAFE,
    Participant.Randomised: Blinding.BLINDED_SAFE,
    # Worked out from the participant's own values, never from the allocation.
    Participant.RandomisationDeviationFound: Blinding.BLINDED_SAFE,
    # The fact, time, person and reason of an emergency unblinding; the arm is ArmRevealed's.
    Participant.EmergencyUnblinded: Blinding.BLINDED_SAFE,
    # The arm-revealing record: every event of it, its locks included, reveals the arm.
    ArmRevealingRecord.Started: Blinding.ARM_REVEALING,
    ArmRevealingRecord.FormEntered: Blinding.ARM_REVEALING,
    ArmRevealingRecord.AdherenceRecorded: Blinding.ARM_REVEALING,
    ArmRevealingRecord.AdverseEventReported: Blinding.ARM_REVEALING,
    ArmRevealingRecord.InterventionDiscontinued: Blinding.ARM_REVEALING,
    ArmRevealingRecord.ItemsCorrected: Blinding.ARM_REVEALING,
    ArmRevealingRecord.DeviationRecorded: Blinding.ARM_REVEALING,
    ArmRevealingRecord.FormLocked: Blinding.ARM_REVEALING,
    ArmRevealingRecord.FormUnlocked: Blinding.ARM_REVEALING,
    ArmRevealingRecord.Locked: Blinding.ARM_REVEALING,
    ArmRevealingRecord.Unlocked: Blinding.ARM_REVEALING,
    # Signatures and source data verification of arm-revealing forms, by unblinded accounts.
    ArmRevealingRecord.Signed: Blinding.ARM_REVEALING,
    ArmRevealingRecord.FormVerified: Blinding.ARM_REVEALING,
    ArmRevealingRecord.VerificationCleared: Blinding.ARM_REVEALING,
    # Queries on arm-revealing forms, and the index that finds them: that an adverse event
    # (or adherence, or a discontinuation) is queried at all reveals the arm.
    ArmRevealingQuery.Raised: Blinding.ARM_REVEALING,
    ArmRevealingQuery.Answered: Blinding.ARM_REVEALING,
    ArmRevealingQuery.Closed: Blinding.ARM_REVEALING,
    ArmRevealingQuery.Reopened: Blinding.ARM_REVEALING,
    ArmRevealingQueryIndex.Started: Blinding.ARM_REVEALING,
    ArmRevealingQueryIndex.QueryAdded: Blinding.ARM_REVEALING,
    # Review events of the participant carry no arm-revealing content: signatures and SDV of
    # arm-revealing forms are the record's (above), queries on them are the
    # ArmRevealingQuery's (above), and a casebook signature's hash leaves the arm-revealing
    # forms out.
    Participant.Signed: Blinding.BLINDED_SAFE,
    Participant.FormLocked: Blinding.BLINDED_SAFE,
    Participant.FormUnlocked: Blinding.BLINDED_SAFE,
    Participant.Locked: Blinding.BLINDED_SAFE,
    Participant.Unlocked: Blinding.BLINDED_SAFE,
    Participant.FormVerified: Blinding.BLINDED_SAFE,
    Participant.VerificationCleared: Blinding.BLINDED_SAFE,
    # The mixins' own classes are never stored (the library re-defines each on Participant,
    # above), but they are event classes of the domain, so they are classified alike.
    SigningMixin.Signed: Blinding.BLINDED_SAFE,
    LockingMixin.FormLocked: Blinding.BLINDED_SAFE,
    LockingMixin.FormUnlocked: Blinding.BLINDED_SAFE,
    LockingMixin.Locked: Blinding.BLINDED_SAFE,
    LockingMixin.Unlocked: Blinding.BLINDED_SAFE,
    VerificationMixin.FormVerified: Blinding.BLINDED_SAFE,
    VerificationMixin.VerificationCleared: Blinding.BLINDED_SAFE,
    DatabaseLock.Started: Blinding.BLINDED_SAFE,
    DatabaseLock.Locked: Blinding.BLINDED_SAFE,
    DatabaseLock.Unlocked: Blinding.BLINDED_SAFE,
    DatabaseLock.UnblindedDataReleased: Blinding.BLINDED_SAFE,
    # Who took unblinded data and when: no clinical value and no arm.
    UnblindedExport.Taken: Blinding.BLINDED_SAFE,
    # Who migrated the audit chain, why, and its heads before and after: no data, no arm.
    ChainMigration.Resealed: Blinding.BLINDED_SAFE,
    Query.Raised: Blinding.BLINDED_SAFE,
    Query.Answered: Blinding.BLINDED_SAFE,
    Query.Closed: Blinding.BLINDED_SAFE,
    Query.Reopened: Blinding.BLINDED_SAFE,
    QueryIndex.Started: Blinding.BLINDED_SAFE,
    QueryIndex.QueryAdded: Blinding.BLINDED_SAFE,
    Allocation.Started: Blinding.ARM_REVEALING,
    Allocation.Allocated: Blinding.ARM_REVEALING,
    Allocation.ArmRevealed: Blinding.ARM_REVEALING,
    SiteRegister.Opened: Blinding.BLINDED_SAFE,
    SiteRegister.NumberIssued: Blinding.BLINDED_SAFE,
    User.Registered: Blinding.BLINDED_SAFE,
    User.PasswordChanged: Blinding.BLINDED_SAFE,
    User.PasswordReset: Blinding.BLINDED_SAFE,
    User.RoleChanged: Blinding.BLINDED_SAFE,
    User.BlindingChanged: Blinding.BLINDED_SAFE,
    User.FullNameChanged: Blinding.BLINDED_SAFE,
    User.LoginSucceeded: Blinding.BLINDED_SAFE,
    User.LoginFailed: Blinding.BLINDED_SAFE,
    User.LoggedOut: Blinding.BLINDED_SAFE,
    User.LockedOut: Blinding.BLINDED_SAFE,
    User.Unlocked: Blinding.BLINDED_SAFE,
    User.Deactivated: Blinding.BLINDED_SAFE,
    User.Reactivated: Blinding.BLINDED_SAFE,
    User.TokenIssued: Blinding.BLINDED_SAFE,
    User.TokenRevoked: Blinding.BLINDED_SAFE,
    User.AllTokensRevoked: Blinding.BLINDED_SAFE,
    # Refusal records about arm-revealing data keep no item names or details (refusal_log.py).
    CommandRefused: Blinding.BLINDED_SAFE,
}
_BY_TOPIC = {get_topic(cls): blinding for cls, blinding in CLASSIFICATION.items()}
BLINDED_SAFE_TOPICS: tuple[str, ...] = tuple(
    topic for topic, blinding in _BY_TOPIC.items() if blinding is Blinding.BLINDED_SAFE
)


def classify_topic(topic: str) -> Blinding:
    """Classify a stored event's topic; unknown topics count as arm-revealing (fail closed)."""
    return _BY_TOPIC.get(topic, Blinding.ARM_REVEALING)


def is_blinded_safe(topic: str) -> bool:
    return classify_topic(topic) is Blinding.BLINDED_SAFE
