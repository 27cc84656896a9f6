"""axe-core on every kind of page each role can reach: the crawler follows every link from the
dashboard and runs axe once on each page kind (the same route with other ids or filters is the
same template), so a page added later is checked without being listed here. A page giving back
unsaved typing is checked too."""

from __future__ import annotations

import re
from collections import deque
from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError

from tests.browser.helpers import log_in
from tests.browser.test_idle_timeout import MINUTE, clocked_server, web_now  # noqa: F401
from tests.live_server import LiveServer
from tests.web.conftest import FakeNow

pytestmark = pytest.mark.browser

ROLES = ("site_staff", "assessor", "investigator", "monitor", "data_manager", "analyst", "admin")
# Downloads (a browser saves them; no page to check) and the way out.
NOT_PAGES = re.compile(r"\.(pdf|zip|csv|json|xml)$|^/exports/.|/files/|^/static/|^/logout$")
ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SAME_TEMPLATE = (
    (re.compile(r"/visits/[^/]+/"), "/visits/V/"),
    (re.compile(r"/items/[^/]+/"), "/items/I/"),
    (re.compile(r"^/queries/[^/]+$"), "/queries/Q"),
    (re.compile(r"^/users/[^/]+$"), "/users/U"),
    (re.compile(r"^/reports/[^/]+$"), "/reports/R"),
    (re.compile(r"^/analysis/jobs/[^/]+$"), "/analysis/jobs/J"),
)


def page_kind(href: str) -> str | None:
    parts = urlsplit(href)
    if parts.netloc and parts.netloc != "127.0.0.1" and not parts.netloc.startswith("127.0.0.1:"):
        return None
    path = parts.path
    if not path.startswith("/") or NOT_PAGES.search(
        path + ("?" + parts.query if parts.query else "")
    ):
        return None
    kind = ID.sub("ID", path)
    for pattern, replacement in SAME_TEMPLATE:
        kind = pattern.sub(replacement, kind)
    keys = sorted({pair.split("=")[0] for pair in parts.query.split("&") if pair})
    return kind + ("?" + ",".join(keys) if keys else "")


def _violations(page: Any) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']}: {[node['target'] for node in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]


def test_every_page_a_role_reaches_has_no_accessibility_violations(
    live_server: LiveServer, new_page: Any
) -> None:
    base = live_server.url
    seen: set[str] = set()
    found: dict[str, list[str]] = {}
    for role in ROLES:
        page = new_page()
        log_in(page, base, role)
        queue: deque[str] = deque(["/"])
        while queue:
            path = queue.popleft()
            kind = page_kind(path)
            if kind is None or kind in seen:
                continue
            seen.add(kind)
            try:
                response = page.goto(base + path)
            except PlaywrightError as error:
                if "Download is starting" in str(error):
                    continue
                raise
            if (
                response is None
                or response.status != 200
                or "html" not in (response.headers.get("content-type") or "")
            ):
                continue
            violations = _violations(page)
            if violations:
                found[f"{role} {path}"] = violations
            links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
            for href in links:
                parts = urlsplit(href)
                if href.startswith(base):
                    queue.append(parts.path + ("?" + parts.query if parts.query else ""))
    assert len(seen) > 30, sorted(seen)
    assert found == {}


def test_a_page_giving_back_unsaved_typing_has_no_accessibility_violations(
    clocked_server: LiveServer,  # noqa: F811
    web_now: FakeNow,  # noqa: F811
    new_page: Any,
) -> None:
    base, page = clocked_server.url, new_page()
    log_in(page, base, "site_staff")
    page.goto(base + "/participants/new")
    page.locator("#item-AGE").fill("52")
    web_now.value += 31 * MINUTE
    page.get_by_role("button", name="Screen and issue a screening number").click()
    page.get_by_label("User name").fill("sara")
    page.get_by_label("Password").fill("x")
    assert page.locator("#kept-typing").is_visible()
    assert _violations(page) == []
    log_in(page, base, "site_staff")
    page.goto(base + "/participants/new")
    assert page.locator("#unsaved-typing").is_visible()
    assert _violations(page) == []
