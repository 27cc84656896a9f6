"""A journey per role in a real browser (chromium, headless)."""

from __future__ import annotations

import json
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from tests import factories
from tests.app.conftest import NAMES, PASSWORD, StepClock
from tests.browser.helpers import fill_form, log_in
from tests.live_server import LiveServer
from tests.web.crawl import arm_leaks
from tests.web.store import Seeded

pytestmark = pytest.mark.browser


def test_site_staff_screen_mri_consent_baseline_and_randomise(
    live_server: LiveServer, new_page: Any
) -> None:
    base = live_server.url
    page = new_page()
    log_in(page, base, "site_staff")
    assert page.locator(".demo-banner").is_visible()
    page.get_by_role("link", name="Screen a person").click()
    fill_form(page, "screening", {k: v for k, v in factories.screening().items() if k != "SITE"})
    page.get_by_role("button", name=re.compile("Screen and issue")).click()
    assert "Screened as RINGE-0004: eligible for MRI" in page.locator(".flash").inner_text()
    assert page.locator("#status").inner_text() == "awaiting MRI"

    page.get_by_role("link", name="MRI", exact=True).click()
    # A mistake first: the message appears next to the item and the rest is kept.
    fill_form(page, "mri", {**factories.mri(), "MRI_DATE": "2023-12-01"})
    page.get_by_role("button", name="Save", exact=True).click()
    assert page.locator("#err-MRI_DATE").is_visible()
    assert page.locator("#wrap-MODIC_TYPE input[value='1']").is_checked()
    fill_form(page, "mri", {"MRI_DATE": "2024-01-12"})
    page.get_by_role("button", name="Save", exact=True).click()
    assert "MRI saved." in page.locator(".flash").inner_text()

    for form, label, items in (
        ("consent", "Informed consent", factories.consent()),
        ("baseline", "Baseline", factories.outcomes()),
    ):
        page.get_by_role("link", name=re.compile(r"Participant RINGE-0004")).click()
        page.get_by_role("link", name=label, exact=True).click()
        fill_form(page, form, items)
        page.get_by_role("button", name="Save", exact=True).click()
        assert f"{label} saved." in page.locator(".flash").inner_text()
    assert page.locator("#derived-RMDQ_SCORE").inner_text() == "0"

    page.get_by_role("link", name=re.compile(r"Participant RINGE-0004")).click()
    assert page.locator("#status").inner_text() == "ready to randomise"
    page.get_by_role("link", name="Randomise…").click()
    assert page.locator(".checks li.ok").count() == 6
    page.get_by_label(re.compile("I confirm")).check()
    page.get_by_role("button", name="Randomise").click()
    assert page.locator("#arm").inner_text() in (
        "Exercise and advice to stay active (active comparator)",
        "Rest and flexible lumbar belt (experimental)",
    )


def test_assessor_enters_week_10_outcomes_and_sees_no_arm_anywhere(
    live_server: LiveServer, live_clock: StepClock, browser_seeded: Seeded, new_page: Any
) -> None:
    live_clock.current = datetime(2024, 4, 1, 9, 0, tzinfo=UTC)
    base, page = live_server.url, new_page()
    seen: list[str] = []

    def look() -> None:
        page.wait_for_load_state()
        seen.append(page.content())

    log_in(page, base, "assessor")
    look()
    page.get_by_role("link", name="Participants", exact=True).click()
    look()
    page.get_by_role("link", name="RINGE-0003").click()
    look()
    assert page.get_by_role("link", name="Adherence to intervention").count() == 0
    page.get_by_role("link", name="Week 10 outcomes").click()
    look()
    fill_form(page, "week10", factories.outcomes("week10", ASSESS_DATE="2024-03-25"))
    page.get_by_role("button", name="Save", exact=True).click()
    look()
    assert "Week 10 outcomes saved." in page.locator(".flash").inner_text()
    assert page.locator("#derived-LBP_MEAN3").inner_text() == "6.3"
    page.get_by_role("link", name=re.compile("Participant RINGE-0003")).click()
    look()
    page.goto(base + f"/participants/{browser_seeded.randomised}/forms/adherence")
    look()
    assert "Not found" in page.content()
    page.get_by_role("link", name="Dashboard", exact=True).click()
    look()
    for html in seen:
        assert arm_leaks(html) == []


