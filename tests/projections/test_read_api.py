"""The query API the web server reads: filters, history, positions, read-your-writes."""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import Aggregate

from domain.actor import Actor
from edc.application import Trial
from projections.reading import ReadModels
from projections.service import Projections
from tests import factories
from tests.app.journeys import randomised, ready_to_randomise, screened


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
    assert [r["id"] for r in read_models.participants("blinded", status="randomised")] == [
        str(done)
    ]
    assert read_models.participants("blinded", site="OTHER") == []
    assert rows[2]["randomised_on"] == "2024-01-15" and rows[2]["consent_on"] == "2024-01-13"
    due = read_models.participants("unblinded", visit_due=trial.local_date(trial.clock()))
    assert due == []  # week 10 is not due on the day of randomisation
    (later,) = read_models.participants(
        "unblinded", visit_due=trial.local_date(trial.clock()).replace(month=3, day=20)
    )
    assert later["id"] == str(done) and later["arm"] in ("exercise", "rest")


def test_audit_index_pages_by_participant_user_type_and_item(
    trial: Trial, actors: dict[str, Actor], projections: Projections, read_models: ReadModels
) -> None:
    staff = actors["site_staff"]
    pid = screened(trial, staff)
    other = screened(trial, staff)
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
    history = read_models.audit_index("blinded", participant=str(pid))
    assert [(r["event_type"], r["form"], r["item"]) for r in history] == [
        ("Participant.Screened", "screening", ""),
        ("Participant.ModicConfirmed", "mri", ""),
        # One row per changed item (in item order within an event).
        ("Participant.FormCorrected", "mri", "MODIC_LARGE"),
        ("Participant.FormCorrected", "mri", "MODIC_TYPE"),
    ]
    assert all(r["user_name"] == "sara" and r["role"] == "site_staff" for r in history)
    assert history[3]["detail"] == {
        "old": "1",
        "new": "2",
        "reason": {"code": "transcription_error", "text": "misread"},
    }
    # One item's history: its first entry (whole form) and its correction.
    item = read_models.audit_index("blinded", participant=str(pid), form="mri", item="MODIC_TYPE")
    assert [r["item"] for r in item] == ["", "MODIC_TYPE"]
    # Paging: after a position, at most `limit` rows.
    first, second = read_models.audit_index("blinded", participant=str(pid), limit=2)
    rest = read_models.audit_index("blinded", participant=str(pid), since=second["position"])
    assert [r["position"] for r in [first, second, *rest]] == [r["position"] for r in history]
    assert {
        r["participant_id"]
        for r in read_models.audit_index("blinded", event_type="Participant.Screened")
    } == {str(pid), str(other)}
    assert read_models.audit_index("blinded", user="nobody") == []
    accounts = read_models.audit_index("blinded", event_type="User.Registered")
    assert accounts and all(r["participant_id"] is None for r in accounts)


def test_unknown_event_types_are_passed_over(
    trial: Trial, actors: dict[str, Actor], projections: Projections, read_models: ReadModels
) -> None:
    screened(trial, actors["site_staff"])
    trial.save(Gadget(actors["admin"].as_dict()))
    head = trial.recorder.max_notification_id()
    projections.catch_up()
    status = read_models.status()
    assert status["blinded"]["position"] == status["unblinded"]["position"] == head
    assert status["blinded"]["lag"] == 0 and status["unblinded"]["schema_ok"]
    # Unclassified, so neither model reads it (the blinded one may not; the unblinded one
    # reads arm-revealing types only), yet both have moved past it.
    assert read_models.audit_index("unblinded", event_type="Gadget.Made") == []
    assert len(read_models.participants("unblinded")) == 1


def test_wait_for_shows_a_save_on_the_next_read(
    trial: Trial, actors: dict[str, Actor], projections: Projections, read_models: ReadModels
) -> None:
    projections.catch_up()
    pid = UUID(trial.screen(actors["site_staff"], factories.screening())["id"])
    position = trial.recorder.max_notification_id()
    assert position is not None
    assert read_models.participant("blinded", str(pid)) is None  # not applied yet
    assert projections.wait_for(position, timeout=30)
    shown = read_models.participant("blinded", str(pid))
    assert shown is not None and shown["status"] == "awaiting MRI"
    assert projections.wait_for(position + 1000, timeout=0.2) is False


def test_a_background_follower_keeps_the_read_models_caught_up(
    trial: Trial, actors: dict[str, Actor], projections: Projections, read_models: ReadModels
) -> None:
    follower = projections.start_background(interval=0.05)
    try:
        pid = screened(trial, actors["site_staff"])
        head = trial.recorder.max_notification_id()
        deadline = time.monotonic() + 30
        while read_models.position("unblinded") != head or read_models.position("blinded") != head:
            assert time.monotonic() < deadline, read_models.status()
            time.sleep(0.02)
        assert read_models.participant("unblinded", str(pid)) is not None
        assert projections.last_error is None
    finally:
        follower.stop()
    assert not follower.running


def test_unknown_views_are_refused(read_models: ReadModels) -> None:
    with pytest.raises(ValueError, match="Unknown read model 'secret'"):
        read_models.participants("secret")
    assert read_models.participant("blinded", str(uuid4())) is None
