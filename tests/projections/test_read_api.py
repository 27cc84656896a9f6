"""The queries the read use cases ask: filters, the audit locator, positions, read-your-writes."""

from __future__ import annotations

import time
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.domain import Aggregate

from domain.actor import Actor
from edc.application import Trial
from projections.reading import ReadModels
from projections.service import Projections
from tests import factories
from tests.app.journeys import randomised, ready_to_randomise, screened
from tests.projections.tables import rows


class Gadget(Aggregate):
    """An event type no read model knows about (as when another part of the system adds one)."""

    class Made(Aggregate.Created):
        actor: dict[str, Any]

    def __init__(self, actor: dict[str, Any]) -> None:
        self.actor = actor


def test_participants_filter_by_site_and_status_in_screening_order(
    trial: Trial, actors: dict[str, Actor], projections: Projections, read_models: ReadModels
) -> None:
    staff = actors["site_staff"]
    failure = screened(trial, staff, AGE=17)
    ready = ready_to_randomise(trial, staff)
    done, _arm = randomised(trial, staff)
    projections.catch_up()
    rows = read_models.participants("blinded")
    assert [r["id"] for r in rows] == [str(failure), str(ready), str(done)]
    assert [r["screening_number"] for r in rows] == ["RINGE-0001", "RINGE-0002", "RINGE-0003"]
    assert rows[0]["failed_criteria"] == ["age_out_of_range"] and not rows[0]["mri_eligible"]
    assert read_models.participants("blinded", site="OTHER") == []
    assert rows[2]["randomised_on"] == "2024-01-15" and rows[2]["consent_on"] == "2024-01-13"
    due = read_models.participants("unblinded", visit_due=trial.local_date(trial.clock()))
    assert due == []  # week 10 is not due on the day of randomisation
    (later,) = read_models.participants(
        "unblinded", visit_due=trial.local_date(trial.clock()).replace(month=3, day=20)
    )
    assert later["id"] == str(done) and later["arm"] in ("exercise", "rest")


def test_audit_positions_locate_a_user_s_form_and_item_events_page_by_page(
    trial: Trial, actors: dict[str, Actor], projections: Projections, read_models: ReadModels
) -> None:
    staff = actors["site_staff"]
    pid = screened(trial, staff)
    screened(trial, staff)
    trial.record_mri(staff, pid, factories.mri())
    trial.correct_form(
        staff,
        pid,
        "mri",
        factories.mri(MODIC_TYPE="2", MODIC_LARGE="Y"),
        expected_version=1,
        reason={"code": "transcription_error", "text": "misread"},
    )
    projections.catch_up()
    stored = {
        n.topic.rsplit(".", 1)[-1]: n.id for n in trial.recorder.select_notifications(1, 1000)
    }
    entry, correction = stored["ModicConfirmed"], stored["FormCorrected"]

    def located(**filters: Any) -> list[int]:
        return list(read_models.audit_positions("blinded", **filters))

    # One item's history: the form's first entry (it sets every item) and its correction, once
    # each although the correction changed two items.
    assert located(form="mri", item="MODIC_TYPE") == [entry, correction]
    assert located(form="mri") == [entry, correction]
    assert located(form="mri", item="MODIC_TYPE", newest_first=True) == [correction, entry]
    assert located(form="mri", since=entry) == [correction]
    assert located(form="mri", before=correction) == [entry]
    # A user's events, page by page as by the whole.
    everything = located(user="sara")
    assert located(user="sara", page=1) == everything
    assert entry in everything and correction in everything
    assert located(user="sara", newest_first=True, page=2) == everything[::-1]
    assert located(user="nobody") == []


def test_unknown_event_types_are_passed_over(
    trial: Trial, actors: dict[str, Actor], projections: Projections, read_models: ReadModels
) -> None:
    screened(trial, actors["site_staff"])
    trial.save(Gadget(actors["admin"].as_dict()))
    head = trial.recorder.max_notification_id()
    projections.catch_up()
    status = {row.name: row for row in projections.status()}
    assert status["blinded"].position == status["unblinded"].position == head
    assert status["blinded"].lag == 0 and status["unblinded"].schema_ok
    # Unclassified, so neither model reads it (the blinded one may not; the unblinded one
    # reads arm-revealing types only), yet both have moved past it.
    for view in ("blinded", "unblinded"):
        assert rows(projections.db, view, "audit", "position = ?", (head,)) == []
    assert len(read_models.participants("unblinded")) == 1


def test_wait_for_shows_a_save_on_the_next_read(
    trial: Trial, actors: dict[str, Actor], projections: Projections, read_models: ReadModels
) -> None:
    projections.catch_up()
    pid = UUID(trial.screen(actors["site_staff"], factories.screening())["id"])
    position = trial.recorder.max_notification_id()
    assert position is not None
    assert read_models.participants("blinded") == []  # not applied yet
    assert projections.wait_for(position, timeout=30)
    (shown,) = read_models.participants("blinded")
    assert shown["id"] == str(pid) and shown["status"] == "awaiting MRI"
    assert projections.wait_for(position + 1000, timeout=0.2) is False


def test_a_background_follower_keeps_the_read_models_caught_up(
    trial: Trial, actors: dict[str, Actor], projections: Projections, read_models: ReadModels
) -> None:
    follower = projections.start_background(interval=0.05)
    try:
        pid = screened(trial, actors["site_staff"])
        head = trial.recorder.max_notification_id()
        deadline = time.monotonic() + 30
        while {status.position for status in projections.status()} != {head}:
            assert time.monotonic() < deadline, projections.status()
            time.sleep(0.02)
        assert [row["id"] for row in read_models.participants("unblinded")] == [str(pid)]
        assert projections.last_error is None
    finally:
        follower.stop()
    assert not follower.running


def test_unknown_views_are_refused(read_models: ReadModels) -> None:
    with pytest.raises(ValueError, match="Unknown read model 'secret'"):
        read_models.participants("secret")
    with pytest.raises(ValueError, match="Unknown read model 'secret'"):
        read_models.visits("secret", date(2024, 1, 1))
    with pytest.raises(ValueError, match="Unknown read model 'secret'"):
        list(read_models.audit_positions("secret"))
