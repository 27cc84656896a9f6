"""axe-core on the pages this layout draws: the sectioned baseline with its grid and scale rows,
the MRI form with a level's row shown, a refused correction with the reason beside the item,
the idle-timeout warning and the login page that says the typing is kept."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests import factories
from tests.app.conftest import NAMES
from tests.browser.helpers import log_in
from tests.browser.test_form_layout import _consented
from tests.live_server import LiveServer
from tests.web.store import Seeded

pytestmark = pytest.mark.browser


def _violations(page: Any) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']}: {[node['target'] for node in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]


def test_the_form_pages_have_no_accessibility_violations(
    live_server: LiveServer, browser_seeded: Seeded, new_page: Any
) -> None:
    base, page = live_server.url, new_page()
    pid = _consented(live_server)
    log_in(page, base, "site_staff")
    page.goto(base + f"/participants/{pid}/forms/baseline")
    assert _violations(page) == []
    trial = live_server.trial
    assert trial is not None
    screened = trial.screen(trial.actor_for(NAMES["site_staff"]), factories.screening())["id"]
    page.goto(base + f"/participants/{screened}/forms/mri")
    page.locator("#wrap-MODIC_PRESENT").get_by_label("Yes", exact=False).check()
    page.locator("#wrap-MODIC_LEVELS").get_by_label("L4/L5").check()
    assert _violations(page) == []
    page.goto(base + f"/participants/{browser_seeded.ready}/forms/baseline")
    page.locator("#wrap-LBP_NOW").get_by_label("3", exact=True).check()
    page.get_by_role("button", name="Save correction").click()
    expect(page.locator("#reason-explains")).to_be_visible()
    assert _violations(page) == []
    page.goto(base + "/participants/new")
    assert _violations(page) == []


def test_the_idle_warning_and_the_kept_notice_have_no_accessibility_violations(
    live_server: LiveServer, new_page: Any
) -> None:
    base, page = live_server.url, new_page()
    page.clock.install()
    log_in(page, base, "site_staff")
    page.goto(base + "/")
    # The server's clock is the wall clock here: the warning shows the real time left.
    page.evaluate("document.getElementById('idle-warning').hidden = false")
    assert _violations(page) == []
    page.goto(base + "/login?expired=1&kept=1&next=/")
    assert page.locator("#kept-typing").is_visible()
    assert _violations(page) == []
