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


# Every word of the trail's Who cells that the browser laid out over more than one line.
SPLIT_WORDS = """() => {
  const split = [];
  for (const cell of document.querySelectorAll('table.audit td.who')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const word of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        const lines = new Set(
          [...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (lines.size > 1) split.push(word[0]);
      }
    }
  }
  return split;
}"""


def test_the_who_column_wraps_between_words_only(
    live_server: LiveServer, browser_seeded: Seeded, new_page: Any
) -> None:
    """Danish role names are long ("afdelingspersonale"): the Who column breaks lines between
    words, never inside one, and the trail still fits 1024 px."""
    base = live_server.url
    monitor = new_page()
    log_in(monitor, base, "monitor")
    monitor.get_by_role("button", name="Dansk").click()
    for path in ("/audit", f"/participants/{browser_seeded.ready}/audit"):
        monitor.goto(base + path)
        assert "afdelingspersonale" in monitor.locator("table.audit").inner_text(), path
        assert monitor.evaluate(SPLIT_WORDS) == [], path
        assert overflow(monitor) <= 0 and table_overflow(monitor) <= 0, path
