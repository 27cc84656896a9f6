"""The allocation re-check page: for unblinded monitors and data managers; blinded refused."""

from __future__ import annotations

import pytest

from edc.application import SYSTEM
from tests.app.conftest import NAMES
from tests.web.conftest import Client, sign_in
from tests.web.store import Seeded
from web.config import WebConfig
from web.keys import TRIAL


@pytest.mark.parametrize("role", ["monitor", "data_manager"])
async def test_unblinded_reviewers_see_every_allocation_rechecked(
    client: Client, web_config: WebConfig, seeded: Seeded, role: str
) -> None:
    sign_in(client, web_config, role)
    blinded = await client.get("/allocation/recheck")
    assert blinded.status == 403
    assert seeded.arm not in (await blinded.text()).split("<main", 1)[-1]
    client.app[TRIAL].set_blinded(SYSTEM, NAMES[role], False)
    sign_in(client, web_config, role)
    dashboard = await (await client.get("/")).text()
    assert 'id="allocation-recheck"' in dashboard
    page = await client.get("/allocation/recheck")
    html = await page.text()
    assert page.status == 200
    assert "1 of 1 allocations agree with their stored decision." in html
    assert "R-001" in html and "imbalance" in html.lower()


@pytest.mark.parametrize("role", ["site_staff", "assessor", "investigator", "analyst"])
async def test_other_roles_are_refused(
    client: Client, web_config: WebConfig, seeded: Seeded, role: str
) -> None:
    sign_in(client, web_config, role)
    assert (await client.get("/allocation/recheck")).status == 403
    assert 'id="allocation-recheck"' not in await (await client.get("/")).text()
