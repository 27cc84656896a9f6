"""An entry in the arm-revealing record is saved alone, on rules read from the Participant
(randomised, not locked): the save carries the participant version it read, and the store
refuses it if the participant moved on, so the use case decides again.

The race is forced, not hoped for: the application saving the entry lets a second application
on the same store (another web process) commit a change to the participant after the entry's
checks have passed and before its save. A lock set then is never bypassed; any other change
costs nobody a conflict.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

import pytest

from domain.actor import Actor
from domain.arm_revealing import ArmRevealingRecord, arm_revealing_record_id
from domain.errors import Locked
from domain.participant import Participant
from edc.application import SYSTEM, Trial
from edc.audit.chain import verify
from edc.audit.preconditions import PreconditionChanged
from edc.audit.store import chain_recorder
from edc.base import TrialBase
from edc.bootstrap import build_trial
from edc.config import Settings
from tests import factories
from tests.app.conftest import PASSWORD, Accounts, StepClock
from tests.app.journeys import randomised, screened

DEVIATION = {
    "kind": "intervention",
    "description": "Belt not handed out",
    "occurred_on": "2024-01-14",
}
MISSED_CALL = {
    "kind": "assessment",
    "description": "RMDQ read aloud to the participant",
    "occurred_on": "2024-01-14",
}


class Interleaved(Trial):
    """The trial application, able to run another writer's command in the instant between a
    use case's checks and its save of an aggregate of a given kind."""

    # The same store as the trial's (PostgreSQL tables are named after the application).
    name = Trial.name
    meanwhile: tuple[type, Callable[[], object]] | None = None

    def before_saving(self, kind: type, command: Callable[[], object]) -> None:
        self.meanwhile = (kind, command)

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        if self.meanwhile is not None and any(isinstance(o, self.meanwhile[0]) for o in objs):
            command, self.meanwhile = self.meanwhile[1], None
            command()
        return super().save(*objs, **kwargs)


@pytest.fixture
def apps(settings: Settings, clock: StepClock) -> Iterator[tuple[Interleaved, Trial]]:
    """The application entering the form, and a second one on the same store."""
    trial = Interleaved(settings.event_store_env(), clock=clock, draw=random.Random(7).random)
    other = build_trial(settings, clock=clock)
    yield trial, other
    other.close()
    trial.close()


def unblinded(trial: Trial, name: str, role: str, site: str | None) -> Actor:
    trial.add_user(
        SYSTEM, name, role, PASSWORD, site=site, blinded=False, blinding_reason="handles harms"
    )
    return trial.actor_for(name)


def adherence_for(arm: str) -> dict[str, Any]:
    return {"EXERCISE_SESSIONS": 8} if arm == "exercise" else {"REST_HOURS_PER_DAY": 2.0}


def record_events(trial: TrialBase, pid: UUID) -> list[Any]:
    return list(trial.events.get(arm_revealing_record_id(pid)))


def trail_names(trial: Trial, reader: Actor, pid: UUID) -> list[str]:
    return [row["type"].rpartition(".")[2] for row in trial.participant_trail(reader, pid)]


@pytest.fixture
def staff(apps: tuple[Interleaved, Trial]) -> dict[str, Actor]:
    return Accounts(apps[0])


def test_a_participant_lock_set_between_the_checks_and_the_save_refuses_the_entry(
    apps: tuple[Interleaved, Trial], staff: dict[str, Actor]
) -> None:
    trial, other = apps
    site_staff, data_manager = staff["site_staff"], staff["data_manager"]
    pid, arm = randomised(trial, site_staff)
    trial.before_saving(
        ArmRevealingRecord, lambda: other.lock_participant(data_manager, pid, "queries answered")
    )

    with pytest.raises(Locked) as refused:
        trial.record_form(site_staff, pid, "adherence", adherence_for(arm), expected_version=0)

    assert "is locked" in refused.value.message
    assert record_events(trial, pid) == []
    assert trial.get_participant(site_staff, pid)["forms"]["adherence"]["status"] == "not started"
    assert trail_names(trial, data_manager, pid)[-1] == "Locked"


def test_an_arm_revealing_deviation_is_refused_alike_when_the_lock_comes_in_between(
    apps: tuple[Interleaved, Trial], staff: dict[str, Actor]
) -> None:
    trial, other = apps
    site_staff, data_manager = staff["site_staff"], staff["data_manager"]
    pid, _arm = randomised(trial, site_staff)
    trial.before_saving(ArmRevealingRecord, lambda: other.lock_participant(data_manager, pid))

    with pytest.raises(Locked):
        trial.record_deviation(site_staff, pid, DEVIATION)

    assert record_events(trial, pid) == []
    assert trial.get_participant(site_staff, pid)["deviations_recorded"] == []


