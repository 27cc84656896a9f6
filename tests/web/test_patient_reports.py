"""The participant's own weekly report: personal link page without login, and SMS replies."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from edc.config import Settings
from tests.app.conftest import StepClock
from tests.web.conftest import Client, MakeClient, csrf_of, sign_in
from tests.web.store import Seeded
from web.app import init_app
from web.config import WebConfig

SECRET = "gateway-secret-for-tests"


@pytest.fixture
def web_config(web_config: WebConfig) -> WebConfig:
    return replace(web_config, sms_secret=SECRET, phone_key="pepper-for-tests")


async def _link(client: Client, web_config: WebConfig, seeded: Seeded) -> str:
    token = sign_in(client, web_config, "site_staff")
    timeline = await (await client.get(f"/participants/{seeded.randomised}")).text()
    assert "Make a weekly report link" in timeline
    page = await client.post(
        f"/participants/{seeded.randomised}/report-link", data={"csrf_token": token}
    )
    match = re.search(r'id="report-link">http://[^/]+(/weekly/[^<]+)<', await page.text())
    assert match
    return match.group(1)


async def test_the_participant_reports_through_their_link_without_logging_in(
    make_client: MakeClient, web_config: WebConfig, web_clock: StepClock, seeded: Seeded
) -> None:
    web_clock.current = datetime(2024, 2, 6, 9, 0, tzinfo=UTC)
    link = await _link(await make_client(), web_config, seeded)
    phone = await make_client()  # the participant's phone: no account, no session
    page = await phone.get(link)
    html = await page.text()
    # The participant's page speaks Danish unless the link says otherwise (issue 12).
    assert page.status == 200 and "uge 3 i forsøget" in html
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
    assert seeded.arm not in html and "RINGE" not in html.split("<main")[1]
    token = await csrf_of(phone, link)
    bad = await phone.post(
        link, data={"csrf_token": token, "LBP_DAYS": "9", "SICK_LEAVE_DAYS": "0"}
    )
    assert bad.status == 422 and 'id="err-LBP_DAYS"' in await bad.text()
    assert (await phone.post(link, data={"LBP_DAYS": "2", "SICK_LEAVE_DAYS": "0"})).status == 403
    done = await phone.post(
        link, data={"csrf_token": token, "LBP_DAYS": "2", "SICK_LEAVE_DAYS": "0"}
    )
    assert 'id="weekly-done">Tak! Dine svar for uge 3' in await done.text()
    again = await (await phone.get(link)).text()
    assert "allerede indberettet" in again
    assert (await phone.get(link[:-3] + "abc")).status == 404


@pytest.mark.parametrize("role", ["assessor", "monitor", "data_manager"])
async def test_only_those_who_enter_site_forms_make_links(
    client: Client, web_config: WebConfig, seeded: Seeded, role: str
) -> None:
    token = sign_in(client, web_config, role)
    for path in ("report-link", "report-phone"):
        response = await client.post(
            f"/participants/{seeded.randomised}/{path}",
            data={"csrf_token": token, "phone": "+4512345678"},
        )
        assert response.status == 403


async def test_sms_replies_from_a_registered_phone(
    make_client: MakeClient, web_config: WebConfig, web_clock: StepClock, seeded: Seeded
) -> None:
    staff = await make_client()
    token = sign_in(staff, web_config, "site_staff")
    registered = await staff.post(
        f"/participants/{seeded.randomised}/report-phone",
        data={"csrf_token": token, "phone": "+45 20 30 40 50"},
    )
    assert "registered for SMS" in await registered.text()
    bad = await staff.post(
        f"/participants/{seeded.randomised}/report-phone",
        data={"csrf_token": token, "phone": "soon"},
    )
    assert "8 to 15 digits" in await bad.text()
    web_clock.current = datetime(2024, 1, 30, 9, 0, tzinfo=UTC)
    gateway = await make_client()
    headers = {"X-SMS-Secret": SECRET}
    wrong = await gateway.post(
        "/sms/inbound",
        json={"from": "+4520304050", "text": "3 1"},
        headers={"X-SMS-Secret": "guess"},
    )
    assert wrong.status == 403
    unknown = await gateway.post(
        "/sms/inbound", json={"from": "+4599999999", "text": "3 1"}, headers=headers
    )
    assert unknown.status == 404
    garbled = await gateway.post(
        "/sms/inbound", json={"from": "+4520304050", "text": "ok"}, headers=headers
    )
    assert garbled.status == 422 and "two numbers" in await garbled.text()
    ok = await gateway.post(
        "/sms/inbound", data={"from": "+4520304050", "text": "3, 1"}, headers=headers
    )
    assert ok.status == 200 and await ok.text() == "Thank you: week 2 is recorded."
    view = await (await staff.get(f"/participants/{seeded.randomised}/forms/weekly?week=2")).text()
    assert 'name="LBP_DAYS" value="3"' in view
    assert (
        await gateway.post(
            "/sms/inbound", data="x", headers={**headers, "Content-Type": "application/json"}
        )
    ).status == 400


async def test_the_sms_endpoint_is_off_without_a_gateway_secret(
    aiohttp_client: Callable[..., Awaitable[Client]],
    web_settings: Settings,
    web_config: WebConfig,
) -> None:
    off = await aiohttp_client(init_app(web_settings, config=replace(web_config, sms_secret=None)))
    response = await off.post(
        "/sms/inbound", json={"from": "+4520304050", "text": "1 1"}, headers={"X-SMS-Secret": ""}
    )
    assert response.status == 404
