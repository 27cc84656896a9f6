"""Blinding: arm-revealing data planted in the store never reaches the blinded read model, and
the check that says so is shown to catch a leak planted on purpose."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from domain.actor import Actor
from domain.allocation import Allocation
from edc.application import Trial
from edc.config import Settings
from projections.db import ViewDatabase
from projections.leaks import find_arm_leaks
from projections.reading import ReadModels
from projections.runner import ProjectionRunner
from projections.service import Projections
from projections.spec import BLINDED, UNBLINDED, BlindingViolation, blinded_view
from projections.tracking import TrackingConflict
from tests.app.journeys import randomised
from tests.factories import outcomes
from tests.projections.tables import rows

ADHERENCE = {
    "exercise": {"EXERCISE_SESSIONS": 7, "HOME_EXERCISE_DAYS_PER_WEEK": 3},
    "rest": {"REST_HOURS_PER_DAY": 2.5, "BELT_USE": "daily", "REST_MEETINGS": 4},
}


def plant_arm_revealing_data(trial: Trial, actors: dict[str, Actor], clock: object) -> list[str]:
    """Randomise four participants, enter adherence and a follow-up, and break the blind for
    one of them in an emergency. Returns the arms allocated."""
    staff, assessor = actors["site_staff"], actors["assessor"]
    arms = []
    for _ in range(4):
        pid, arm = randomised(trial, staff)
        arms.append(str(arm))
        trial.record_form(staff, pid, "adherence", ADHERENCE[arm], expected_version=0)
        trial.record_form(
            assessor,
            pid,
            "week10",
            outcomes("week10", ASSESS_DATE="2024-01-15"),
            expected_version=0,
        )
    allocation = trial.load_allocation()
    assert allocation is not None
    allocation.trigger_event(
        Allocation.ArmRevealed,
        timestamp=trial.clock(),
        participant_id=pid,
        arm=arm,
        reason="Serious adverse event",
        actor=actors["investigator"].as_dict(),
    )
    trial.save(allocation)
    return arms


@pytest.fixture
def planted(trial: Trial, actors: dict[str, Actor], clock: object) -> list[str]:
    arms = plant_arm_revealing_data(trial, actors, clock)
    assert set(arms) == {"exercise", "rest"}
    return arms


def _separate_db(
    settings: Settings, tmp_path: Path, request: pytest.FixtureRequest
) -> ViewDatabase:
    if settings.database_url is None:
        return ViewDatabase.sqlite(tmp_path / "planted-leak.sqlite")
    server = request.getfixturevalue("postgres_server")
    return ViewDatabase.postgres(server.create_database(server.unique_name("leak")))


def test_no_blinded_table_holds_the_arm_or_adherence(
    planted: list[str], projections: Projections, read_models: ReadModels, trial: Trial
) -> None:
    projections.catch_up()
    assert find_arm_leaks(projections.db, BLINDED) == []
    # The same check on the unblinded model finds the arm, adherence and allocation events:
    # the check looks in the right places.
    found = "\n".join(find_arm_leaks(projections.db, UNBLINDED))
    assert "unblinded_allocations: column 'arm'" in found
    assert "EXERCISE_SESSIONS" in found or "REST_HOURS_PER_DAY" in found
    assert "unblinded_audit.form: arm-revealing name 'adherence'" in found
    # The blinded model still has every participant.
    blinded = read_models.participants(BLINDED)
    assert len(blinded) == 4 and all(p["status"] == "randomised" for p in blinded)
    assert all("arm" not in p for p in blinded)
    # Nor does the audit index locate anything that happened that the blinded may not know of.
    arm_revealing = {
        n.id
        for n in trial.recorder.select_notifications(1, 100_000)
        if n.topic.split(":")[-1].startswith(("Allocation.", "ArmRevealingRecord."))
    }
    assert len(arm_revealing) > 8
    located = {row["position"] for row in rows(projections.db, BLINDED, "audit")}
    assert located and not located & arm_revealing
    assert arm_revealing <= {row["position"] for row in rows(projections.db, UNBLINDED, "audit")}
    positions = {status.name: status.position for status in projections.status()}
    assert positions[BLINDED] == positions[UNBLINDED] > 0


def test_the_check_catches_a_leak_from_a_wrong_classification(
    planted: list[str],
    settings: Settings,
    trial: Trial,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    # Planted on purpose: a blinded read model told that every event is blinded-safe.
    db = _separate_db(settings, tmp_path, request)
    try:
        leaky = Projections(db, trial, views=[blinded_view(topics=(), admits=lambda _t: True)])
        leaky.ensure_schema()
        leaky.catch_up()
        found = "\n".join(find_arm_leaks(db, BLINDED))
        assert "blinded_audit.form: arm-revealing name 'adherence'" in found
        assert "blinded_forms.form: arm-revealing name 'adherence'" in found
        assert "EXERCISE_SESSIONS" in found or "REST_HOURS_PER_DAY" in found
    finally:
        db.close()


def test_the_check_catches_an_arm_written_into_a_blinded_table(
    planted: list[str], projections: Projections
) -> None:
    projections.catch_up()
    assert find_arm_leaks(projections.db, BLINDED) == []
    with projections.db.transaction() as cur:
        cur.execute(
            "UPDATE blinded_participants SET eos_reason = ? WHERE seq = "
            "(SELECT MIN(seq) FROM blinded_participants)",
            (planted[0],),
        )
    assert find_arm_leaks(projections.db, BLINDED) == [
        f"blinded_participants.eos_reason: an arm in {planted[0]!r}"
    ]


def test_the_blinded_model_refuses_an_arm_revealing_event_that_gets_past_the_filter(
    planted: list[str], projections: Projections, trial: Trial
) -> None:
    runner = projections.runners[BLINDED]
    before = runner.tracking()
    # Read the store WITHOUT the topic filter, as a wrong filter would, and try to apply it.
    leaky_reader = ProjectionRunner(runner.db, trial, blinded_view(topics=()), page_size=10_000)
    events, reached = leaky_reader.read_page(before.position, runner.head())
    assert any(topic.endswith("Allocation.Allocated") for _, topic, _ in events)
    with pytest.raises(BlindingViolation, match="not classified blinded-safe"):
        runner.apply_page(before, events, reached)
    # Nothing was written: the position did not move and the tables are empty.
    assert runner.tracking() == before
    assert ReadModels(runner.db).participants(BLINDED) == []
    # And a page computed against any other state is refused as well.
    with pytest.raises(TrackingConflict):
        runner.apply_page(replace(before, generation=before.generation + 1), [], reached)
