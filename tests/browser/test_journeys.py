"""A journey per role in a real browser (chromium, headless)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests import factories
from tests.browser.conftest import LiveServer
from tests.browser.helpers import fill_form, log_in

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
    page.get_by_role("button", name="Save").click()
    assert page.locator("#err-MRI_DATE").is_visible()
    assert page.locator("#wrap-MODIC_TYPE input[value='1']").is_checked()
    fill_form(page, "mri", {"MRI_DATE": "2024-01-12"})
    page.get_by_role("button", name="Save").click()
    assert "MRI saved." in page.locator(".flash").inner_text()

    for form, label, items in (
        ("consent", "Informed consent", factories.consent()),
        ("baseline", "Baseline", factories.outcomes()),
    ):
        page.get_by_role("link", name=re.compile(r"Participant RINGE-0004")).click()
        page.get_by_role("link", name=label, exact=True).click()
        fill_form(page, form, items)
        page.get_by_role("button", name="Save").click()
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