def test_investigator_signs_the_baseline(
    live_server: LiveServer, browser_seeded: Seeded, new_page: Any
) -> None:
    base, page = live_server.url, new_page()
    log_in(page, base, "investigator")
    page.goto(base + f"/participants/{browser_seeded.ready}/forms/baseline")
    page.get_by_role("link", name="Sign this form…").click()
    page.get_by_label(re.compile("^Approval")).check()
    page.get_by_label("Password (re-enter to sign)").fill("not my password")
    page.get_by_role("button", name="Sign").click()
    assert "nothing was signed" in page.locator("#sign-error").inner_text()
    page.get_by_label(re.compile("^Approval")).check()
    page.get_by_label("Password (re-enter to sign)").fill(PASSWORD)
    page.get_by_role("button", name="Sign").click()
    assert "Signed (approval)" in page.locator(".flash").inner_text()
    assert page.locator(".review .badge.signed").is_visible()


def test_monitor_travels_back_in_time_raises_a_query_and_site_staff_correct(
    live_server: LiveServer, browser_seeded: Seeded, new_page: Any
) -> None:
    base, pid = live_server.url, browser_seeded.ready
    trial = live_server.trial
    assert trial is not None
    staff = trial.actor_for(NAMES["site_staff"])
    trial.record_form(
        staff,
        UUID(pid),
        "baseline",
        factories.outcomes(LBP_NOW=8),
        expected_version=1,
        reason={"code": "late_source", "text": "GP letter"},
    )

    monitor = new_page()
    log_in(monitor, base, "monitor")
    monitor.goto(base + f"/participants/{pid}")
    monitor.get_by_role("link", name="As it stood at a time…").click()
    # The seeded store was written in January 2024; the correction came in February.
    monitor.get_by_label("Date and time (Europe/Copenhagen)").fill("2024-01-31T12:00:00")
    monitor.get_by_role("button", name="Show").click()
    assert monitor.locator("#asof-baseline-LBP_NOW").inner_text() == "6"
    monitor.get_by_role("link", name="Audit trail").first.click()
    assert "Late information from source: GP letter" in monitor.content()
    monitor.goto(base + f"/participants/{pid}/forms/baseline")
    monitor.get_by_label("Item").select_option("LBP_NOW")
    monitor.get_by_label("Question to the site").fill("The GP letter says 7, not 8?")
    monitor.get_by_role("button", name="Raise query").click()
    assert "Query raised." in monitor.locator(".flash").inner_text()

    staff_page = new_page()
    log_in(staff_page, base, "site_staff")
    staff_page.get_by_role("link", name="Queries", exact=True).click()
    staff_page.get_by_role("link", name="The GP letter says 7, not 8?").click()
    staff_page.get_by_label("Answer", exact=True).fill("Yes: 7, corrected")
    staff_page.locator("#item-LBP_NOW").fill("7")
    staff_page.get_by_role("button", name="Send answer").click()
    assert "The correction is recorded" in staff_page.locator(".flash").inner_text()
    assert staff_page.locator("#query-current").inner_text() == "7"

    monitor.goto(base + "/queries")
    monitor.get_by_role("link", name="The GP letter says 7, not 8?").click()
    monitor.get_by_role("button", name="Close query").click()
    assert monitor.locator("#query-status").inner_text() == "closed"


def test_data_manager_locks_and_analyst_downloads_a_snapshot(
    live_server: LiveServer, browser_seeded: Seeded, new_page: Any, tmp_path: Path
) -> None:
    base = live_server.url
    manager = new_page()
    log_in(manager, base, "data_manager")
    manager.goto(base + f"/participants/{browser_seeded.randomised}")
    manager.get_by_role("button", name="Lock participant").click()
    assert "Participant locked." in manager.locator(".flash").inner_text()
    manager.get_by_role("link", name="Database lock").click()
    # The pre-lock checks find what the small trial leaves open: each is overridden with a reason.
    for field in manager.get_by_label("Reason to lock nevertheless").all():
        field.fill("Browser test trial: left open on purpose")
    manager.get_by_label("Your password (electronic signature)").fill(PASSWORD)
    manager.get_by_label(re.compile("lock the whole database")).check()
    manager.get_by_role("button", name="Sign and lock the database").click()
    assert "The database is locked" in manager.locator("#db-status").inner_text()
    manager.get_by_label("Your password (electronic signature)").fill(PASSWORD)
    manager.get_by_label(re.compile("release the unblinded data")).check()
    manager.get_by_role("button", name="Sign and release").click()
    assert "released to the analysts" in manager.locator("#db-status").inner_text()

    analyst = new_page()
    log_in(analyst, base, "analyst")
    analyst.get_by_role("link", name="Exports").click()
    assert analyst.get_by_role("heading", name="Unblinded view").is_visible()
    with analyst.expect_download() as download_info:
        analyst.get_by_role("link", name=re.compile("Analysis snapshot")).first.click()
    saved = tmp_path / "snapshot.zip"
    download_info.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert manifest["view"] == "blinded"
        assert {"participants.csv", "baseline.csv", "dictionary.csv"} <= set(archive.namelist())
