"""Paper in a real browser: a page printed shows the record without navigation or buttons, and
the participant page's casebook link downloads the reader's PDF."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from tests.browser.helpers import log_in
from tests.live_server import LiveServer
from tests.web.store import Seeded

pytestmark = pytest.mark.browser


def test_pages_print_without_navigation_or_buttons(
    live_server: LiveServer, browser_seeded: Seeded, new_page: Any
) -> None:
    page = new_page()
    log_in(page, live_server.url, "investigator")
    participant = f"/participants/{browser_seeded.randomised}"
    for path in (
        participant,
        f"{participant}/forms/baseline",
        f"{participant}/audit",
        "/participants",
        "/queries",
        "/audit",
        "/casebooks",
    ):
        page.goto(live_server.url + path)
        nav = page.get_by_role("navigation", name="Main")
        logout = page.get_by_role("button", name="Log out")
        assert nav.is_visible() and logout.is_visible()
        page.emulate_media(media="print")
        assert not nav.is_visible(), path
        assert not logout.is_visible(), path
        assert page.locator("h1").is_visible(), path
        assert page.get_by_role("button").filter(visible=True).count() == 0, path
        page.emulate_media(media="screen")


def test_the_casebook_link_downloads_the_readers_pdf(
    live_server: LiveServer, browser_seeded: Seeded, new_page: Any, tmp_path: Path
) -> None:
    page = new_page()
    log_in(page, live_server.url, "monitor")
    page.goto(live_server.url + f"/participants/{browser_seeded.randomised}")
    number = re.sub(r"^Participant ", "", page.locator("h1").inner_text())
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Casebook (PDF)").click()
    saved = tmp_path / "casebook.pdf"
    download_info.value.save_as(saved)
    reader = PdfReader(io.BytesIO(saved.read_bytes()))
    text = " ".join(p.extract_text() for p in reader.pages)
    assert f"Casebook of participant {number}" in text
    assert "View: blinded" in text and "Arm:" not in text
