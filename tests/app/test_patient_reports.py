"""The participant's weekly report by personal link and by SMS, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.actor import Actor
from domain.errors import (
    EdcError,
    FormInvalid,
    Locked,
    NotFound,
    PermissionDenied,
    ProtocolOrderViolated,
)
from domain.report_link import parse_sms_reply, report_week
from edc.application import Trial
from tests import factories
from tests.app.conftest import PASSWORD, StepClock
from tests.app.journeys import randomised, screened

PEPPER = b"test pepper"


def test_report_week_counts_completed_weeks_since_randomisation() -> None:
    from datetime import date

    day0 = date(2024, 1, 15)
    assert report_week(day0, day0) == 1
    assert report_week(day0, date(2024, 1, 22)) == 1
    assert report_week(day0, date(2024, 1, 29)) == 2
    assert report_week(day0, date(2026, 1, 1)) == 62  # CRF.md changed: weeks 1..62


@pytest.mark.parametrize("text", ["3 0", "3,1", "days 3 sick 1", " 7\n0 "])
def test_an_sms_reply_of_two_numbers(text: str) -> None:
    assert len(parse_sms_reply(text)) == 2


@pytest.mark.parametrize("text", ["", "3", "1 2 3", "three zero", "9" * 200])
def test_other_sms_replies_are_refused(text: str) -> None:
    with pytest.raises(FormInvalid):
        parse_sms_reply(text)


def test_weekly_report_by_link(trial: Trial, actors: dict[str, Actor], clock: StepClock) -> None:
    staff = actors["site_staff"]
    pid, _arm = randomised(trial, staff)
    token = trial.issue_report_link(staff, pid)
    assert len(token) >= 40
    # Three weeks after randomisation the report is about week 3, by its calendar days.
    clock.current = datetime(2024, 2, 6, 9, 0, tzinfo=UTC)
    assert trial.report_link_status(token) == {
        "week": 3,
        "first_day": "2024-01-29",
        "last_day": "2024-02-04",
        "reported": False,
    }
    with pytest.raises(FormInvalid) as invalid:
        trial.record_patient_report(token, {"LBP_DAYS": 9, "SICK_LEAVE_DAYS": 0})
    assert "LBP_DAYS" in invalid.value.fields
    assert trial.record_patient_report(token, {"LBP_DAYS": 4, "SICK_LEAVE_DAYS": 1}) == {"week": 3}
    view = trial.get_participant(staff, pid)
    assert view["forms"]["weekly"]["items"]["3"] == {"WEEK": 3, "LBP_DAYS": 4, "SICK_LEAVE_DAYS": 1}
    assert trial.report_link_status(token)["reported"] is True
    with pytest.raises(EdcError, match="already reported"):
        trial.record_patient_report(token, {"LBP_DAYS": 2, "SICK_LEAVE_DAYS": 0})
    trail = trial.participant_trail(actors["monitor"], pid)
    assert trail[-1]["user"] == f"participant {view['screening_number']}"
    with pytest.raises(NotFound):
        trial.report_link_status(token[:-2] + "xx")


def test_weekly_report_by_sms(trial: Trial, actors: dict[str, Actor], clock: StepClock) -> None:
    staff = actors["site_staff"]
    pid, _arm = randomised(trial, staff)
    trial.register_report_phone(staff, pid, "+45 12 34 56 78", PEPPER)
    with pytest.raises(EdcError, match="already registered"):
        trial.register_report_phone(staff, pid, "+4512345678", PEPPER)
    clock.current = datetime(2024, 1, 30, 9, 0, tzinfo=UTC)
    assert trial.record_sms_report("+4512345678", "2 0", PEPPER) == {"week": 2}
    with pytest.raises(NotFound):
        trial.record_sms_report("+4587654321", "2 0", PEPPER)
    with pytest.raises(NotFound):
        trial.record_sms_report("+4512345678", "2 0", b"another pepper")
    # Nothing about the number is stored in the clear.
    stored = b"".join(n.state for n in trial.recorder.select_notifications(1, 10_000))
    assert b"12345678" not in stored and b"12 34 56 78" not in stored


def test_links_need_a_randomised_participant_and_site_staff(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    pid = screened(trial, actors["site_staff"])
    with pytest.raises(ProtocolOrderViolated):
        trial.issue_report_link(actors["site_staff"], pid)
    with pytest.raises(PermissionDenied):
        trial.issue_report_link(actors["monitor"], pid)
    done, _arm = randomised(trial, actors["site_staff"])
    with pytest.raises(FormInvalid):
        trial.register_report_phone(actors["site_staff"], done, "call me", PEPPER)


def test_a_report_after_the_database_lock_is_refused_and_stores_nothing(
    trial: Trial, actors: dict[str, Actor], clock: StepClock
) -> None:
    staff = actors["site_staff"]
    pid, _arm = randomised(trial, staff)
    token = trial.issue_report_link(staff, pid)
    clock.current = datetime(2024, 2, 6, 9, 0, tzinfo=UTC)
    trial.lock_database(actors["data_manager"], PASSWORD, factories.LOCK_OVERRIDES)
    version = trial.load_participant(pid).version

    with pytest.raises(Locked, match="database is locked"):
        trial.record_patient_report(token, {"LBP_DAYS": 4, "SICK_LEAVE_DAYS": 1})

    assert trial.load_participant(pid).version == version
    assert trial.report_link_status(token)["reported"] is False
