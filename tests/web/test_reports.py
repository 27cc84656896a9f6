"""Reports in the web UI: the CONSORT diagram on the dashboard, per role and blinding."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import Client, sign_in
from tests.web.crawl import arm_leaks
from tests.web.store import Seeded
from tests.web.untranslated import english_runs, visible_text
from web.config import WebConfig

CLINICAL = ("site_staff", "assessor", "investigator", "monitor", "data_manager", "analyst")


@pytest.mark.parametrize("role", CLINICAL)
async def test_consort_diagram_on_the_dashboard(
    client: Client, web_config: WebConfig, role: str
) -> None:
    sign_in(client, web_config, role)
    html = await (await client.get("/")).text()
    view = "unblinded" if role == "site_staff" else "blinded"
    assert f"/reports/consort.svg?view={view}" in html
    svg = await client.get(f"/reports/consort.svg?view={view}")
    assert svg.status == 200 and svg.content_type == "image/svg+xml"
    text = await svg.text()
    assert "<svg" in text
    assert bool(arm_leaks(text)) == (role == "site_staff")
    refused = await client.get("/reports/consort.svg?view=unblinded")
    assert refused.status == (200 if role == "site_staff" else 403)


async def test_report_downloads_and_refusals(client: Client, web_config: WebConfig) -> None:
    sign_in(client, web_config, "analyst")
    for name in ("enrolment.csv", "visits.html", "missing.csv", "consort.json", "enrolment.svg"):
        response = await client.get(f"/reports/{name}?view=blinded&as_of=30")
        assert response.status == 200, name
        assert not arm_leaks(await response.text()), name
    assert (await client.get("/reports/consort.pdf")).status == 404
    assert (await client.get("/reports/secret.svg")).status == 404
    assert (await client.get("/reports/consort.svg?as_of=99999")).status == 422
    sign_in(client, web_config, "admin")
    assert (await client.get("/reports/consort.svg")).status == 403


async def test_exports_page_links_the_reports(client: Client, web_config: WebConfig) -> None:
    sign_in(client, web_config, "data_manager")
    html = await (await client.get("/exports")).text()
    assert "/reports/consort.svg?view=blinded" in html and "view=unblinded" not in html


async def test_the_visit_status_page_reads_in_the_readers_language(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    token = sign_in(client, web_config, "data_manager")
    path = "/reports/visits.html?view=blinded"
    english = visible_text(await (await client.get(path)).text())
    assert "Visit status" in english and "screening number" in english
    assert re.search(r"status on \d{4}-\d\d-\d\d", english)
    await client.post("/language", data={"csrf_token": token, "lang": "da"})
    page = await (await client.get(path)).text()
    danish = visible_text(page)
    assert '<html lang="da">' in page
    assert "Besøgsstatus" in danish and "screeningsnummer" in danish
    assert "blindet visning" in danish and "ikke forfalden" in danish
    # Dates as a Dane writes them; codes and screening numbers as they are.
    assert re.search(r"status den \d{1,2}\. [a-z]{3}\. \d{4}", danish)
    assert "RINGE-" in danish
    assert english_runs(danish) == []
