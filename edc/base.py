"""The base of the trial application: clock, random draws, ids, loading aggregates.

Use cases live in `edc.usecases`, one module per concern, each a subclass of `TrialBase`;
`edc.application.Trial` composes them. The clock and the random source are read here, never
in the domain.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProcessingEvent,
    Recording,
    Repository,
)
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import JSONTranscoder
from eventsourcing.utils import Environment, EnvType, get_topic

from domain.actor import Actor
from domain.allocation import ALLOCATION_ID, Allocation
from domain.arm_revealing import ArmRevealingRecord, arm_revealing_record_id
from domain.database_lock import DATABASE_LOCK_ID, DatabaseLock
from domain.errors import NotFound, PermissionDenied
from domain.participant import Participant
from domain.protocol import TIME_ZONE
from domain.site_register import SiteRegister, site_register_id
from edc.audit.preconditions import PRECONDITIONS_KEY
from edc.audit.store import use_sealing_recorder
from edc.audit.subjects import note_subjects
from edc.concurrency import note_committed, note_read, versions_read
from edc.repository import CopySafeRepository, construct_copy_safe_repository
from edc.storage import storage_errors
from edc.transcodings import DateAsISO

SYSTEM = Actor(user="system", role="admin", site=None)


def utc_now() -> datetime:
    return datetime.now(tz=UTC)


class TrialBase(Application):
    """Shared state and loading helpers of the trial's use cases."""

    env = {"AGGREGATE_CACHE_MAXSIZE": "10000"}

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        *,
        clock: Callable[[], datetime] = utc_now,
        draw: Callable[[], float] | None = None,
        new_id: Callable[[], UUID] = uuid4,
    ) -> None:
        super().__init__(env)
        self.clock = clock
        self.draw = draw or random.SystemRandom().random
        self.new_id = new_id
        self.zone = ZoneInfo(TIME_ZONE)

    def close(self) -> None:
        # A head noted within the writer's interval waits for a timer: closing writes it now,
        # so a store closed and then replaced (a restore) is still measured against it.
        writer = getattr(self.recorder, "anchor_writer", None)
        if writer is not None:
            writer.flush()
        super().close()

    def construct_repository(self) -> Repository[UUID]:
        return construct_copy_safe_repository(self)

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        environment = super().construct_env(name, env)
        # Every write is sealed into the audit hash chain in its own transaction (edc.audit).
        use_sealing_recorder(environment)
        return environment

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def save(
        self, *objs: Any, preconditions: Mapping[UUID, int] | None = None, **kwargs: Any
    ) -> list[Recording[UUID]]:
        """Save the aggregates' new events in one transaction.

        `preconditions` are the versions of other aggregates the save's rules were read from
        (e.g. the Participant for an entry in the arm-revealing record), with those the
        command noted (`edc.concurrency.note_read`: the database lock): the store refuses the
        save if one has moved on, and the command's retry decides again from fresh state
        (`edc.audit.preconditions`).
        """
        guarded = {**versions_read(), **(preconditions or {})}
        if guarded:
            kwargs[PRECONDITIONS_KEY] = guarded
        # A read-only database or a full disk is a clear refusal, never a bare exception.
        with storage_errors():
            return self._save_collected(_collected(objs, kwargs))

    def _save_collected(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        """The library's `Application.save` after collecting (`_collected`)."""
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        self.notify(processing_event.events)  # the library's deprecated hook, kept
        return recordings

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        # The recorder notes, with each event's chain link, which participant it concerns.
        note_subjects(processing_event)
        recordings = super()._record(processing_event)
        if recordings:  # a save of nothing checked nothing of what the command decided on
            note_committed()
        # Committed: the cached aggregates take these events as stored (edc.repository).
        repository = self.repository
        if isinstance(repository, CopySafeRepository):
            repository.note_recorded([r.notification for r in recordings], self.mapper)
        return recordings

    def local_date(self, at: datetime) -> date:
        return at.astimezone(self.zone).date()

    # ---- loading ----------------------------------------------------------------------------

    def participant_ids(self, site: str | None = None) -> list[UUID]:
        """Participants in screening order (from the sites' screening logs)."""
        ids: list[UUID] = []
        for n in self.recorder.select_notifications(
            start=1, limit=10_000_000, topics=[topic_of(SiteRegister.Opened)]
        ):
            register: SiteRegister = self.repository.get(n.originator_id)
            if site is None or register.site == site:
                ids.extend(register.participants)
        return ids

    def load_participant(self, participant_id: UUID) -> Participant:
        return self._participant(participant_id)

    def load_arm_revealing_record(
        self, participant_id: UUID, version: int | None = None
    ) -> ArmRevealingRecord | None:
        """The participant's arm-revealing forms (None before the first is entered)."""
        try:
            record: ArmRevealingRecord = self.repository.get(
                arm_revealing_record_id(participant_id), version=version
            )
        except AggregateNotFoundError:
            return None
        return record

    def load_allocation(self) -> Allocation | None:
        try:
            allocation: Allocation = self.repository.get(ALLOCATION_ID)
        except AggregateNotFoundError:
            return None
        return allocation

    def load_database_lock(self, *, copy: bool = True) -> DatabaseLock | None:
        """The database lock; `copy=False` gives the cached one itself, only for reading."""
        try:
            lock: DatabaseLock = self.repository.get(DATABASE_LOCK_ID, deepcopy_from_cache=copy)
        except AggregateNotFoundError:
            return None
        return lock

    def check_database_open(self) -> None:
        """Refuse any change to clinical data while the database is locked; the command's
        save is then guarded by the lock's version, so a lock committed meanwhile refuses it."""
        lock = self.load_database_lock(copy=False)  # every write asks: no copy
        if lock is not None:
            lock.check_open()
        note_read(DATABASE_LOCK_ID, lock.version if lock is not None else 0)

    def _participant(self, participant_id: UUID, *, in_place: bool = False) -> Participant:
        """A copy of the participant; `in_place` gives the cached one itself, held for the
        running command alone (`CopySafeRepository.take`): only for a command that changes
        no other aggregate."""
        repository = self.repository
        try:
            if in_place and isinstance(repository, CopySafeRepository):
                participant: Participant = repository.take(participant_id)
            else:
                participant = repository.get(participant_id)
        except AggregateNotFoundError:
            raise NotFound("No such participant.") from None
        if not isinstance(participant, Participant):
            raise NotFound("No such participant.")
        return participant

    def _arm_for(self, actor: Actor, participant_id: UUID) -> str | None:
        """The participant's arm for an unblinded account; a blinded one never gets here."""
        if actor.blinded:
            raise PermissionDenied("Blinded accounts may not see the arm.")
        return self._arm(participant_id)

    def _arm(self, participant_id: UUID) -> str | None:
        # Only read, so the cached allocation itself rather than a deep copy of the whole
        # sequence: at a million events that copy took half a second per participant page.
        try:
            allocation: Allocation = self.repository.get(ALLOCATION_ID, deepcopy_from_cache=False)
        except AggregateNotFoundError:
            return None
        return allocation.arm_of(participant_id)

    def _allocation(self, at: datetime) -> Allocation:
        return self.load_allocation() or Allocation.start(at)

    def _site_register(self, site: str, at: datetime) -> SiteRegister:
        try:
            register: SiteRegister = self.repository.get(site_register_id(site))
        except AggregateNotFoundError:
            register = SiteRegister.open(site, at)
        return register

    def _exists(self, aggregate_id: UUID) -> bool:
        return bool(self.recorder.select_events(aggregate_id, limit=1))


def _collected(objs: tuple[Any, ...], kwargs: dict[str, Any]) -> ProcessingEvent[UUID]:
    """The pending events of the aggregates (and the events) to save, as the library collects
    them; aggregates are told apart by class rather than by the library's runtime protocol
    checks, which cost more than the rest of collecting."""
    processing_event: ProcessingEvent[UUID] = ProcessingEvent()
    for obj in objs:
        if isinstance(obj, Aggregate):
            processing_event.events.extend(obj.collect_events())
            processing_event.aggregates[obj.id] = obj
        elif obj is not None:
            processing_event.collect_events(obj)
    processing_event.saved_kwargs.update(kwargs)
    return processing_event


def topic_of(cls: type) -> str:
    return get_topic(cls)
