"""Each participant's casebook as it stood at a cut, rebuilt from that participant's events.

Participants are read a bounded batch at a time (their events up to the last version the cut
includes, `store_rows`), so memory holds a batch of histories plus a small index, however many
events the store has. The domain's
own `apply` methods rebuild the state, so the status and eligibility shown in exports are the
ones the application computes. In a blinded cut, arm-revealing events are skipped unread.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from domain.allocation import Allocation
from domain.arm_revealing import ArmRevealingRecord, arm_revealing_record_id
from domain.participant import Participant
from domain.participant_state import ParticipantState
from projections.exports.latest_versions import LatestVersions
from projections.exports.source import Cut
from projections.exports.store_rows import aggregate_id

PARTICIPANT_TOPIC_PREFIX = get_topic(Participant) + "."
RECORD_TOPIC_PREFIX = get_topic(ArmRevealingRecord) + "."
ALLOCATED_TOPIC = get_topic(Allocation.Allocated)
ALLOCATED_TOPICS = frozenset({ALLOCATED_TOPIC})


@dataclass(frozen=True)
class Change:
    """The audit facts of one event: which event, when, who, and why."""

    event_id: str
    at: datetime
    actor: Mapping[str, Any]
    reason: Mapping[str, str] | None = None

    @classmethod
    def of(cls, event: Any) -> Change:
        return cls(
            event_id=event_id(event),
            at=event.timestamp,
            actor=dict(getattr(event, "actor", None) or {}),
            reason=getattr(event, "reason", None),
        )


def event_id(event: Any) -> str:
    """An event's identity in the store: its aggregate id and version."""
    return f"{event.originator_id}/{event.originator_version}"


@dataclass
class Casebook:
    """One participant at the cut: the domain aggregate plus who changed what, and when."""

    participant: Participant
    screened: Change
    randomised: Change | None = None
    sheet_changes: dict[str, Change] = field(default_factory=dict)
    # Unblinded cuts only: the arm, the allocation event and how minimisation decided.
    arm: str | None = None
    allocated: Change | None = None
    allocation: Allocation.Allocated | None = None

    @property
    def id(self) -> UUID:
        return self.participant.id

    def sheets_of(self, form: str) -> dict[str, dict[str, Any]]:
        """`Participant.sheets_of`, from an index of the sheets by form made on first use
        (once the casebook is whole: exports ask for every form of every casebook)."""
        return self._sheets_by_form.get(form, {})

    @cached_property
    def _sheets_by_form(self) -> dict[str, dict[str, dict[str, Any]]]:
        # A sheet's key is its form's, or the form's followed by ":" and the repeat.
        by_form: dict[str, dict[str, dict[str, Any]]] = {}
        for key, items in self.participant.sheets.items():
            by_form.setdefault(key.partition(":")[0], {})[key] = items
        return by_form

    @cached_property
    def id_text(self) -> str:
        """The participant id as exports write it (asked for each of their rows)."""
        return str(self.participant.id)

    @property
    def screening_number(self) -> str:
        return self.participant.screening_number

    @property
    def state(self) -> ParticipantState:
        """Where the participant stood at the cut (`domain.participant_state`)."""
        return self.participant.state


def is_participant_topic(topic: str) -> bool:
    return topic.startswith(PARTICIPANT_TOPIC_PREFIX)


def casebooks(cut: Cut) -> Iterator[Casebook]:
    """Every participant screened up to the cut, in screening order (of the cut's site only,
    when it has one)."""
    with LatestVersions() as versions:
        yield from _casebooks(cut, versions)


def _casebooks(cut: Cut, versions: LatestVersions) -> Iterator[Casebook]:
    # Arm-revealing records (unblinded cuts only), by record id.
    record_versions: dict[UUID, int] = {}
    allocations: dict[UUID, Allocation.Allocated] = {}
    # The first pass needs where each history ends; of the events themselves, only the
    # allocations (never read in a blinded cut).
    for head in cut.heads(with_state=ALLOCATED_TOPICS):
        topic = head.topic
        if topic.startswith(PARTICIPANT_TOPIC_PREFIX):
            versions.record(head.aggregate, head.version)
        elif topic.startswith(RECORD_TOPIC_PREFIX):  # never in a blinded cut
            record_versions[aggregate_id(head.aggregate)] = head.version
        elif topic == ALLOCATED_TOPIC:  # never reached in a blinded cut
            assert head.state is not None
            stored = StoredEvent(aggregate_id(head.aggregate), head.version, topic, head.state)
            allocated = cut.decode(stored)
            allocations[allocated.participant_id] = allocated

    def wanted() -> Iterator[tuple[UUID, int]]:
        """Each participant's history, then their arm-revealing record's if they have one."""
        for participant_id, version in versions.items():
            yield participant_id, version
            record_id = arm_revealing_record_id(participant_id)
            if record_id in record_versions:
                yield record_id, record_versions[record_id]

    histories = cut.histories(wanted())
    for participant_id, events in histories:
        casebook = rebuild(iter(events))
        record_id = arm_revealing_record_id(participant_id)
        record_events = next(histories)[1] if record_id in record_versions else None
        if cut.site is not None and casebook.participant.site != cut.site:
            continue
        if record_events is not None:
            fold_arm_revealing(casebook, iter(record_events))
        if participant_id in allocations:
            allocated = allocations[participant_id]
            casebook.arm, casebook.allocated = allocated.decision["arm"], Change.of(allocated)
            casebook.allocation = allocated
        yield casebook


def rebuild(events: Iterator[Any]) -> Casebook:
    """Fold one participant's events (the first is `Screened`) into a casebook."""
    screened = next(events)
    if not isinstance(screened, Participant.Screened):
        raise ValueError(f"A participant's first event is {type(screened).__qualname__}")
    participant = screened.mutate(None)
    assert isinstance(participant, Participant)
    casebook = Casebook(participant, Change.of(screened))
    casebook.sheet_changes["screening"] = casebook.screened
    for event in events:
        # `apply` rather than `mutate`: a blinded cut skips arm-revealing versions on purpose.
        event.apply(participant)
        if isinstance(event, Participant.FormEntered | Participant.FormCorrected):
            casebook.sheet_changes[event.key] = Change.of(event)
        elif isinstance(event, Participant.Randomised):
            casebook.randomised = Change.of(event)
    return casebook


def fold_arm_revealing(casebook: Casebook, events: Iterator[Any]) -> None:
    """Add the participant's arm-revealing forms to their casebook (unblinded cuts only), as
    the record's own events make them."""
    record: ArmRevealingRecord | None = None
    for event in events:
        record = event.mutate(record)
        if isinstance(event, ArmRevealingRecord.FormEntered | ArmRevealingRecord.ItemsCorrected):
            casebook.sheet_changes[event.key] = Change.of(event)
    if record is not None:
        casebook.participant.sheets.update(record.sheets)
