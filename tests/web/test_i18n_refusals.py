"""Refusals in the reader's language: the page a refused person sees, and the API kept English
(its error body has one `message`, in English, by contract)."""

from __future__ import annotations

import re

from tests import factories
from tests.web.conftest import Client, MakeClient, bearer, sign_in
from tests.web.store import Seeded
from tests.web.test_forms import as_post
from tests.web.untranslated import visible_text
from web.config import WebConfig


async def _danish(client: Client, token: str) -> None:
    await client.post("/language", data={"csrf_token": token, "lang": "da"})


async def test_a_role_refused_a_page_is_told_so_in_danish_and_the_api_in_english(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    token = sign_in(client, web_config, "admin")
    path = f"/participants/{seeded.randomised}"
    english = await client.get(path)
    assert english.status == 403
    assert "Your role (admin) may not view clinical data." in visible_text(await english.text())
    await _danish(client, token)
    danish = await client.get(path)
    text = visible_text(await danish.text())
    assert danish.status == 403
    assert "Din rolle (administrator) må ikke se kliniske data." in text
    assert "may not" not in text
    # The API's error body keeps its one English `message` (DESIGN.md, the JSON contract).
    api = await client.get(
        f"/api/v1/participants/{seeded.randomised}", headers=bearer(seeded, "admin")
    )
    assert api.status == 403
    assert await api.json() == {
        "error": "forbidden",
        "message": "Your role (admin) may not view clinical data.",
        "fields": {},
    }


async def test_a_form_refused_to_the_role_is_told_so_in_danish(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    token = sign_in(client, web_config, "assessor")
    await _danish(client, token)
    path = f"/participants/{seeded.randomised}/forms/baseline"
    items = as_post(factories.outcomes("baseline"), csrf_token=token, expected_version="0")
    refused = await client.post(path, data=items)
    text = visible_text(await refused.text())
    assert refused.status == 403
    assert "Din rolle (effektbedømmer) må ikke udfylde skemaet Baseline." in text


async def test_the_refusal_log_and_the_trail_say_each_refusal_in_the_readers_language(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    admin = await make_client()
    sign_in(admin, web_config, "admin")
    assert (await admin.get(f"/participants/{seeded.randomised}")).status == 403
    monitor = await make_client()
    token = sign_in(monitor, web_config, "monitor")
    english = visible_text(await (await monitor.get("/refusals")).text())
    assert "forbidden: Your role (admin) may not view clinical data." in english
    await _danish(monitor, token)
    danish = visible_text(await (await monitor.get("/refusals")).text())
    assert "ikke tilladt: Din rolle (administrator) må ikke se kliniske data." in danish
    assert "Your role (admin)" not in danish
    trail = visible_text(await (await monitor.get("/audit?type=CommandRefused")).text())
    assert "Din rolle (administrator) må ikke se" in trail
    assert "Your role (admin)" not in trail


async def test_a_refusal_told_on_the_next_page_is_danish_with_its_names_and_time(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    token = sign_in(client, web_config, "data_manager")
    await _danish(client, token)
    form = f"/participants/{seeded.randomised}/forms/baseline"
    await client.post(form + "/lock", data={"csrf_token": token, "reason": "Clean"})
    again = await client.post(form + "/lock", data={"csrf_token": token, "reason": "Clean"})
    text = visible_text(await again.text())
    # The refusal passed through the session cookie to the page it is told on.
    assert "Skemaet Baseline for " in text
    assert re.search(r"er allerede låst af \w+ \(datamanager\) den \d{1,2}\. \w+\. \d{4}", text)
    assert "already locked" not in text
