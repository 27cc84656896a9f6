"""Browser tests: Playwright driving Debian's chromium against a live server on 127.0.0.1.

The server runs in-process on its own event loop in a thread, on a free port, over a copy of
the seeded test store. Playwright cannot download browsers here, so the system chromium is
launched by path; without it the tests are skipped, except under CI=true where that is a
failure. A failing test leaves a screenshot in test-artifacts/.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.app.conftest import StepClock
from tests.live_server import LiveServer
from tests.web.store import Seeded, build_template

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed (apt-get install -y chromium)")
        pytest.skip("chromium is not installed")
    return path


@pytest.fixture(scope="session")
def browser_seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    return build_template(tmp_path_factory.mktemp("browser-template") / "var")


@pytest.fixture
def live_clock() -> StepClock:
    return StepClock(datetime(2024, 2, 1, 9, 0, tzinfo=UTC))


@pytest.fixture
def live_server(
    browser_seeded: Seeded, tmp_path: Path, live_clock: StepClock
) -> Iterator[LiveServer]:
    server = LiveServer(browser_seeded.copy_to(tmp_path / "var"), live_clock).start()
    yield server
    server.stop()


# Package scope, not session: Playwright's sync API keeps an event loop running in this thread
# while it is open, which would break every asyncio test collected after the browser tests.
@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Playwright gives every launch a fresh temporary profile (user-data-dir).
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


FAILED = pytest.StashKey[bool]()


@pytest.fixture
def new_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """Open pages, each in its own browser context (its own cookies): one per person."""
    contexts: list[Any] = []
    pages: list[Any] = []

    def make() -> Any:
        context = browser.new_context(viewport={"width": 1024, "height": 768})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        pages.append(page)
        return page

    yield make
    if request.node.stash.get(FAILED, False):
        ARTIFACTS.mkdir(exist_ok=True)
        for number, page in enumerate(pages):
            page.screenshot(path=ARTIFACTS / f"{request.node.name}-{number}.png", full_page=True)
    for context in contexts:
        context.close()
