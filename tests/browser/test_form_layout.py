"""Forms a person can fill: sections, the Roland-Morris grid, 0-10 scale rows, items shown
only when they apply, and the reason for change beside the item it explains."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

import pytest

from domain.crf.items import RMDQ_ITEMS
from tests import factories
from tests.app.conftest import NAMES
from tests.browser.helpers import fill_form, log_in
from tests.live_server import LiveServer
from tests.web.store import Seeded

pytestmark = pytest.mark.browser


def _consented(live_server: LiveServer) -> str:
    """A participant screened, MRI-confirmed and consented: the baseline is next."""
    trial = live_server.trial
    assert trial is not None
    staff = trial.actor_for(NAMES["site_staff"])
    pid = UUID(trial.screen(staff, factories.screening())["id"])
    trial.record_mri(staff, pid, factories.mri())
    trial.record_consent(staff, pid, factories.consent())
    return str(pid)


def test_the_baseline_is_in_sections_with_one_roland_morris_grid_and_scale_rows(
    live_server: LiveServer, new_page: Any
) -> None:
    base, page = live_server.url, new_page()
    pid = _consented(live_server)
    log_in(page, base, "site_staff")
    page.goto(base + f"/participants/{pid}/forms/baseline")

    sections = page.locator("nav.sections a")
    assert sections.all_inner_texts()[:4] == [
        "Assessment",
        "Low back pain",
        "Leg pain",
        "Roland-Morris Disability Questionnaire",
    ]
    rmdq = page.get_by_role("heading", name="Roland-Morris Disability Questionnaire")
    assert rmdq.is_visible()
    # One grid holds all 23 statements, a row each, answered by a click on Yes or No.
    grid = page.locator("fieldset.grid")
    assert grid.count() == 1
    assert grid.locator(".grid-row").count() == len(RMDQ_ITEMS) == 23
    row = grid.get_by_role("group", name=re.compile("Roland-Morris item 5:"))
    assert row.get_by_role("radio").count() == 2
    row.get_by_label("Yes").check()
    # A 0-10 scale is one row of eleven choices, not a box to type in.
    scale = page.get_by_role("group", name=re.compile("^LBP now"))
    assert scale.get_by_role("radio").count() == 11
    boxes = [scale.get_by_label(str(n), exact=True).bounding_box() for n in (0, 10)]
    assert boxes[0] and boxes[1] and abs(boxes[0]["y"] - boxes[1]["y"]) < 1  # one row
    scale.get_by_label("7", exact=True).check()

    fill_form(
        page,
        "baseline",
        {k: v for k, v in factories.outcomes().items() if k not in ("LBP_NOW", "RMDQ_05")},
    )
    page.get_by_role("button", name="Save", exact=True).click()
    assert "Baseline saved." in page.locator(".flash").inner_text()
    assert page.locator("#derived-RMDQ_SCORE").inner_text() == "1"
    assert page.locator("#wrap-LBP_NOW input[value='7']").is_checked()
    assert page.locator("#wrap-RMDQ_05 input[value='Y']").is_checked()


def test_an_item_that_applies_under_a_condition_shows_and_hides_with_it(
    live_server: LiveServer, new_page: Any
) -> None:
    base, page = live_server.url, new_page()
    pid = _consented(live_server)
    log_in(page, base, "site_staff")
    page.goto(base + f"/participants/{pid}/forms/baseline")
    sick_leave = page.locator("#wrap-SICK_LEAVE_DAYS_4W")
    assert not sick_leave.is_visible()
    work = page.locator("#wrap-WORK_STATUS")
    work.get_by_label("Working", exact=False).check()
    assert sick_leave.is_visible()
    page.locator("#item-SICK_LEAVE_DAYS_4W").fill("3")
    work.get_by_label("Retired", exact=False).check()
    assert not sick_leave.is_visible()
    # Saved while retired: the hidden item sends nothing, so nothing is refused for it.
    fill_form(
        page,
        "baseline",
        {
            k: v
            for k, v in factories.outcomes().items()
            if k not in ("WORK_STATUS", "SICK_LEAVE_DAYS_4W")
        },
    )
    page.get_by_role("button", name="Save", exact=True).click()
    assert "Baseline saved." in page.locator(".flash").inner_text()
    assert not page.locator("#wrap-SICK_LEAVE_DAYS_4W").is_visible()


def test_each_level_listed_gets_its_row(live_server: LiveServer, new_page: Any) -> None:
    base, page = live_server.url, new_page()
    trial = live_server.trial
    assert trial is not None
    pid = trial.screen(trial.actor_for(NAMES["site_staff"]), factories.screening())["id"]
    log_in(page, base, "site_staff")
    page.goto(base + f"/participants/{pid}/forms/mri")
    assert not page.locator("#wrap-MODIC_LEVELS").is_visible()
    page.locator("#wrap-MODIC_PRESENT").get_by_label("Yes", exact=False).check()
    page.locator("#wrap-MODIC_LEVELS").get_by_label("L5/S1").check()
    assert page.locator("#wrap-LEVEL_MODIC_TYPE_L5S1").is_visible()
    assert not page.locator("#wrap-LEVEL_MODIC_TYPE_L4L5").is_visible()
    page.locator("#wrap-MODIC_LEVELS").get_by_label("L5/S1").uncheck()
    assert not page.locator("#wrap-LEVEL_MODIC_TYPE_L5S1").is_visible()


def test_the_reason_for_change_moves_beside_the_item_it_explains(
    live_server: LiveServer, browser_seeded: Seeded, new_page: Any
) -> None:
    base, page = live_server.url, new_page()
    log_in(page, base, "site_staff")
    page.goto(base + f"/participants/{browser_seeded.ready}/forms/baseline")
    reason = page.locator("#reason")
    assert reason.is_visible()
    page.locator("#wrap-RMDQ_07").get_by_label("Yes").check()
    # Right after the changed row, saying what it explains.
    assert page.locator("#wrap-RMDQ_07 + #reason").count() == 1
    assert "Roland-Morris item 7" in page.locator("#reason-explains").inner_text()
    page.get_by_label("Reason", exact=True).select_option("transcription_error")
    page.get_by_role("button", name="Save correction").click()
    assert "Baseline saved." in page.locator(".flash").inner_text()
    assert page.locator("#wrap-RMDQ_07 input[value='Y']").is_checked()