def test_another_change_to_the_participant_in_between_costs_the_entry_no_conflict(
    apps: tuple[Interleaved, Trial], staff: dict[str, Actor]
) -> None:
    """Someone else records another thing on the participant at the same moment: the entry
    is decided again on the new participant version and saved, with no conflict for either."""
    trial, other = apps
    site_staff = staff["site_staff"]
    pid, arm = randomised(trial, site_staff)
    read_version = trial.load_participant(pid).version
    trial.before_saving(
        ArmRevealingRecord, lambda: other.record_deviation(site_staff, pid, MISSED_CALL)
    )

    view = trial.record_form(site_staff, pid, "adherence", adherence_for(arm), expected_version=0)

    assert view["version"] == 1
    participant = trial.load_participant(pid)
    assert participant.version == read_version + 1
    assert [d["kind"] for d in participant.recorded_deviations] == ["assessment"]
    *_, entry = record_events(trial, pid)
    assert type(entry).__name__ == "AdherenceRecorded"
    # The entry keeps the participant version it was decided on: the one after the change.
    assert entry.participant_version == participant.version


def test_a_lock_being_saved_while_an_entry_commits_comes_after_it_in_the_trail(
    apps: tuple[Interleaved, Trial], staff: dict[str, Actor]
) -> None:
    """The reverse order: the lock's checks pass, then an arm-revealing entry commits (it was
    decided on the participant unlocked, which it still was), then the lock. Both stand, in
    that order: the entry was made before the lock, and nothing can enter after it."""
    trial, other = apps
    site_staff, data_manager = staff["site_staff"], staff["data_manager"]
    pid, arm = randomised(trial, site_staff)
    trial.before_saving(
        Participant,
        lambda: other.record_form(
            site_staff, pid, "adherence", adherence_for(arm), expected_version=0
        ),
    )

    trial.lock_participant(data_manager, pid, "queries answered")

    *_, entry = record_events(trial, pid)
    locked = trial.load_participant(pid)
    assert locked.participant_lock is not None
    assert entry.participant_version == locked.version - 1
    store = chain_recorder(trial)
    entered_at = store.event_position(entry.originator_id, entry.originator_version)
    locked_at = store.event_position(pid, locked.version)
    assert entered_at is not None and locked_at is not None and entered_at < locked_at
    with pytest.raises(Locked):
        trial.record_form(site_staff, pid, "adherence", adherence_for(arm), expected_version=1)


def test_a_save_on_a_version_that_moved_on_stores_nothing_and_the_chain_stays_whole(
    apps: tuple[Interleaved, Trial], staff: dict[str, Actor]
) -> None:
    trial, _other = apps
    pid, _arm = randomised(trial, staff["site_staff"])
    version = trial.load_participant(pid).version
    stored = chain_recorder(trial).event_count()

    def record() -> ArmRevealingRecord:
        return ArmRevealingRecord.start(pid, "S-1", "RINGE", trial.clock())

    with pytest.raises(PreconditionChanged):
        trial.save(record(), preconditions={pid: version - 1})
    with pytest.raises(PreconditionChanged):
        trial.save(record(), preconditions={UUID(int=1): 1})  # one that has no events at all

    assert chain_recorder(trial).event_count() == stored
    trial.save(record(), preconditions={pid: version, UUID(int=1): 0})
    assert chain_recorder(trial).event_count() == stored + 1
    assert verify(trial).ok


def test_a_query_answer_correcting_an_adverse_event_is_refused_when_the_lock_comes_in_between(
    apps: tuple[Interleaved, Trial], staff: dict[str, Actor]
) -> None:
    trial, other = apps
    site_staff, data_manager = staff["site_staff"], staff["data_manager"]
    investigator = unblinded(trial, "uffe", "investigator", "RINGE")
    monitor = unblinded(trial, "ulla", "monitor", None)
    pid, _arm = randomised(trial, site_staff)
    trial.record_form(
        investigator, pid, "adverse_event", factories.adverse_event(), expected_version=0
    )
    raised = trial.raise_query(monitor, pid, "adverse_event", "AE_SEVERITY", "Moderate?", week=1)
    trial.before_saving(ArmRevealingRecord, lambda: other.lock_participant(data_manager, pid))

    with pytest.raises(Locked):
        trial.answer_query(
            investigator,
            raised["id"],
            "Moderate per the discharge letter.",
            expected_version=1,
            as_left={"AE_SEVERITY": "moderate"},
        )

    record = trial.load_arm_revealing_record(pid)
    assert record is not None and record.sheets["adverse_event:01"]["AE_SEVERITY"] == "mild"
    assert trial.get_query(monitor, raised["id"])["status"] == "open"


def test_a_database_lock_set_between_the_checks_and_the_save_refuses_the_change(
    apps: tuple[Interleaved, Trial], staff: dict[str, Actor]
) -> None:
    """Every clinical change checks that the database is open, and its save carries the
    database lock's version: a lock signed in between refuses the change, whatever it saves."""
    trial, other = apps
    site_staff, data_manager = staff["site_staff"], staff["data_manager"]
    pid = screened(trial, site_staff)
    trial.before_saving(
        Participant,
        lambda: other.lock_database(data_manager, PASSWORD, factories.LOCK_OVERRIDES),
    )

    with pytest.raises(Locked) as refused:
        trial.record_mri(site_staff, pid, factories.mri())

    assert "database is locked" in refused.value.message
    assert trial.load_participant(pid).form_version("mri") == 0
    assert trial.database_locked()
