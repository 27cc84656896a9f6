"""A monitor finds whose data changed in the trial-wide audit trail, in a real browser."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

import pytest

from tests import factories
from tests.app.conftest import NAMES
from tests.browser.helpers import log_in
from tests.live_server import LiveServer
from tests.web.crawl import arm_leaks
from tests.web.store import Seeded

pytestmark = pytest.mark.browser


def test_monitor_filters_the_trail_to_a_participants_item_and_reads_its_history(
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
    number = trial.get_participant(staff, UUID(pid))["screening_number"]

    monitor = new_page()
    log_in(monitor, base, "monitor")
    monitor.get_by_role("link", name="Audit trail").click()
    monitor.get_by_label("Participant").fill(number)
    monitor.get_by_label("Form").select_option(label="Baseline")
    monitor.get_by_label("Item").fill("LBP_NOW")
    monitor.get_by_label("Order").select_option(label="Newest first")
    monitor.get_by_role("button", name="Filter").click()

    rows = monitor.locator("table.audit tbody tr")
    assert rows.count() == 2  # the correction, then the first entry
    newest = rows.first
    assert newest.locator("td.event").inner_text() == "Form corrected"
    assert newest.locator("td.sheet").inner_text() == "Baseline"
    assert "LBP now" in newest.locator("td.changes").inner_text()
    assert "6 → 8" in newest.locator("td.changes").inner_text()
    assert newest.locator("td.reason").inner_text() == "Late information from source: GP letter"
    assert "sara" in newest.locator("td.who").inner_text()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d CES?T", newest.locator("td.when").inner_text())
    assert rows.nth(1).locator("td.event").inner_text() == "Baseline recorded"
    assert arm_leaks(monitor.locator("main").inner_text()) == []

    newest.get_by_role("link", name="history").click()
    history = monitor.locator("table.history tbody tr")
    assert history.count() == 2
    assert history.first.locator("td.new").inner_text() == "6"
    assert "(first recorded)" in history.first.inner_text()
    assert history.nth(1).locator("td.reason").inner_text() == (
        "Late information from source: GP letter"
    )

    monitor.go_back()
    monitor.locator("table.audit tbody tr").first.get_by_role("link", name=number).click()
    monitor.wait_for_url(base + f"/participants/{pid}")
    # The screening item's history starts at the value screening recorded.
    monitor.goto(base + f"/participants/{pid}/forms/screening/items/LBP_NOW_SCR/history")
    assert "never entered" not in monitor.locator("main").inner_text()
    assert monitor.locator("table.history td.new").first.inner_text() == "6"
