"""A serious adverse event appears at once on the dashboards of the site's unblinded roles, and
on no blinded one (harms reveal the arm)."""

from __future__ import annotations

import pytest

from edc.application import SYSTEM
from tests import factories
from tests.app.conftest import NAMES
from tests.web.conftest import Client, bearer, sign_in
from tests.web.store import Seeded
from tests.web.test_allocation_recheck_page import sign_in_unblinded
from web.config import WebConfig
from web.keys import TRIAL

TERM = "Admitted with severe low back pain"


async def _report_sae(client: Client, seeded: Seeded) -> None:
    items = factories.adverse_event(
        AE_TERM=TERM,
        AE_ONSET="2024-01-15",
        AE_END="2024-01-15",
        AE_SERIOUS="Y",
        AE_SAE_CRITERIA=["hospitalisation"],
        AE_SEVERITY="severe",
    )
    response = await client.put(
        f"/api/v1/participants/{seeded.randomised}/forms/adverse_event",
        json={"items": items, "expected_version": 0},
        headers=bearer(seeded, "site_staff"),
    )
    assert response.status == 200, await response.text()


async def test_site_staff_see_the_sae_on_their_dashboard_at_once(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    await _report_sae(client, seeded)
    sign_in(client, web_config, "site_staff")
    html = await (await client.get("/")).text()
    assert 'id="serious-adverse-events"' in html
    assert TERM in html and "hospitalisation" in html


@pytest.mark.parametrize("role", ["assessor", "investigator", "monitor", "data_manager", "analyst"])
async def test_blinded_dashboards_show_nothing_of_it(
    client: Client, web_config: WebConfig, seeded: Seeded, role: str
) -> None:
    await _report_sae(client, seeded)
    sign_in(client, web_config, role)
    html = await (await client.get("/")).text()
    assert 'id="serious-adverse-events"' not in html
    assert TERM not in html and "hospitalisation" not in html


async def test_an_unblinded_investigator_sees_it_too(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    await _report_sae(client, seeded)
    trial = client.app[TRIAL]
    trial.set_blinded(SYSTEM, NAMES["investigator"], False, "Signs adverse events")
    epoch = trial.get_user(NAMES["investigator"]).session_epoch
    sign_in_unblinded(client, web_config, NAMES["investigator"], epoch)
    html = await (await client.get("/")).text()
    assert 'id="serious-adverse-events"' in html and TERM in html
