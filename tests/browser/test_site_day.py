"""A site's day in a real browser: query answers that correct, locked forms shown read-only,
stale saves merged per item, and signing that shows what is signed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.helpers import log_in
from tests.live_server import LiveServer
from tests.web.crawl import arm_leaks
from tests.web.store import Seeded

pytestmark = pytest.mark.browser


def test_monitor_queries_an_item_and_the_site_corrects_it_by_typing_the_value(
    live_server: LiveServer, browser_seeded: Seeded, new_page: Any
) -> None:
    base, pid = live_server.url, browser_seeded.ready
    monitor = new_page()
    log_in(monitor, base, "monitor")
    monitor.goto(base + f"/participants/{pid}/forms/baseline")
    monitor.locator("#raise-LBP_NOW").click()
    assert monitor.get_by_label("Item").input_value() == "LBP_NOW"
    monitor.get_by_label("Question to the site").fill("The source says 7, not 6?")
    monitor.get_by_role("button", name="Raise query").click()
    assert "Query raised." in monitor.locator(".flash").inner_text()
    assert "open query" in monitor.locator("#value-LBP_NOW").inner_text()
    assert arm_leaks(monitor.content()) == []

    staff = new_page()
    log_in(staff, base, "site_staff")
    staff.get_by_role("link", name="Queries").click()
    staff.get_by_role("link", name="The source says 7, not 6?").click()
    # First a look at the source, no change: the page says the value is unchanged.
    staff.get_by_label("Answer", exact=True).fill("Checking the source")
    staff.get_by_role("button", name="Send answer").click()
    assert "The value is unchanged" in staff.locator(".flash").inner_text()
    # Answered, still not closed: the site answers again; the typed value is the correction.
    assert staff.get_by_role("heading", name="Answer again").is_visible()
    staff.get_by_label("Answer", exact=True).fill("Yes: 7 per the source")
    staff.locator("#item-LBP_NOW").fill("7")
    staff.get_by_role("button", name="Send answer").click()
    assert "The correction is recorded (LBP_NOW 6 → 7)" in staff.locator(".flash").inner_text()
    assert staff.locator("#query-current").inner_text() == "7"
