"""A Danish day in the browser: the language switch in the header, Danish pages and forms, and
the participant's weekly page in Danish by default."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.helpers import log_in
from tests.live_server import LiveServer
from tests.web.store import Seeded
from tests.web.test_i18n_pages import english_left

pytestmark = pytest.mark.browser


def test_a_nurse_switches_to_danish_and_the_choice_outlives_the_session(
    live_server: LiveServer, browser_seeded: Seeded, new_page: Any
) -> None:
    base = live_server.url
    page = new_page()
    log_in(page, base, "site_staff")
    page.get_by_role("button", name="Dansk").click()
    assert page.locator("html").get_attribute("lang") == "da"
    assert page.get_by_role("link", name="Deltagere", exact=True).is_visible()
    page.get_by_role("link", name="Deltagere", exact=True).click()
    assert english_left(page.content()) == []
    page.goto(f"{base}/participants/{browser_seeded.randomised}/forms/baseline")
    assert page.get_by_text("Vægt (kg)").first.is_visible()
    assert english_left(page.content()) == []
    page.get_by_role("button", name="Log ud").click()
    # Logged out, the next login page is still Danish: the choice is the browser's cookie.
    page.goto(base + "/login")
    assert page.get_by_role("button", name="Log ind").is_visible()
    page.get_by_role("button", name="English").click()
    assert page.get_by_role("button", name="Log in").is_visible()


def test_the_weekly_link_opens_in_danish_without_codes(
    live_server: LiveServer, browser_seeded: Seeded, new_page: Any
) -> None:
    base = live_server.url
    staff = new_page()
    log_in(staff, base, "site_staff")
    staff.goto(f"{base}/participants/{browser_seeded.randomised}")
    staff.get_by_role("button", name=re.compile("weekly report link")).click()
    link = staff.locator("#report-link").inner_text()
    phone = new_page()
    phone.goto(link)
    assert phone.locator("html").get_attribute("lang") == "da"
    assert phone.get_by_role("heading", name="Din ugerapport").is_visible()
    text = phone.locator("main").inner_text()
    assert "LBP_DAYS" not in text and "SICK_LEAVE_DAYS" not in text
    assert english_left(phone.content()) == []
