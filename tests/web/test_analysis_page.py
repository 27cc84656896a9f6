"""The analysis page: a background job per run, followed on its own page, for its owner only."""

from __future__ import annotations

import asyncio
import re

import pytest

from tests.web.conftest import Client, MakeClient, sign_in
from tests.web.crawl import arm_leaks
from web.config import WebConfig

JOB = re.compile(r"/analysis/jobs/([0-9a-f]{32})$")


async def start(client: Client, csrf: str, **fields: str) -> tuple[int, str]:
    response = await client.post(
        "/analysis", data={"csrf_token": csrf, **fields}, allow_redirects=False
    )
    return response.status, response.headers.get("Location", "") or await response.text()


async def finished(client: Client, location: str) -> str:
    for _ in range(600):  # polls the page as a browser would; the job itself is not timed
        page = await (await client.get(location)).text()
        if 'http-equiv="refresh"' not in page:
            return page
        await asyncio.sleep(0.2)
    raise AssertionError("the analysis did not finish")


@pytest.mark.parametrize("role", ["site_staff", "assessor", "investigator", "monitor", "admin"])
async def test_only_exporting_roles_may_run_the_analysis(
    client: Client, web_config: WebConfig, role: str
) -> None:
    csrf = sign_in(client, web_config, role)
    assert (await client.get("/analysis")).status == 403
    status, _ = await start(client, csrf, view="blinded")
    assert status == 403


async def test_a_blinded_analyst_runs_a_dummy_analysis_in_the_background(
    make_client: MakeClient, web_config: WebConfig
) -> None:
    analyst = await make_client()
    csrf = sign_in(analyst, web_config, "analyst")
    page = await (await analyst.get("/analysis")).text()
    assert 'value="unblinded"' not in page
    status, location = await start(analyst, csrf, view="unblinded")
    assert status == 403
    status, location = await start(analyst, csrf, view="blinded", as_of="", dummy_seed="7")
    assert status == 303 and JOB.search(location), location
    done = await finished(analyst, location)
    assert "DUMMY ALLOCATION (seed 7)" in done and "Report (PDF)" in done
    report = await analyst.get(location + "/files/report.html")
    assert report.status == 200
    text = await report.text()
    assert "DUMMY ALLOCATION" in text and not arm_leaks(text)
    results = await (await analyst.get(location + "/files/results.json")).text()
    assert not arm_leaks(results)
    pdf = await analyst.get(location + "/files/report.pdf")
    assert (await pdf.read()).startswith(b"%PDF")
    assert (await analyst.get(location + "/files/analysis.zip")).status == 200
    assert (await analyst.get(location + "/files/secret.txt")).status == 404

    # Another account with the same rights sees nothing of it.
    manager = await make_client()
    sign_in(manager, web_config, "data_manager")
    assert (await manager.get(location)).status == 404
    assert (await manager.get(location + "/files/report.html")).status == 404
    assert location not in await (await manager.get("/analysis")).text()


@pytest.mark.parametrize(
    "fields",
    [
        {"view": "blinded", "as_of": "9999999"},
        {"view": "blinded", "as_of": "abc"},
        {"view": "blinded", "dummy_seed": "x1"},
        {"view": "sideways"},
    ],
)
async def test_bad_input_says_what_is_wrong_and_starts_nothing(
    client: Client, web_config: WebConfig, fields: dict[str, str]
) -> None:
    csrf = sign_in(client, web_config, "analyst")
    status, body = await start(client, csrf, **fields)
    assert status == 422, body
    assert 'role="alert"' in body
    assert "Your analyses" not in await (await client.get("/analysis")).text()
