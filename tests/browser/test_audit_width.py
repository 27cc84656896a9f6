"""The audit trail fits a 1024 px wide screen (a site's laptop) with all its columns: no
horizontal scrolling, on the trial-wide trail and a participant's, in English and Danish."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.helpers import log_in
from tests.live_server import LiveServer
from tests.web.store import Seeded

pytestmark = pytest.mark.browser

WIDTH = 1024
TRAIL_COLUMNS = 8  # #, when, participant, visit and form, event, changes, who, reason


def overflow(page: Any) -> int:
    """How many pixels the page is wider than its window (0 when nothing scrolls sideways)."""
    return int(
        page.evaluate(
            "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
            " - document.documentElement.clientWidth"
        )
    )


def table_overflow(page: Any) -> int:
    """How far the trail's table reaches past the right edge of the window."""
    return int(
        page.evaluate(
            "() => Math.ceil(document.querySelector('table.audit').getBoundingClientRect().right"
            " - document.documentElement.clientWidth)"
        )
    )


def test_the_audit_trail_fits_1024_px_without_losing_a_column(
    live_server: LiveServer, browser_seeded: Seeded, new_page: Any
) -> None:
    base = live_server.url
    monitor = new_page()
    assert monitor.viewport_size["width"] == WIDTH
    log_in(monitor, base, "monitor")
    for path, columns in (
        ("/audit", TRAIL_COLUMNS),
        ("/audit?type=Participant.Screened", TRAIL_COLUMNS),
        (f"/participants/{browser_seeded.ready}/audit", TRAIL_COLUMNS - 1),
    ):
        monitor.goto(base + path)
        headers = monitor.locator("table.audit thead th")
        assert headers.count() == columns, path
        for n in range(columns):
            assert headers.nth(n).is_visible(), (path, n)
        assert monitor.locator("table.audit tbody tr").count() > 1, path
        assert overflow(monitor) <= 0, path
        assert table_overflow(monitor) <= 0, path
    # Danish words are longer; the trail still fits.
    monitor.get_by_role("button", name="Dansk").click()
    monitor.goto(base + "/audit")
    assert monitor.locator("html").get_attribute("lang") == "da"
    assert overflow(monitor) <= 0 and table_overflow(monitor) <= 0
