"""The idle timeout in a browser: a warning with a way to stay signed in, and what was typed
kept across the login when the session has ended (the browser's and the server's clocks are
moved by the test, never waited for)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.app.conftest import NAMES, PASSWORD, StepClock
from tests.browser.helpers import fill_form, log_in
from tests.browser.test_form_layout import _consented
from tests.live_server import LiveServer
from tests.web.conftest import FakeNow
from tests.web.store import Seeded

pytestmark = pytest.mark.browser
MINUTE = 60


@pytest.fixture
def web_now() -> FakeNow:
    return FakeNow()


@pytest.fixture
def clocked_server(
    browser_seeded: Seeded, tmp_path: Path, live_clock: StepClock, web_now: FakeNow
) -> Iterator[LiveServer]:
    server = LiveServer(browser_seeded.copy_to(tmp_path / "var"), live_clock, now=web_now)
    yield server.start()
    server.stop()


def _open_baseline(server: LiveServer, page: Any) -> str:
    pid = _consented(server)
    page.clock.install()
    log_in(page, server.url, "site_staff")
    path = f"/participants/{pid}/forms/baseline"
    page.goto(server.url + path)
    return path


def test_a_warning_counts_down_and_staying_signed_in_keeps_the_session(
    clocked_server: LiveServer, web_now: FakeNow, new_page: Any
) -> None:
    page = new_page()
    _open_baseline(clocked_server, page)
    warning = page.locator("#idle-warning")
    assert not warning.is_visible()
    web_now.value += 28 * MINUTE + 30
    page.clock.fast_forward("28:30")
    # The page asks the server how long is left (a request), then warns.
    expect(warning).to_be_visible()
    assert re.fullmatch(r"1:[0-3]\d", page.locator("#idle-countdown").inner_text())
    page.get_by_role("button", name="Stay signed in").click()
    expect(warning).to_be_hidden()
    # 20 minutes later (48 since the page was opened) the session is still there.
    web_now.value += 20 * MINUTE
    page.locator("#wrap-LBP_NOW").get_by_label("4", exact=True).check()
    page.get_by_role("button", name="Save as incomplete draft").click()
    assert "Baseline saved as an incomplete draft." in page.locator(".flash.info").inner_text()


def test_after_the_timeout_the_typed_values_come_back_after_logging_in(
    clocked_server: LiveServer, web_now: FakeNow, new_page: Any
) -> None:
    base, page = clocked_server.url, new_page()
    path = _open_baseline(clocked_server, page)
    page.locator("#item-ASSESS_DATE").fill("2024-01-30")
    page.locator("#wrap-LBP_NOW").get_by_label("7", exact=True).check()
    page.locator("#wrap-RMDQ_05").get_by_label("Yes").check()
    page.locator("#wrap-WORK_STATUS").get_by_label("Working", exact=False).check()
    page.locator("#item-SICK_LEAVE_DAYS_4W").fill("3")
    web_now.value += 31 * MINUTE
    page.clock.fast_forward("31:00")
    expect(page.locator("#idle-ended")).to_be_visible()
    assert "Your session has ended" in page.locator("#idle-warning").inner_text()
    page.get_by_role("button", name="Save", exact=True).click()
    assert "/login" in page.url
    assert "What you typed is kept" in page.locator("#kept-typing").inner_text()
    page.get_by_label("User name").fill(NAMES["site_staff"])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + path)
    assert "Not saved yet" in page.locator("#unsaved-typing").inner_text()
    assert page.locator("#item-ASSESS_DATE").input_value() == "2024-01-30"
    assert page.locator("#wrap-LBP_NOW input[value='7']").is_checked()
    assert page.locator("#wrap-RMDQ_05 input[value='Y']").is_checked()
    assert page.locator("#item-SICK_LEAVE_DAYS_4W").input_value() == "3"
    # Not in the casebook until saved.
    trial = clocked_server.trial
    assert trial is not None
    staff = trial.actor_for(NAMES["site_staff"])
    pid = UUID(path.split("/")[2])
    assert trial.get_participant_form(staff, pid, "baseline")["forms"]["baseline"]["version"] == 0
    page.get_by_role("button", name="Save as incomplete draft").click()
    assert "Baseline saved as an incomplete draft." in page.locator(".flash.info").inner_text()
    assert page.locator("#wrap-LBP_NOW input[value='7']").is_checked()


def test_someone_else_logging_in_on_that_browser_never_sees_the_typing(
    clocked_server: LiveServer, web_now: FakeNow, new_page: Any
) -> None:
    base, page = clocked_server.url, new_page()
    path = _open_baseline(clocked_server, page)
    page.locator("#wrap-LBP_NOW").get_by_label("8", exact=True).check()
    web_now.value += 31 * MINUTE
    page.get_by_role("button", name="Save", exact=True).click()
    assert page.locator("#kept-typing").is_visible()
    page.get_by_label("User name").fill(NAMES["investigator"])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + path)
    assert page.locator("#unsaved-typing").count() == 0
    assert not page.locator("#wrap-LBP_NOW input[value='8']").is_checked()


def test_a_screening_typed_before_the_timeout_is_back_after_logging_in_and_saves(
    clocked_server: LiveServer, web_now: FakeNow, new_page: Any
) -> None:
    base, page = clocked_server.url, new_page()
    page.clock.install()
    log_in(page, base, "site_staff")
    trial = clocked_server.trial
    assert trial is not None
    staff = trial.actor_for(NAMES["site_staff"])
    before = len(trial.list_participants(staff))
    page.goto(base + "/participants/new")
    fill_form(page, "screening", factories.screening(AGE=52, LBP_DURATION_MONTHS=9))
    web_now.value += 31 * MINUTE
    page.clock.fast_forward("31:00")
    expect(page.locator("#idle-ended")).to_be_visible()
    page.get_by_role("button", name="Screen and issue a screening number").click()
    assert "/login" in page.url
    assert "What you typed is kept" in page.locator("#kept-typing").inner_text()
    page.get_by_label("User name").fill(NAMES["site_staff"])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/participants/new")
    assert "Not saved yet" in page.locator("#unsaved-typing").inner_text()
    assert page.locator("#item-AGE").input_value() == "52"
    assert page.locator("#item-LBP_DURATION_MONTHS").input_value() == "9"
    assert page.locator("#wrap-SPEAKS_DANISH input[value='Y']").is_checked()
    # Nobody was screened by the lost post, nor by the page giving the typing back.
    assert len(trial.list_participants(staff)) == before
    page.get_by_role("button", name="Screen and issue a screening number").click()
    assert "Screened as" in page.locator(".flash.info").inner_text()
    assert len(trial.list_participants(staff)) == before + 1
