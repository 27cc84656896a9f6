"""No number a blinded reader sees counts an arm-revealing event (issue 9 §1).

Adherence lives in the participant's arm-revealing record, an aggregate of its own, so the
participant's versions, the trail's numbering, signature versions and ODM SourceIDs run without
gaps, and a blinded export asked for a hidden event's position answers with the last position
it can see.
"""

from __future__ import annotations

import io
import re
from typing import Any
from uuid import UUID

import pytest

from domain.actor import Actor
from domain.errors import Locked, StaleVersion
from edc.application import SYSTEM, Trial
from edc.exports import store_reader
from projections.exports import Cut, ExportKind, View, export
from tests import factories
from tests.app.conftest import PASSWORD
from tests.app.journeys import randomised

CORRECTION = {"code": "transcription_error", "text": "Misread the paper form"}


def adherence_for(arm: str, amount: int = 8) -> dict[str, Any]:
    if arm == "exercise":
        return {"EXERCISE_SESSIONS": amount}
    return {"REST_HOURS_PER_DAY": float(amount) / 4}


def with_adherence(trial: Trial, actors: dict[str, Actor]) -> tuple[UUID, str]:
    """Randomised, adherence entered and corrected, then the week-10 outcome entered."""
    staff = actors["site_staff"]
    pid, arm = randomised(trial, staff)
    trial.record_form(staff, pid, "adherence", adherence_for(arm), expected_version=0)
    trial.correct_form(
        staff, pid, "adherence", adherence_for(arm, 6), expected_version=1, reason=CORRECTION
    )
    week10 = factories.outcomes("week10", ASSESS_DATE="2024-01-15")
    trial.record_form(actors["assessor"], pid, "week10", week10, expected_version=0)
    return pid, arm


def test_a_blinded_trail_numbers_the_participant_without_gaps(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    pid, _arm = with_adherence(trial, actors)
    rows = trial.participant_trail(actors["monitor"], pid)
    versions = [row["version"] for row in rows if row["aggregate_id"] == str(pid)]
    assert versions == list(range(1, len(versions) + 1))
    assert trial.load_participant(pid).version == versions[-1]
    assert not any("Adherence" in row["type"] for row in rows)


def test_a_signature_shows_a_version_that_counts_no_adherence_entry(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    pid, _arm = with_adherence(trial, actors)
    visible = trial.participant_trail(actors["monitor"], pid)
    own = [row for row in visible if row["aggregate_id"] == str(pid)]
    signature = trial.sign(actors["investigator"], pid, PASSWORD, "approval", form="week10")
    assert signature["participant_version"] == len(own) + 1


def test_blinded_odm_source_ids_run_without_gaps(trial: Trial, actors: dict[str, Actor]) -> None:
    pid, _arm = with_adherence(trial, actors)
    out = io.BytesIO()
    export(ExportKind.ODM, Cut.of(store_reader(trial), View.BLINDED), out)
    document = out.getvalue().decode()
    versions = [int(v) for v in re.findall(rf"<SourceID>{pid}/(\d+)</SourceID>", document)]
    assert versions == list(range(1, max(versions) + 1))


def test_a_blinded_export_at_a_hidden_position_answers_with_the_last_visible_one(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff = actors["site_staff"]
    pid, arm = randomised(trial, staff)
    visible_head = trial.recorder.max_notification_id() or 0
    trial.record_form(staff, pid, "adherence", adherence_for(arm), expected_version=0)
    hidden = trial.recorder.max_notification_id() or 0
    assert hidden > visible_head
    reader = store_reader(trial)
    visible_time = Cut.of(reader, View.BLINDED, visible_head).last_event_time()
    for as_of in range(visible_head, hidden + 1):
        blinded = Cut.of(reader, View.BLINDED, as_of)
        assert blinded.as_of == visible_head
        assert blinded.last_event_time() == visible_time
    assert Cut.of(reader, View.UNBLINDED, hidden).as_of == hidden


def test_unblinded_readers_still_see_adherence_with_its_history(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    pid, arm = with_adherence(trial, actors)
    staff = actors["site_staff"]
    form = trial.get_participant(staff, pid)["forms"]["adherence"]
    assert form["version"] == 2 and form["items"] == adherence_for(arm, 6) | form["items"]
    item = "EXERCISE_SESSIONS" if arm == "exercise" else "REST_HOURS_PER_DAY"
    trial.add_user(
        SYSTEM, "ulla", "data_manager", PASSWORD, blinded=False, blinding_reason="unblinded review"
    )
    unblinded = trial.actor_for("ulla")
    history = trial.item_history(unblinded, pid, "adherence", item)
    assert [(row["type"], row["new"]) for row in history] == [
        ("ArmRevealingRecord.AdherenceRecorded", adherence_for(arm)[item]),
        ("ArmRevealingRecord.ItemsCorrected", adherence_for(arm, 6)[item]),
    ]
    types = [row["type"] for row in trial.participant_trail(unblinded, pid)]
    assert "ArmRevealingRecord.AdherenceRecorded" in types
    assert "adherence" not in trial.get_participant(actors["assessor"], pid)["forms"]


def test_adherence_keeps_its_own_version_and_the_participant_lock_spans_it(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff = actors["site_staff"]
    pid, arm = randomised(trial, staff)
    before = trial.load_participant(pid).version
    trial.record_form(staff, pid, "adherence", adherence_for(arm), expected_version=0)
    assert trial.load_participant(pid).version == before
    with pytest.raises(StaleVersion):
        trial.record_form(staff, pid, "adherence", adherence_for(arm, 5), expected_version=0)
    trial.lock_participant(actors["data_manager"], pid)
    with pytest.raises(Locked):
        trial.correct_form(
            staff, pid, "adherence", adherence_for(arm, 5), expected_version=1, reason=CORRECTION
        )


def test_a_locked_adherence_form_refuses_a_change(trial: Trial, actors: dict[str, Actor]) -> None:
    staff = actors["site_staff"]
    pid, arm = randomised(trial, staff)
    trial.record_form(staff, pid, "adherence", adherence_for(arm), expected_version=0)
    # Only an unblinded data manager may lock a form that reveals the arm (issue 9 §1).
    trial.add_user(SYSTEM, "dora", "data_manager", PASSWORD, blinded=False, blinding_reason="x")
    locked = trial.lock_form(trial.actor_for("dora"), pid, "adherence")
    assert locked == locked | {"participant_id": str(pid), "locked": True}
    with pytest.raises(Locked):
        trial.correct_form(
            staff, pid, "adherence", adherence_for(arm, 5), expected_version=1, reason=CORRECTION
        )
    assert trial.get_participant(staff, pid)["forms"]["adherence"]["locked"] is True
