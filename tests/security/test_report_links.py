"""Weekly-report links and SMS numbers: one live of each per participant, revocable by site
staff (with the issue date shown), and phone numbers found by a slow keyed hash."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import replace
from datetime import UTC, datetime
from uuid import UUID

import pytest

from domain.actor import Actor
from domain.errors import NotFound, StateConflict
from domain.report_link import ReportLink, report_link_id
from edc.application import Trial
from edc.usecases.patient_reports import PHONE_HASH, phone_digest
from tests.app.journeys import randomised
from tests.web.conftest import Client, MakeClient, sign_in
from tests.web.store import Seeded
from web.config import WebConfig

KEY = b"phone-key-for-tests"
SECRET = "gateway-secret-for-tests"


@pytest.fixture
def web_config(web_config: WebConfig) -> WebConfig:
    return replace(web_config, sms_secret=SECRET, phone_key=KEY.decode())


def _participant(trial: Trial, actors: dict[str, Actor]) -> tuple[Actor, UUID]:
    staff = actors["site_staff"]
    pid, _arm = randomised(trial, staff)
    return staff, pid


def test_a_new_link_stops_the_old_one_and_staff_can_revoke_it(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff, pid = _participant(trial, actors)
    first = trial.issue_report_link(staff, pid)
    second = trial.issue_report_link(staff, pid)
    with pytest.raises(NotFound):
        trial.report_link_status(first)
    assert trial.report_link_status(second)["week"] == 1
    shown = trial.report_access(staff, pid)
    assert shown["link"] is not None and shown["link"]["issued_by"] == staff.user
    assert shown["sms"] is None

    trial.revoke_report_link(staff, pid)
    with pytest.raises(NotFound):
        trial.report_link_status(second)
    assert trial.report_access(staff, pid)["link"] is None
    with pytest.raises(StateConflict):
        trial.revoke_report_link(staff, pid)
    # The old link's own record says it was revoked too (the audit trail shows both).
    assert trial.repository.get(report_link_id("link", _sha(first))).active is False


def test_an_assessor_may_not_revoke_a_link(trial: Trial, actors: dict[str, Actor]) -> None:
    staff, pid = _participant(trial, actors)
    token = trial.issue_report_link(staff, pid)
    with pytest.raises(Exception) as refused:
        trial.revoke_report_link(actors["monitor"], pid)
    assert getattr(refused.value, "code", "") == "forbidden"
    assert trial.report_link_status(token)["week"] == 1


def test_a_registered_phone_is_replaced_or_removed(trial: Trial, actors: dict[str, Actor]) -> None:
    staff, pid = _participant(trial, actors)
    trial.register_report_phone(staff, pid, "+45 20 30 40 50", KEY)
    trial.register_report_phone(staff, pid, "+45 60 70 80 90", KEY)
    with pytest.raises(NotFound):
        trial.record_sms_report("+4520304050", "1 0", KEY)
    assert trial.report_access(staff, pid)["sms"] is not None
    trial.remove_report_phone(staff, pid)
    with pytest.raises(NotFound):
        trial.record_sms_report("+4560708090", "1 0", KEY)
    assert trial.report_access(staff, pid)["sms"] is None
    with pytest.raises(StateConflict):
        trial.remove_report_phone(staff, pid)
    # A removed number may be registered again, for this or another participant.
    _, other = _participant(trial, actors)
    trial.register_report_phone(staff, other, "+4560708090", KEY)
    with pytest.raises(StateConflict):
        trial.register_report_phone(staff, pid, "+4560708090", KEY)


def test_phone_numbers_are_found_by_a_slow_keyed_hash(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff, pid = _participant(trial, actors)
    trial.register_report_phone(staff, pid, "+45 20 30 40 50", KEY)
    scrypt = hashlib.scrypt(b"4520304050", salt=KEY, **PHONE_HASH).hex()  # type: ignore[arg-type]
    assert phone_digest("+45 20 30 40 50", KEY) == scrypt
    assert PHONE_HASH["n"] >= 2**14
    link = trial.repository.get(report_link_id("sms", scrypt))
    assert isinstance(link, ReportLink) and link.participant_id == pid
    fast = hmac.new(KEY, b"4520304050", hashlib.sha256).hexdigest()
    assert not trial.recorder.select_events(report_link_id("sms", fast), limit=1)
    # Another deployment's key finds nothing.
    assert phone_digest("+4520304050", b"another key") != scrypt


def test_links_and_numbers_made_before_the_rule_still_work_until_replaced(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    """A store written before: a link and an HMAC-keyed number with no access record."""
    staff, pid = _participant(trial, actors)
    old_token = "made-before-the-one-link-rule"
    fast = hmac.new(KEY, b"4520304050", hashlib.sha256).hexdigest()
    at = datetime(2024, 1, 15, 9, 30, tzinfo=UTC)
    trial.save(
        ReportLink.issue("link", _sha(old_token), pid, staff, at),
        ReportLink.issue("sms", fast, pid, staff, at),
    )
    assert trial.report_link_status(old_token)["week"] == 1
    with pytest.raises(StateConflict):  # the old record of this number is still live
        trial.register_report_phone(staff, pid, "+4520304050", KEY)
    trial.issue_report_link(staff, pid)
    with pytest.raises(NotFound):
        trial.report_link_status(old_token)


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def test_the_participant_page_shows_the_live_link_and_revokes_it(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    staff = await make_client()
    token = sign_in(staff, web_config, "site_staff")
    page = f"/participants/{seeded.randomised}"
    links = []
    for _ in range(2):
        made = await staff.post(page + "/report-link", data={"csrf_token": token})
        match = re.search(r'id="report-link">http://[^/]+(/weekly/[^<]+)<', await made.text())
        assert match
        links.append(match.group(1))
    phone: Client = await make_client()
    assert (await phone.get(links[0])).status == 404
    assert (await phone.get(links[1])).status == 200
    html = await (await staff.get(page)).text()
    assert re.search(r'id="report-link-live">Weekly report link issued \d{4}-\d\d-\d\d', html)
    assert "Revoke the link" in html
    revoked = await staff.post(page + "/report-link/revoke", data={"csrf_token": token})
    assert "revoked" in await revoked.text()
    assert (await phone.get(links[1])).status == 404
    assert 'id="report-link-live"' not in await (await staff.get(page)).text()

    await staff.post(page + "/report-phone", data={"csrf_token": token, "phone": "+4520304050"})
    html = await (await staff.get(page)).text()
    assert 'id="report-phone-live"' in html
    await staff.post(page + "/report-phone/remove", data={"csrf_token": token})
    gateway = await make_client()
    sms = await gateway.post(
        "/sms/inbound",
        json={"from": "+4520304050", "text": "1 0"},
        headers={"X-SMS-Secret": SECRET},
    )
    assert sms.status == 404
