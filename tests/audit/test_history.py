"""History: a participant's trail, an item's history, the record as it stood, the whole trail."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest

from domain.actor import Actor
from domain.blinding import is_blinded_safe
from domain.errors import EdcError, NotFound, PermissionDenied
from edc.application import SYSTEM, Trial
from edc.config import Settings
from tests import factories
from tests.app.conftest import PASSWORD, StepClock
from tests.app.journeys import randomised, ready_to_randomise
from tests.audit.tamper import RawStore

TRANSCRIPTION = {"code": "transcription_error", "text": "Misread the paper form"}
LATE_SOURCE = {"code": "late_source", "text": "Hospital record arrived"}
T_SCREEN = datetime(2024, 1, 15, 8, 0, tzinfo=UTC)
T_FIRST = datetime(2024, 1, 15, 10, 0, tzinfo=UTC)
T_SECOND = datetime(2024, 1, 15, 12, 0, tzinfo=UTC)
ARM_REVEALING_TYPES = {
    "Allocation.Started",
    "Allocation.Allocated",
    "Allocation.ArmRevealed",
    "ArmRevealingRecord.Started",
    "ArmRevealingRecord.AdherenceRecorded",
    "ArmRevealingRecord.ItemsCorrected",
}


def corrected_twice(trial: Trial, actors: dict[str, Actor], clock: StepClock) -> UUID:
    """Baseline pain entered as 6 at 08:00, corrected to 7 at 10:00 and to 9 at 12:00."""
    staff, investigator = actors["site_staff"], actors["investigator"]
    actors["monitor"]  # every account exists before the clock is set
    clock.current = T_SCREEN
    pid = ready_to_randomise(trial, staff)
    clock.current = T_FIRST - timedelta(seconds=1)
    trial.correct_form(
        staff,
        pid,
        "baseline",
        factories.outcomes(LBP_NOW=7),
        expected_version=1,
        reason=TRANSCRIPTION,
    )
    clock.current = T_SECOND - timedelta(seconds=1)
    trial.correct_form(
        investigator,
        pid,
        "baseline",
        factories.outcomes(LBP_NOW=9),
        expected_version=2,
        reason=LATE_SOURCE,
    )
    return pid


def unblinded_data_manager(trial: Trial) -> Actor:
    trial.add_user(
        SYSTEM, "ulla", "data_manager", PASSWORD, blinded=False, blinding_reason="unblinded review"
    )
    return trial.actor_for("ulla")


def test_a_participants_trail_is_every_event_in_order_with_who_when_why_and_changes(
    trial: Trial, actors: dict[str, Actor], clock: StepClock
) -> None:
    pid = corrected_twice(trial, actors, clock)
    trail = trial.participant_trail(actors["monitor"], pid)
    positions = [row["position"] for row in trail]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    assert [row["type"] for row in trail] == [
        "SiteRegister.NumberIssued",
        "Participant.Screened",
        "Participant.ModicConfirmed",
        "Participant.Consented",
        "Participant.BaselineRecorded",
        "Participant.FormCorrected",
        "Participant.FormCorrected",
    ]
    first_correction = trail[5]
    assert first_correction["changes"] == [
        {"form": "baseline", "item": "LBP_NOW", "old": 6, "new": 7}
    ]
    assert first_correction["reason"] == TRANSCRIPTION
    assert (first_correction["user"], first_correction["role"], first_correction["site"]) == (
        "sara",
        "site_staff",
        "RINGE",
    )
    assert first_correction["time"] == T_FIRST.isoformat()  # UTC, with its offset
    assert "LBP_NOW 6 -> 7" in first_correction["summary"]
    assert trail[6]["user"] == "ivan" and trail[6]["role"] == "investigator"
    entry = trail[4]
    assert {"form": "baseline", "item": "LBP_NOW", "old": None, "new": 6} in entry["changes"]
    assert entry["reason"] is None


def test_an_items_history_is_every_value_it_had_old_to_new(
    trial: Trial, actors: dict[str, Actor], clock: StepClock
) -> None:
    pid = corrected_twice(trial, actors, clock)
    history = trial.item_history(actors["monitor"], pid, "baseline", "LBP_NOW")
    assert [(h["old"], h["new"]) for h in history] == [(None, 6), (6, 7), (7, 9)]
    assert [h["user"] for h in history] == ["sara", "sara", "ivan"]
    assert [h["role"] for h in history] == ["site_staff", "site_staff", "investigator"]
    assert [h["site"] for h in history] == ["RINGE"] * 3
    assert [h["reason"] for h in history] == [None, TRANSCRIPTION, LATE_SOURCE]
    assert [h["time"] for h in history][1:] == [T_FIRST.isoformat(), T_SECOND.isoformat()]
    # An item never corrected has one value; an unknown item or form is refused clearly.
    assert len(trial.item_history(actors["monitor"], pid, "baseline", "LBP_WORST_2W")) == 1
    with pytest.raises(NotFound, match="no item"):
        trial.item_history(actors["monitor"], pid, "baseline", "ARM")
    with pytest.raises(NotFound, match="no form"):
        trial.item_history(actors["monitor"], pid, "allocation", "ARM")


def test_as_of_a_moment_between_two_corrections_shows_the_first_correction(
    trial: Trial, actors: dict[str, Actor], clock: StepClock
) -> None:
    pid = corrected_twice(trial, actors, clock)
    monitor = actors["monitor"]
    between = trial.participant_as_of(monitor, pid, at=T_FIRST + timedelta(hours=1))
    assert between["forms"]["baseline"]["items"]["LBP_NOW"] == 7
    assert between["forms"]["baseline"]["version"] == 2
    assert between["as_of"]["time"] == T_FIRST.isoformat()
    # The same moment in the site's zone (Copenhagen is UTC+1 in January).
    copenhagen = timezone(timedelta(hours=1))
    local = trial.participant_as_of(
        monitor, pid, at=datetime(2024, 1, 15, 12, 0, tzinfo=copenhagen)
    )
    assert local["forms"]["baseline"]["items"]["LBP_NOW"] == 7
    at_position = trial.participant_as_of(monitor, pid, position=between["as_of"]["position"])
    assert at_position == between
    before = trial.participant_as_of(monitor, pid, at=T_FIRST - timedelta(minutes=1))
    assert before["forms"]["baseline"]["items"]["LBP_NOW"] == 6
    now = trial.participant_as_of(monitor, pid, at=T_SECOND)
    assert now["forms"]["baseline"]["items"]["LBP_NOW"] == 9
    current = trial.get_participant(actors["investigator"], pid)["forms"]
    assert {f: (v["version"], v["items"]) for f, v in now["forms"].items()} == {
        f: (v["version"], v["items"]) for f, v in current.items()
    }


def test_as_of_refuses_what_it_cannot_answer_with_a_message(
    trial: Trial, actors: dict[str, Actor], clock: StepClock
) -> None:
    pid = corrected_twice(trial, actors, clock)
    monitor = actors["monitor"]
    with pytest.raises(NotFound, match="not been screened yet"):
        trial.participant_as_of(monitor, pid, at=T_SCREEN - timedelta(days=1))
    with pytest.raises(EdcError, match="time zone"):
        trial.participant_as_of(monitor, pid, at=datetime(2024, 1, 15, 11, 0))
    with pytest.raises(EdcError, match="give a time or an event position"):
        trial.participant_as_of(monitor, pid)


def _head(trial: Trial) -> int:
    # The latest position: one beyond it is refused (tests/security/test_json_and_states.py).
    return trial.recorder.max_notification_id() or 0


def test_blinded_readers_never_see_arm_revealing_events_in_any_audit_view(
    trial: Trial, actors: dict[str, Actor], clock: StepClock
) -> None:
    pid, arm = randomised(trial, actors["site_staff"])
    other, _ = randomised(trial, actors["site_staff"])
    trial.unblind(actors["investigator"], pid, "Severe adverse event, treating physician asks")
    for role in ("monitor", "data_manager", "investigator"):
        reader = actors[role]
        assert reader.blinded
        views: list[Any] = [
            trial.participant_trail(reader, pid),
            trial.global_trail(reader, limit=1000)["events"],
            trial.participant_as_of(reader, pid, position=_head(trial)),
        ]
        for view in views:
            text = json.dumps(view)
            assert f'"{arm}"' not in text and "decision" not in text, role
        for row in views[0] + views[1]:
            assert row["type"] not in ARM_REVEALING_TYPES, role
        assert "arm" not in views[2] and "adherence" not in views[2]["forms"]
        with pytest.raises(PermissionDenied):
            trial.item_history(reader, pid, "adherence", "BELT_USE")
        with pytest.raises(PermissionDenied, match="reveal the arm"):
            trial.global_trail(reader, event_type="Allocated")

    # An unblinded reader sees this participant's allocation and unblinding, not the other's.
    unblinded = unblinded_data_manager(trial)
    types = [row["type"] for row in trial.participant_trail(unblinded, pid)]
    assert types.count("Allocation.Allocated") == 1 and "Allocation.ArmRevealed" in types
    allocated = next(
        r for r in trial.participant_trail(unblinded, pid) if r["type"] == "Allocation.Allocated"
    )
    assert allocated["details"]["participant_id"] == str(pid)
    assert str(other) not in json.dumps(trial.participant_trail(unblinded, pid))
    assert trial.participant_as_of(unblinded, pid, position=_head(trial))["arm"] == arm


def test_as_of_shows_an_unblinded_reader_the_arm_only_from_randomisation_on(
    trial: Trial, actors: dict[str, Actor], clock: StepClock
) -> None:
    clock.current = T_SCREEN
    pid = ready_to_randomise(trial, actors["site_staff"])
    clock.current = T_FIRST
    arm = trial.randomise(actors["site_staff"], pid)["arm"]
    reader = unblinded_data_manager(trial)
    assert trial.participant_as_of(reader, pid, at=T_FIRST - timedelta(minutes=1))["arm"] is None
    after = trial.participant_as_of(reader, pid, at=T_FIRST + timedelta(minutes=1))
    assert after["arm"] == arm and after["status"] == "randomised"


def test_a_query_on_an_item_appears_in_the_participants_trail_with_its_form(
    trial: Trial, actors: dict[str, Actor], clock: StepClock
) -> None:
    pid = corrected_twice(trial, actors, clock)
    query = trial.raise_query(actors["monitor"], pid, "baseline", "LBP_NOW", "Source says 8?")
    trial.answer_query(
        actors["site_staff"],
        query["id"],
        "Checked the source: it is 8",
        {"LBP_NOW": 8},
        expected_version=3,
    )
    trail = trial.participant_trail(actors["monitor"], pid)
    query_rows = [row for row in trail if row["type"].startswith("Query.")]
    assert [row["type"] for row in query_rows] == ["Query.Raised", "Query.Answered"]
    assert query_rows[1]["changes"] == [{"form": "baseline", "item": "LBP_NOW", "old": 9, "new": 8}]
    history = trial.item_history(actors["monitor"], pid, "baseline", "LBP_NOW")
    assert [(h["old"], h["new"]) for h in history][-1] == (9, 8)
    assert history[-1]["reason"]["code"] == "query_resolution"


def test_the_whole_trail_pages_in_order_and_filters_by_user_type_and_date(
    trial: Trial, actors: dict[str, Actor], clock: StepClock, settings: Settings
) -> None:
    corrected_twice(trial, actors, clock)
    randomised(trial, actors["site_staff"])
    monitor = actors["monitor"]
    rows, since, pages = [], 0, 0
    while True:
        page = trial.global_trail(monitor, since=since, limit=4)
        rows += page["events"]
        pages += 1
        if page["next"] is None:
            break
        assert len(page["events"]) == 4
        since = page["next"]
    expected = [r[0] for r in RawStore(settings).rows() if is_blinded_safe(r[3])]
    assert [row["position"] for row in rows] == expected
    assert pages >= len(expected) // 4

    by_ivan = trial.global_trail(monitor, user="ivan")["events"]
    assert by_ivan and {row["user"] for row in by_ivan} == {"ivan"}
    corrections = trial.global_trail(monitor, event_type="FormCorrected")["events"]
    assert [row["type"] for row in corrections] == ["Participant.FormCorrected"] * 2
    window = trial.global_trail(
        monitor, date_from=T_FIRST - timedelta(minutes=5), date_to=T_FIRST + timedelta(minutes=5)
    )["events"]
    assert [row["time"] for row in window] == [T_FIRST.isoformat()]
    with pytest.raises(EdcError, match="Unknown event type 'Teleported'"):
        trial.global_trail(monitor, event_type="Teleported")
    with pytest.raises(EdcError, match="1 to 1000"):
        trial.global_trail(monitor, limit=0)


def test_audit_views_never_show_password_or_token_hashes(
    trial: Trial, actors: dict[str, Actor], clock: StepClock
) -> None:
    corrected_twice(trial, actors, clock)
    trial.issue_token(SYSTEM, "ivan", "laptop")
    reader = unblinded_data_manager(trial)
    rows = trial.global_trail(reader, limit=1000)["events"]
    assert {"User.Registered", "User.TokenIssued"} <= {row["type"] for row in rows}
    text = json.dumps(rows)
    assert "$argon2" not in text

    def keys(value: Any) -> set[str]:
        if isinstance(value, dict):
            return set(value) | {k for v in value.values() for k in keys(v)}
        if isinstance(value, list):
            return {k for v in value for k in keys(v)}
        return set()

    leaked = {k for k in keys(rows) if any(w in k.lower() for w in ("hash", "token", "pass"))}
    assert leaked == set()


def test_who_may_read_the_audit_trail(
    trial: Trial, actors: dict[str, Actor], clock: StepClock
) -> None:
    pid = corrected_twice(trial, actors, clock)
    for role in ("site_staff", "admin"):
        with pytest.raises(PermissionDenied):
            trial.participant_trail(actors[role], pid)
        with pytest.raises(PermissionDenied):
            trial.global_trail(actors[role])
    trial.add_user(SYSTEM, "otto", "investigator", PASSWORD, site="ODENSE")
    elsewhere = trial.actor_for("otto")
    with pytest.raises(PermissionDenied, match="own site"):
        trial.participant_trail(elsewhere, pid)
    with pytest.raises(PermissionDenied, match="own site"):
        trial.participant_as_of(elsewhere, pid, at=T_SECOND)
    # Their own refused attempts are in the refusal log, which only monitors and data
    # managers read, so even those stay out of an investigator's trail.
    assert trial.global_trail(elsewhere)["events"] == []
    refusals = trial.global_trail(actors["monitor"], event_type="CommandRefused")["events"]
    assert {r["details"]["command"] for r in refusals} >= {"participant_trail", "global_trail"}
    assert trial.global_trail(actors["investigator"])["events"]
