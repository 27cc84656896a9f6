"""Attacks on the participant's weekly page (a report link, no login): a link of one
participant aimed at another, a revoked or replaced link, and a link after the database lock.
Each is refused with a page (never a 500) and stores nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from uuid import UUID

from aiohttp.test_utils import TestClient

from edc.application import Trial
from tests import factories
from tests.app.conftest import NAMES, PASSWORD, StepClock
from tests.app.journeys import randomised
from tests.security.attacks import trial_of
from tests.web.conftest import MakeClient, csrf_of, sign_in
from tests.web.store import Seeded
from web.config import WebConfig

ANSWERS = {"LBP_DAYS": "2", "SICK_LEAVE_DAYS": "0"}


def _weekly(trial: Trial, pid: str) -> list[str]:
    """The weekly sheets the participant's record holds."""
    return sorted(k for k in trial.load_participant(UUID(pid)).sheets if k.startswith("weekly"))


async def _link(client: TestClient, config: WebConfig, pid: str) -> str:
    token = sign_in(client, config, "site_staff")
    page = await client.post(f"/participants/{pid}/report-link", data={"csrf_token": token})
    match = re.search(r'id="report-link">http://[^/]+(/weekly/[^<]+)<', await page.text())
    assert match, await page.text()
    return match.group(1)


async def _post(phone: TestClient, link: str, **extra: str) -> tuple[int, str]:
    token = await csrf_of(phone, link)
    response = await phone.post(link, data={"csrf_token": token, **ANSWERS, **extra})
    return response.status, await response.text()


async def test_a_link_of_one_participant_reports_for_them_only_whatever_the_form_says(
    make_client: MakeClient, web_config: WebConfig, web_clock: StepClock, seeded: Seeded
) -> None:
    web_clock.current = datetime(2024, 2, 6, 9, 0, tzinfo=UTC)
    staff_client = await make_client()
    trial = trial_of(staff_client)
    other, _ = randomised(trial, trial.actor_for(NAMES["site_staff"]))
    link = await _link(staff_client, web_config, seeded.randomised)
    phone = await make_client()
    page = await (await phone.get(link)).text()
    assert str(other) not in page
    status, _ = await _post(
        phone, link, participant_id=str(other), pid=str(other), WEEK="1", week="1"
    )
    assert status == 200
    assert _weekly(trial, seeded.randomised) == ["weekly:03"]
    assert _weekly(trial, str(other)) == []


async def test_a_revoked_or_replaced_link_is_not_found_and_stores_nothing(
    make_client: MakeClient, web_config: WebConfig, web_clock: StepClock, seeded: Seeded
) -> None:
    web_clock.current = datetime(2024, 2, 6, 9, 0, tzinfo=UTC)
    staff_client = await make_client()
    trial = trial_of(staff_client)
    replaced = await _link(staff_client, web_config, seeded.randomised)
    revoked = await _link(staff_client, web_config, seeded.randomised)
    token = sign_in(staff_client, web_config, "site_staff")
    await staff_client.post(
        f"/participants/{seeded.randomised}/report-link/revoke", data={"csrf_token": token}
    )
    phone = await make_client()
    for link in (replaced, revoked):
        assert (await phone.get(link)).status == 404, link
        response = await phone.post(link, data={**ANSWERS})
        assert response.status in (403, 404), link
    assert _weekly(trial, seeded.randomised) == []


async def test_a_link_after_the_database_lock_is_refused_with_a_page_and_stores_nothing(
    make_client: MakeClient, web_config: WebConfig, web_clock: StepClock, seeded: Seeded
) -> None:
    web_clock.current = datetime(2024, 2, 6, 9, 0, tzinfo=UTC)
    staff_client = await make_client()
    trial = trial_of(staff_client)
    link = await _link(staff_client, web_config, seeded.randomised)
    data_manager = trial.actor_for(NAMES["data_manager"])
    trial.lock_database(data_manager, PASSWORD, factories.LOCK_OVERRIDES)
    phone = await make_client()
    status, page = await _post(phone, link)
    assert status == 409, page
    assert "uge 3" in page.lower() or "week 3" in page.lower()
    assert _weekly(trial, seeded.randomised) == []
