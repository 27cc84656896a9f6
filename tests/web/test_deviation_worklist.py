"""A correction after randomisation that makes the randomisation a protocol deviation appears
in the blinded monitor's work list on the dashboard."""

from __future__ import annotations

from tests import factories
from tests.web.conftest import Client, bearer, sign_in
from tests.web.store import Seeded
from web.config import WebConfig


async def test_a_blinded_monitor_sees_the_deviation_on_the_dashboard(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    response = await client.put(
        f"/api/v1/participants/{seeded.randomised}/forms/screening",
        json={
            "items": factories.screening(AGE=64),
            "expected_version": 1,
            "reason": {"code": "late_source", "text": "Age from the hospital record"},
        },
        headers=bearer(seeded, "site_staff"),
    )
    assert response.status == 200, await response.text()
    sign_in(client, web_config, "monitor")
    html = await (await client.get("/")).text()
    assert 'id="randomisation-deviations"' in html
    assert "randomised while ineligible" in html and "Age must be 18 to 60 years" in html
    assert seeded.arm not in html.split('id="randomisation-deviations"')[1].split("</section>")[0]
