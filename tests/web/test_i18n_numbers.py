"""Numbers on Danish pages: a decimal comma is read on the web forms, the API keeps the point."""

from __future__ import annotations

from tests import factories
from tests.web.conftest import Client, bearer, sign_in
from tests.web.store import Seeded
from tests.web.test_crf_entry import _to_baseline
from tests.web.test_forms import as_post
from web.config import WebConfig

API = "/api/v1"


async def test_a_danish_form_takes_a_decimal_comma_and_the_api_keeps_the_point(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    token = sign_in(client, web_config, "site_staff")
    pid = seeded.screened
    await _to_baseline(client, token, pid)
    path = f"/participants/{pid}/forms/baseline"
    items = factories.outcomes(WEIGHT_KG="72,5")
    api = await client.put(
        f"{API}{path}",
        json={"items": {**factories.outcomes(), "WEIGHT_KG": "72,5"}, "expected_version": 0},
        headers=bearer(seeded, "site_staff"),
    )
    assert api.status == 422 and "WEIGHT_KG" in (await api.json())["fields"]
    await client.post("/language", data={"csrf_token": token, "lang": "da"})
    danish = await client.post(path, data=as_post(items, csrf_token=token, expected_version="0"))
    assert danish.status == 200, await danish.text()
    view = await (
        await client.get(f"{API}/participants/{pid}", headers=bearer(seeded, "site_staff"))
    ).json()
    assert view["forms"]["baseline"]["items"]["WEIGHT_KG"] == 72.5
