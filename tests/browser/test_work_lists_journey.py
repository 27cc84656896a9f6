"""A day's work in a real browser on the demo trial as it stands on its day: the assessor finds
the overdue follow-up in "My work" and opens its form, the investigator opens a form to sign,
the monitor sorts the participant list by progress and downloads it as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from edc.demo.today import start_of
from edc.demo.users import demo_password
from tests.app.conftest import NAMES, StepClock
from tests.browser.helpers import log_in
from tests.live_server import LiveServer
from tests.web import live_demo
from tests.web.crawl import arm_leaks
from tests.web.live_demo import LiveDemo

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(live_demo_store: LiveDemo) -> LiveDemo:
    return live_demo_store  # tests/conftest.py: built once, copied by each test


@pytest.fixture
def server(demo: LiveDemo, tmp_path: Path) -> Iterator[LiveServer]:
    clock = StepClock(start_of(live_demo.TODAY) + timedelta(hours=9))
    running = LiveServer(demo.copy_to(tmp_path / "var"), clock).start()
    yield running
    running.stop()


def log_in_as(page: Any, base: str, role: str) -> None:
    log_in(page, base, role, password=demo_password(NAMES[role]))


def test_the_assessor_opens_the_overdue_follow_up_from_my_work(
    server: LiveServer, new_page: Any
) -> None:
    base = server.url
    page = new_page()
    log_in_as(page, base, "assessor")
    assert page.locator("#work-visits").inner_text() != "0"
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My work").click()
    overdue = page.locator("#visits-due tbody tr", has_text="overdue").first
    number = overdue.locator("td").first.inner_text()
    assert "Week 10" in overdue.inner_text()
    assert page.locator("#visits-due tbody tr", has_text="this week").count() >= 1
    assert arm_leaks(page.content()) == []
    overdue.get_by_role("link", name="Week 10").click()
    page.wait_for_url("**/forms/week10")
    assert number in page.content()


def test_the_investigator_opens_a_form_to_sign(server: LiveServer, new_page: Any) -> None:
    base = server.url
    page = new_page()
    log_in_as(page, base, "investigator")
    page.get_by_role("link", name="My work").first.click()
    row = page.locator("#to-sign tbody tr", has_text="Baseline").first
    row.get_by_role("link", name="Baseline", exact=True).click()
    page.wait_for_url("**/sign?form=baseline")
    assert page.get_by_label("Password").count() == 1


def test_the_monitor_sorts_the_participants_by_progress_and_downloads_them(
    server: LiveServer, new_page: Any
) -> None:
    base = server.url
    page = new_page()
    log_in_as(page, base, "monitor")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Participants").click()
    heading = page.locator("#participant-list thead th", has_text="Forms entered")
    heading.get_by_role("link").click()  # ascending
    page.locator("#participant-list thead th", has_text="Forms entered").get_by_role(
        "link"
    ).click()  # then descending
    assert (
        page.locator("#participant-list thead th[aria-sort]").get_attribute("aria-sort")
        == "descending"
    )
    progress = [
        int(cell.split(" of ")[0])
        for cell in page.locator("#participant-list tbody tr td:nth-child(5)").all_inner_texts()
    ]
    assert progress == sorted(progress, reverse=True) and progress[0] > progress[-1]
    with page.expect_download() as download_info:
        page.locator("#participants-csv").click()
    download = download_info.value
    assert download.suggested_filename == f"participants-{live_demo.TODAY.isoformat()}.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert [int(r["Forms entered"]) for r in rows][: len(progress)] == progress
    assert arm_leaks(page.content()) == []
