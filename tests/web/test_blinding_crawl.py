"""Blinding, end to end: everything a blinded role can reach carries nothing arm-revealing.

The store holds every kind of data (adherence, outcomes, weekly reports, corrections, an ended
participant); each blinded role follows every link, filter, form page, API read route and
download it can reach. Two checks keep the crawl honest: the unblinded site staff's crawl
does find the arm, and a leak planted into the app is caught.
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest
from aiohttp import web

from edc.application import SYSTEM
from edc.bootstrap import build_trial
from edc.config import Settings
from tests import factories
from tests.app.conftest import NAMES, PASSWORD, StepClock
from tests.web.conftest import MakeClient, sign_in
from tests.web.crawl import api_read_paths, arm_leaks, crawl
from tests.web.store import Seeded
from web.api.openapi import openapi_document
from web.api.routes import endpoints
from web.config import WebConfig
from web.keys import TRIAL

BLINDED_ROLES = ("assessor", "investigator", "monitor", "data_manager", "analyst", "admin")
API_PATHS = api_read_paths(openapi_document(endpoints()))


def fill_store(settings: Settings, seeded: Seeded) -> None:
    """Every kind of data a blinded user must not learn the arm from (or may see safely)."""
    clock = StepClock(datetime(2024, 4, 1, 9, 0, tzinfo=UTC))
    trial = build_trial(settings, clock=clock, draw=random.Random(1).random)
    try:
        staff, assessor = trial.actor_for(NAMES["site_staff"]), trial.actor_for(NAMES["assessor"])
        pid = UUID(seeded.randomised)
        adherence = (
            {"EXERCISE_SESSIONS": 8, "HOME_EXERCISE_DAYS_PER_WEEK": 4}
            if seeded.arm == "exercise"
            else {"REST_HOURS_PER_DAY": 2.5, "BELT_USE": "daily", "REST_MEETINGS": 3}
        )
        trial.record_form(staff, pid, "adherence", adherence, expected_version=0)
        trial.record_form(
            assessor,
            pid,
            "week10",
            factories.outcomes("week10", ASSESS_DATE="2024-03-25"),
            expected_version=0,
        )
        trial.record_form(
            staff,
            pid,
            "weekly",
            {"WEEK": 1, "LBP_DAYS": 4, "SICK_LEAVE_DAYS": 1},
            expected_version=0,
        )
        trial.record_form(
            staff,
            pid,
            "baseline",
            factories.outcomes(LBP_NOW=7),
            expected_version=1,
            reason={"code": "transcription_error", "text": "typed 6, source 7"},
        )
        monitor = trial.actor_for(NAMES["monitor"])
        investigator = trial.actor_for(NAMES["investigator"])
        query = trial.raise_query(monitor, pid, "week10", "LBP_NOW", "Please check")
        trial.answer_query(staff, query["id"], "Checked, correct")
        # An adverse event and an unblinded monitor's query on it, naming the arm (harms and
        # their queries are arm-revealing: no blinded page may show either).
        trial.add_user(SYSTEM, "ulla", "monitor", PASSWORD, blinded=False, blinding_reason="harms")
        trial.record_form(
            staff,
            pid,
            "adverse_event",
            factories.adverse_event(AE_ONSET="2024-03-20", AE_END="2024-03-21"),
            expected_version=0,
        )
        harm_query = trial.raise_query(
            trial.actor_for("ulla"),
            pid,
            "adverse_event",
            "AE_RELATED",
            f"Was the {seeded.arm} session the cause?",
            week=1,
        )
        trial.answer_query(staff, harm_query["id"], f"Yes, during {seeded.arm}.")
        trial.verify_form(monitor, pid, "baseline")
        trial.sign(investigator, pid, PASSWORD, "approval", form="baseline")
        trial.unblind(investigator, pid, "serious adverse event")
        trial.lock_form(trial.actor_for(NAMES["data_manager"]), pid, "mri")
        # Deviations: one of the intervention (arm-revealing, naming the arm), one not; and a
        # follow-up visit recorded as missed.
        trial.record_deviation(
            staff,
            pid,
            {
                "kind": "intervention",
                "description": f"{seeded.arm} sessions not given as allocated",
                "occurred_on": "2024-03-01",
            },
        )
        trial.record_deviation(
            staff,
            pid,
            {"kind": "assessment", "description": "Read aloud", "occurred_on": "2024-03-01"},
        )
        trial.record_visit_missed(staff, pid, "month12", {"reason": "declined"})
        trial.record_form(
            staff,
            UUID(seeded.screened),
            "end_of_study",
            {
                "EOS_DATE": "2024-03-01",
                "EOS_STATUS": "lost to follow-up",
                "EOS_REASON": "moved away",
            },
            expected_version=0,
        )
    finally:
        trial.close()


@pytest.fixture(scope="module")
def rich(seeded: Seeded, tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    root = tmp_path_factory.mktemp("rich") / "var"
    fill_store(seeded.copy_to(root), seeded)
    return Seeded(root, seeded.tokens, seeded.screened, seeded.ready, seeded.randomised, seeded.arm)


@pytest.fixture
def web_settings(rich: Seeded, tmp_path: Path) -> Settings:
    return rich.copy_to(tmp_path / "var")


@pytest.mark.parametrize("role", BLINDED_ROLES)
async def test_nothing_a_blinded_role_can_reach_reveals_the_arm(
    make_client: MakeClient, web_config: WebConfig, rich: Seeded, role: str
) -> None:
    client = await make_client()
    sign_in(client, web_config, role)
    # Starting from the dashboard and, as a curious user might, from typed-in addresses.
    typed = tuple(f"/participants/{pid}" for pid in (rich.screened, rich.ready, rich.randomised))
    result = await crawl(client, start=("/", *typed), api_paths=API_PATHS)
    assert result.leaks == {}
    assert {rich.screened, rich.ready, rich.randomised} <= result.participants
    assert f"/api/v1/participants/{rich.randomised}" in result.visited
    assert f"/participants/{rich.randomised}/forms/adherence" in result.visited
    assert len(result.visited) >= 35
    # The API, with the role's own token instead of the session, is just as blind.
    bearer = {"Authorization": f"Bearer {rich.tokens[role]}"}
    api = await crawl(client, headers=bearer, start=API_PATHS, api_paths=API_PATHS)
    assert api.leaks == {}


@pytest.mark.parametrize("role", ["analyst", "data_manager"])
async def test_a_blinded_analysis_and_its_files_reveal_nothing(
    make_client: MakeClient, web_config: WebConfig, role: str
) -> None:
    client = await make_client()
    csrf = sign_in(client, web_config, role)
    started = await client.post(
        "/analysis", data={"csrf_token": csrf, "view": "blinded"}, allow_redirects=False
    )
    assert started.status == 303
    job = started.headers["Location"]
    for _ in range(600):  # as a browser polls the self-refreshing page
        if 'http-equiv="refresh"' not in await (await client.get(job)).text():
            break
        await asyncio.sleep(0.2)
    result = await crawl(client, start=("/analysis", job))
    assert result.leaks == {}
    assert {f"{job}/files/report.pdf", f"{job}/files/analysis.zip"} <= set(result.visited)
    assert all(status == 200 for path, status in result.visited.items() if path.startswith(job))


async def test_the_crawl_finds_the_arm_where_it_may_be_seen(
    make_client: MakeClient, web_config: WebConfig, rich: Seeded
) -> None:
    client = await make_client()
    sign_in(client, web_config, "site_staff")
    result = await crawl(client, api_paths=API_PATHS)
    leaking = set(result.leaks)
    assert f"/participants/{rich.randomised}" in leaking
    assert f"/participants/{rich.randomised}/forms/adherence" in leaking
    assert f"/api/v1/participants/{rich.randomised}" in leaking


async def test_a_planted_leak_is_caught(
    make_client: MakeClient, web_config: WebConfig, rich: Seeded
) -> None:
    client = await make_client(customize=plant)
    sign_in(client, web_config, "monitor")
    result = await crawl(client, api_paths=API_PATHS)
    assert set(result.leaks) == {"/planted/report"}
    assert any("ARM column" in leak for leak in result.leaks["/planted/report"])


def test_the_detector_tells_arm_content_from_ordinary_words() -> None:
    assert arm_leaks("<td>exercise</td>") and arm_leaks('{"x": "Rest"}')
    assert arm_leaks("participant_id,ARM\n1,x\n")
    assert arm_leaks("EXERCISE_SESSIONS,REST_HOURS_PER_DAY")
    assert arm_leaks("Allocation.Allocated") and arm_leaks("ArmRevealed")
    assert not arm_leaks("Allocated (n=34), all arms together")
    assert not arm_leaks("<p>Restored interest; arms and ARMS; restless</p>")


def plant(app: web.Application) -> None:
    """A leak an unwary developer might add: the arm on a page linked from the dashboard."""

    @web.middleware
    async def link_to_leak(request: web.Request, handler):  # type: ignore[no-untyped-def]
        response = await handler(request)
        if request.path == "/" and isinstance(response, web.Response) and response.text:
            response.text = response.text.replace(
                "</main>", '<a href="/planted/report">report</a></main>'
            )
        return response

    async def leak(request: web.Request) -> web.Response:
        allocation = request.app[TRIAL].load_allocation()
        arms = sorted({str(arm) for arm in allocation.arms.values()}) if allocation else []
        return web.Response(
            text="participant_id,ARM\n" + "".join(f"x,{a}\n" for a in arms), content_type="text/csv"
        )

    app.middlewares.append(link_to_leak)
    app.router.add_get("/planted/report", leak)
