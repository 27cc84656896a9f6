"""A site's day in a real browser: query answers that correct, locked forms shown read-only,
stale saves merged per item, and signing that shows what is signed."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.app.conftest import PASSWORD
from tests.browser.helpers import item_value, log_in, type_item
from tests.live_server import LiveServer
from tests.web.crawl import arm_leaks
from tests.web.store import Seeded
from tests.web.test_i18n_pages import english_left

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
    staff.get_by_role("link", name="Queries", exact=True).click()
    staff.get_by_role("link", name="The source says 7, not 6?").click()
    # First a look at the source, no change: the page says the value is unchanged.
    staff.get_by_label("Answer", exact=True).fill("Checking the source")
    staff.get_by_role("button", name="Send answer").click()
    assert "The value is unchanged" in staff.locator(".flash").inner_text()
    # Answered, still not closed: the site answers again; the typed value is the correction.
    assert staff.get_by_role("heading", name="Answer again").is_visible()
    staff.get_by_label("Answer", exact=True).fill("Yes: 7 per the source")
    type_item(staff, "LBP_NOW", 7)
    staff.get_by_role("button", name="Send answer").click()
    assert "The correction is recorded (LBP_NOW 6 → 7)" in staff.locator(".flash").inner_text()
    assert staff.locator("#query-current").inner_text() == "7"


def test_a_locked_form_shows_read_only_with_who_when_and_why(
    live_server: LiveServer, browser_seeded: Seeded, new_page: Any
) -> None:
    base, pid = live_server.url, browser_seeded.ready
    manager = new_page()
    log_in(manager, base, "data_manager")
    manager.goto(base + f"/participants/{pid}/forms/consent")
    manager.get_by_label("Reason for locking (shown on the form)").fill("Monitored and clean")
    manager.get_by_role("button", name="Lock form").click()
    assert "Informed consent locked." in manager.locator(".flash").inner_text()

    staff = new_page()
    log_in(staff, base, "site_staff")
    staff.goto(base + f"/participants/{pid}/forms/consent")
    notice = staff.locator("#lock-notice")
    assert "This form is locked" in notice.inner_text()
    assert staff.locator("#lock-by").inner_text() == "dana (data manager)"
    assert staff.locator("#lock-at").inner_text().endswith(" CET")
    assert staff.locator("#lock-why").inner_text() == "Monitored and clean"
    assert staff.locator("#item-CONSENT_DATE").is_disabled()
    assert staff.get_by_role("button", name="Save correction").count() == 0
    assert staff.get_by_role("button", name="Save as incomplete draft").count() == 0


def test_a_stale_save_is_merged_per_item_and_keeps_the_colleagues_correction(
    live_server: LiveServer, browser_seeded: Seeded, new_page: Any
) -> None:
    base, pid = live_server.url, browser_seeded.ready
    path = base + f"/participants/{pid}/forms/baseline"
    sara, ivan = new_page(), new_page()
    log_in(sara, base, "site_staff")
    log_in(ivan, base, "investigator")
    sara.goto(path)
    ivan.goto(path)
    # Ivan corrects two items and saves first.
    type_item(ivan, "LBP_NOW", 8)
    type_item(ivan, "LEG_NOW", 3)
    ivan.locator("#reason_code").select_option("transcription_error")
    ivan.get_by_role("button", name="Save correction").click()
    assert "Baseline saved." in ivan.locator(".flash").inner_text()
    # Sara, on the version she opened, corrects the leg pain too and the worst back pain.
    type_item(sara, "LEG_NOW", 1)
    type_item(sara, "LBP_WORST_2W", 9)
    sara.locator("#reason_code").select_option("late_source")
    sara.get_by_role("button", name="Save correction").click()
    assert "changed by someone else" in sara.locator("#form-message").inner_text()
    assert "ivan (investigator)" in sara.locator("#merge-summary").inner_text()
    # The item she did not touch shows Ivan's value, said so; the one both changed asks.
    assert item_value(sara, "LBP_NOW") == "8"
    assert "their value is kept" in sara.locator("#merge-LBP_NOW").inner_text()
    assert sara.locator("#merge-LBP_WORST_2W").count() == 0
    assert "ivan (investigator)" in sara.locator("#merge-LEG_NOW").inner_text()
    sara.locator("#keep-LEG_NOW-theirs").check()
    sara.get_by_role("button", name="Save the merged values").click()
    assert "Baseline saved." in sara.locator(".flash").inner_text()
    assert item_value(sara, "LBP_NOW") == "8"
    assert item_value(sara, "LEG_NOW") == "3"
    assert item_value(sara, "LBP_WORST_2W") == "9"


def test_the_investigator_sees_what_is_signed_gives_a_reason_and_sees_re_sign_needed(
    live_server: LiveServer, browser_seeded: Seeded, new_page: Any
) -> None:
    base, pid = live_server.url, browser_seeded.ready
    investigator = new_page()
    log_in(investigator, base, "investigator")
    investigator.goto(base + f"/participants/{pid}")
    investigator.get_by_role("link", name="Sign the casebook…").click()
    assert investigator.locator("#signed-baseline-LBP_NOW").inner_text() == "6"
    assert len(investigator.locator("#content-hash").inner_text()) == 64
    warning = investigator.locator("#incomplete-warning").inner_text()
    assert "This casebook is incomplete" in warning and "Week 10 outcomes" in warning
    investigator.get_by_label("Reason for signing although incomplete (required)").fill(
        "Interim review before the follow-up visits"
    )
    investigator.get_by_label("Review: I have reviewed the data").check()
    investigator.get_by_label("Password (re-enter to sign)").fill(PASSWORD)
    investigator.get_by_role("button", name="Sign").click()
    assert "Signed (review): casebook." in investigator.locator(".flash").inner_text()

    staff = new_page()
    log_in(staff, base, "site_staff")
    staff.goto(base + f"/participants/{pid}/forms/baseline")
    type_item(staff, "LBP_NOW", 7)
    staff.locator("#reason_code").select_option("transcription_error")
    staff.get_by_role("button", name="Save correction").click()
    assert "Baseline saved." in staff.locator(".flash").inner_text()

    investigator.goto(base + f"/participants/{pid}")
    assert investigator.locator("#casebook-resign").inner_text() == "re-sign needed"
    row = investigator.locator(
        "tr", has=investigator.get_by_role("link", name="Baseline", exact=True)
    )
    assert "re-sign needed" in row.inner_text()
    assert arm_leaks(investigator.content()) == []


def test_a_danish_stale_save_of_coded_items_keeps_the_colleagues_codes_and_asks_per_item(
    live_server: LiveServer, browser_seeded: Seeded, new_page: Any
) -> None:
    base, pid = live_server.url, browser_seeded.ready
    path = base + f"/participants/{pid}/forms/baseline"
    sara, ivan = new_page(), new_page()
    for page, role in ((sara, "site_staff"), (ivan, "investigator")):
        log_in(page, base, role)
        page.get_by_role("button", name="Dansk").click()
        page.goto(path)
    # Ivan changes a radio code and the pain medication ticks, and the bother, and saves first.
    ivan.locator("#wrap-PHYSICAL_LOAD").get_by_label("Moderat fysisk arbejde").check()
    medication = ivan.locator("#wrap-PAIN_MEDICATION")
    medication.locator("input[value='none']").uncheck()
    medication.locator("input[value='paracetamol']").check()
    ivan.locator("#wrap-BOTHER").get_by_label("Ekstremt").check()
    ivan.locator("#reason_code").select_option("transcription_error")
    ivan.get_by_role("button", name="Gem rettelse").click()
    assert "Baseline gemt." in ivan.locator(".flash").inner_text()
    # Sara, on the version she opened, types the weight with a comma and changes the bother.
    sara.locator("#item-WEIGHT_KG").fill("75,5")
    sara.locator("#wrap-BOTHER").get_by_label("Slet ikke").check()
    sara.locator("#reason_code").select_option("late_source")
    sara.get_by_role("button", name="Gem rettelse").click()
    assert "ændret af en anden" in sara.locator("#form-message").inner_text()
    assert "ivan" in sara.locator("#merge-summary").inner_text()
    load = sara.locator("#merge-PHYSICAL_LOAD").inner_text()
    assert "Moderat fysisk arbejde" in load and "deres værdi beholdes" in load
    assert re.search(r"\d+\. feb\.? 2024 \d\d\.\d\d CET", load), load
    # Who changed it reads as part of the sentence, not as a block of its own.
    who = sara.locator("#merge-PHYSICAL_LOAD .changed-by")
    assert who.evaluate("element => getComputedStyle(element).display") == "inline"
    assert sara.locator("#merge-WEIGHT_KG").count() == 0
    assert sara.locator("#wrap-PHYSICAL_LOAD input[value='3']").is_checked()
    assert sara.locator("#wrap-PAIN_MEDICATION input[value='paracetamol']").is_checked()
    assert not sara.locator("#wrap-PAIN_MEDICATION input[value='none']").is_checked()
    assert "Deres: Ekstremt" in sara.locator("#merge-BOTHER").inner_text()
    assert english_left(sara.content()) == []
    sara.locator("#keep-BOTHER-mine").check()
    sara.get_by_role("button", name="Gem de sammenflettede værdier").click()
    assert "Baseline gemt." in sara.locator(".flash").inner_text()
    assert sara.locator("#wrap-PHYSICAL_LOAD input[value='3']").is_checked()
    assert sara.locator("#wrap-PAIN_MEDICATION input[value='paracetamol']").is_checked()
    assert not sara.locator("#wrap-PAIN_MEDICATION input[value='none']").is_checked()
    assert sara.locator("#wrap-BOTHER input[value='1']").is_checked()
    assert item_value(sara, "WEIGHT_KG") == "75,5"


def test_a_nurse_types_a_correction_and_clicks_save_at_once_and_it_is_saved(
    live_server: LiveServer, browser_seeded: Seeded, new_page: Any
) -> None:
    base, pid = live_server.url, browser_seeded.ready
    sara = new_page()
    log_in(sara, base, "site_staff")
    sara.get_by_role("button", name="Dansk").click()
    sara.goto(base + f"/participants/{pid}/forms/baseline")
    # The reason first, then the weight typed, then straight to the button: the reason box
    # has moved beside the weight while she typed, so the button does not move under her
    # pointer when the field loses focus.
    sara.locator("#reason_code").select_option("transcription_error")
    sara.locator("#wrap-BOTHER").get_by_label("Ekstremt").check()
    sara.locator("#item-WEIGHT_KG").fill("")
    sara.locator("#item-WEIGHT_KG").press_sequentially("75,5")
    explains = sara.locator("#reason-items").inner_text()
    assert "Vægt (kg)" in explains and "Weight" not in explains, explains
    sara.get_by_role("button", name="Gem rettelse").click()
    assert "Baseline gemt." in sara.locator(".flash").inner_text()
    assert item_value(sara, "WEIGHT_KG") == "75,5"
