"""A rebuild from scratch gives exactly the content built up bit by bit, whatever the pages."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from domain.actor import Actor
from edc.application import Trial
from edc.usecases.reads import Reads
from projections.db import Dialect, ViewDatabase
from projections.runner import Progress
from projections.service import Projections
from tests import factories
from tests.app.conftest import StepClock
from tests.app.journeys import randomised, ready_to_randomise, screened
from tests.projections.conftest import DemoStore, demo_projections, fresh_view_db
from tests.projections.tables import dumps, rows


def test_content_built_while_data_arrives_equals_a_rebuild(
    trial: Trial,
    actors: dict[str, Actor],
    clock: StepClock,
    projections: Projections,
) -> None:
    staff, assessor = actors["site_staff"], actors["assessor"]
    projections.catch_up()
    first, _ = randomised(trial, staff)
    screened(trial, staff, AGE=80)
    projections.catch_up()
    second = ready_to_randomise(trial, staff)
    trial.correct_form(
        staff,
        second,
        "baseline",
        factories.outcomes(LBP_NOW=2),
        expected_version=1,
        reason={"code": "late_source", "text": ""},
    )
    projections.catch_up()
    trial.randomise(staff, second)
    clock.current = datetime(2024, 4, 20, 9, 0, tzinfo=UTC)  # week 10 late: out of window
    trial.record_form(
        assessor,
        first,
        "week10",
        factories.outcomes("week10", ASSESS_DATE="2024-04-19"),
        expected_version=0,
    )
    projections.catch_up()
    trial.record_form(
        staff,
        second,
        "weekly",
        {"WEEK": 3, "LBP_DAYS": 2, "SICK_LEAVE_DAYS": 0},
        expected_version=None,
    )
    trial.record_form(
        staff,
        second,
        "weekly",
        {"WEEK": 3, "LBP_DAYS": 4, "SICK_LEAVE_DAYS": 1},
        expected_version=None,
        reason={"code": "transcription_error", "text": ""},
    )
    trial.record_end_of_study(
        staff,
        first,
        {
            "EOS_DATE": "2024-04-20",
            "EOS_STATUS": "withdrew consent",
            "EOS_REASON": "No longer wishes to take part",
        },
    )
    projections.catch_up()
    built = dumps(projections.db)
    assert projections.rebuild() == {
        "blinded": pytest.approx(0, abs=10_000),
        "unblinded": pytest.approx(0, abs=10_000),
    }
    assert dumps(projections.db) == built
    # What the lists show of it, as the application shows it.
    reads = Reads(trial, projections)
    listed = {row["id"]: row for row in reads.participant_progress(assessor, None)[0]}
    assert listed == {
        row["id"]: row for row in Reads(trial, None).participant_progress(assessor, None)[0]
    }
    assert listed[str(first)]["status"] == "ended: withdrew consent"
    assert listed[str(second)]["weekly"] == 1  # week 3 reported, then corrected
    work = reads.work_lists(actors["monitor"], trial.local_date(clock.current))
    assert work is not None
    assert [d["participant_id"] for d in work.deviations if d["kind"] == "visit out of window"] == [
        str(first)
    ]
    (weekly,) = rows(projections.db, "blinded", "forms", "form = ?", ("weekly",))
    assert weekly["items"] == {"WEEK": 3, "LBP_DAYS": 4, "SICK_LEAVE_DAYS": 1}


def test_page_size_and_cache_size_do_not_change_the_content(
    demo_store: DemoStore,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    """Pages of 13 events with a cache of 3 participants (reads and evictions all the time)
    against pages of 5,000 with the default cache."""
    small = fresh_view_db(demo_store, tmp_path, request)
    (tmp_path / "big").mkdir()
    large = fresh_view_db(demo_store, tmp_path / "big", request)
    try:
        tiny = demo_projections(demo_store, small, page_size=13)
        for runner in tiny.runners.values():
            runner.cache.limit = 3
        tiny.catch_up()
        demo_projections(demo_store, large, page_size=5000).catch_up()
        assert dumps(small) == dumps(large)
    finally:
        small.close()
        large.close()


def _index_names(db: ViewDatabase) -> set[str]:
    if db.dialect is Dialect.SQLITE:
        sql = "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    else:
        sql = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
    return {str(row[0]) for row in db.query(sql) if not str(row[0]).endswith("_pkey")}


def test_a_rebuild_ends_with_every_index_and_an_interrupted_one_gets_them_at_the_next_start(
    demo_store: DemoStore, view_db: ViewDatabase
) -> None:
    """A rebuild creates the read model's secondary indexes only once its events are in; they
    must be there afterwards, and after a rebuild that stopped part way (a killed process) the
    next start must create them."""
    projections = demo_projections(demo_store, view_db, page_size=500)
    expected = _index_names(view_db)
    assert expected  # the history and list pages' indexes
    projections.rebuild()
    assert _index_names(view_db) == expected

    class Killed(Exception):
        pass

    def die_after_first_page(name: str) -> Progress:
        def progress(applied: int, position: int, head: int) -> None:
            raise Killed

        return progress

    runner = projections.runners["blinded"]
    runner._create_indexes = lambda: None  # type: ignore[method-assign]  # killed: no cleanup
    with pytest.raises(Killed):
        projections.rebuild(["blinded"], progress=die_after_first_page)
    assert _index_names(view_db) != expected
    restarted = demo_projections(demo_store, view_db, page_size=500)
    assert _index_names(view_db) == expected
    restarted.catch_up()
    assert restarted.runners["blinded"].position() == restarted.head()
