"""The blinded projector's shortcuts build exactly the tables of its general path.

A plain form's entry (the weekly report, most events) is noted without a sheet row of its own
(`Projector._enter_plain`); a correction of that sheet later in the same page must still see
it, and an entry under a valid signature takes the general path. Built with the shortcut and
without it (the demo store in one page and in small pages with evictions, and a participant
whose weekly reports are corrected and signed within one page), the tables are the same.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from domain.actor import Actor
from edc.application import Trial
from projections.batch import Batch
from projections.projector import Projector
from projections.service import Projections
from tests.app.conftest import PASSWORD
from tests.app.journeys import randomised
from tests.projections.conftest import DemoStore, demo_projections, fresh_view_db
from tests.projections.tables import dumps, rows


def _build(
    demo_store: DemoStore, where: Path, request: pytest.FixtureRequest, page_size: int
) -> Any:
    where.mkdir()
    db = fresh_view_db(demo_store, where, request)
    try:
        built = demo_projections(demo_store, db, page_size=page_size)
        for runner in built.runners.values():
            runner.cache.limit = 2
        built.catch_up()
        return dumps(db)
    finally:
        db.close()


@pytest.mark.parametrize("pages", ["one page", "pages of 7"])
def test_plain_entries_build_the_tables_of_the_general_path(
    demo_store: DemoStore,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    pages: str,
) -> None:
    head = demo_store.trial.recorder.max_notification_id() or 0
    page_size = head + 1 if pages == "one page" else 7
    noted: list[bool] = []
    enter = Batch.enter_repeating

    def counted(self: Batch, *args: Any) -> bool:
        taken = enter(self, *args)
        noted.append(taken)
        return taken

    monkeypatch.setattr(Batch, "enter_repeating", counted)
    shortcut = _build(demo_store, tmp_path / "shortcut", request, page_size)
    assert noted.count(True) > 100  # the shortcut is what most weekly reports took

    monkeypatch.setattr(Projector, "_enter_plain", lambda *args: False)
    general = _build(demo_store, tmp_path / "general", request, page_size)
    assert shortcut == general


def test_weekly_reports_corrected_and_entered_under_a_signature_in_one_page(
    trial: Trial,
    actors: dict[str, Actor],
    projections: Projections,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every turn the shortcut must hand to the general path, inside one page: a correction of
    a sheet it noted, and an entry while a signature is valid."""
    staff, investigator = actors["site_staff"], actors["investigator"]
    pid, _ = randomised(trial, staff)
    late = {"code": "transcription_error", "text": ""}
    trial.record_form(staff, pid, "weekly", _week(3, 2), expected_version=None)
    trial.record_form(staff, pid, "weekly", _week(3, 5), expected_version=None, reason=late)
    trial.sign(investigator, pid, PASSWORD, "approval", incomplete_reason="interim review")
    trial.record_form(staff, pid, "weekly", _week(4, 1), expected_version=None)
    trial.record_form(staff, pid, "weekly", _week(5, 0), expected_version=None)
    trial.record_form(staff, pid, "weekly", _week(5, 6), expected_version=None, reason=late)
    trial.record_form(staff, pid, "weekly", _week(6, 3), expected_version=None)
    projections.rebuild()  # one page
    shortcut = dumps(projections.db)
    weekly = {
        row["items"]["WEEK"]: row["items"]["LBP_DAYS"]
        for row in rows(projections.db, "blinded", "forms", "form = ?", ("weekly",))
    }
    assert weekly == {3: 5, 4: 1, 5: 6, 6: 3}
    (signature,) = rows(projections.db, "blinded", "signatures")
    assert signature["valid"] == 0

    monkeypatch.setattr(Projector, "_enter_plain", lambda *args: False)
    projections.rebuild()
    assert dumps(projections.db) == shortcut


def _week(week: int, days: int) -> dict[str, Any]:
    return {"WEEK": week, "LBP_DAYS": days, "SICK_LEAVE_DAYS": 0}
