"""A planted weekly report under a sheet key of a shape the application never writes (someone
with a copy of the files edits the store), then corrected in the same page: the blinded read
model's shortcut for a plain form's entry (`Projector._enter_plain`) must build the tables of
its general path, which a rebuild without the shortcut gives. SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from domain.actor import Actor
from edc.application import Trial
from projections.projector import Projector
from projections.service import Projections
from tests.app.journeys import randomised
from tests.projections.conftest import projections as projections
from tests.projections.tables import dumps, rows

LATE = {"code": "transcription_error", "text": ""}


def _week(week: int, days: int) -> dict[str, Any]:
    return {"WEEK": week, "LBP_DAYS": days, "SICK_LEAVE_DAYS": 0}


def _plant_under_key(trial: Trial, pid: UUID, key: bytes, stored: list[Any]) -> None:
    """The participant's given events written again after its newest, under `key`."""
    version = max(e.originator_version for e in trial.events.get(pid))
    trial.recorder.insert_events(
        [
            StoredEvent(s.originator_id, version + n, s.topic, s.state.replace(b"weekly:03", key))
            for n, s in enumerate(stored, start=1)
        ]
    )


@pytest.mark.parametrize("key", [b"weekly-03", b"weekly", b"WEEKLY:03", b"adverse_event:03"])
def test_a_planted_odd_sheet_key_corrected_in_its_page_builds_the_general_tables(
    trial: Trial,
    actors: dict[str, Actor],
    projections: Projections,
    monkeypatch: pytest.MonkeyPatch,
    key: bytes,
) -> None:
    staff = actors["site_staff"]
    pid, _ = randomised(trial, staff)
    trial.record_form(staff, pid, "weekly", _week(3, 2), expected_version=None)
    trial.record_form(staff, pid, "weekly", _week(3, 5), expected_version=None, reason=LATE)
    entry, correction = list(trial.recorder.select_events(pid))[-2:]
    assert b"weekly:03" in entry.state and b"weekly:03" in correction.state
    _plant_under_key(trial, pid, key, [entry, correction])
    projections.rebuild()  # one page: the planted entry and its correction together
    shortcut = dumps(projections.db)
    odd = [
        row["items"]
        for row in rows(projections.db, "blinded", "forms", "sheet_key = ?", (key.decode(),))
    ]

    monkeypatch.setattr(Projector, "_enter_plain", lambda *args: False)
    projections.rebuild()
    assert dumps(projections.db) == shortcut
    assert odd == [_week(3, 5)]  # the entry with its correction, as the participant has it
