"""The trail's rows for events other than form changes say their details in words, in the
reader's language: a form by its label, a role by its name, yes or no, a date as the language
writes it; never a stored `key=value` or a dict."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from aiohttp.test_utils import TestClient

from edc.audit.detail_words import details_words
from edc.demo.users import UNBLINDING_REASON
from tests.security.blind_store import sign_in_as
from tests.web import live_demo
from tests.web.live_demo import RECORDED_DEVIATION
from tests.web.untranslated import english_runs, visible_text
from web.config import WebConfig
from web.i18n import _language, use_language
from web.views.audit import DETAIL_WORDING

# The demo store, and the web app on a copy of it, in place of the seeded store's client.
demo = live_demo.demo
client = live_demo.client


def summaries(page: str) -> list[str]:
    """The Changes cell of every row that lists no item changes: the row's summary."""
    cells = re.findall(r'<td class="changes">(.*?)</td>', page, re.S)
    return [visible_text(cell).strip() for cell in cells if "<ul" not in cell]


def event_types(page: str) -> list[str]:
    select = re.search(r'<select id="a-type" name="type">(.*?)</select>', page, re.S)
    assert select
    return [html_lib.unescape(v) for v in re.findall(r'<option value="([^"]+)"', select[1])]


async def language(client: TestClient, lang: str) -> None:
    page = await (await client.get("/")).text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    await client.post("/language", data={"csrf_token": token[1], "lang": lang})


async def rows_by_type(client: TestClient) -> dict[str, list[str]]:
    first = await (await client.get("/audit")).text()
    shown: dict[str, list[str]] = {}
    for event_type in event_types(first):
        page = await (await client.get("/audit", params={"type": event_type, "limit": "10"})).text()
        found = summaries(page)
        if found:
            shown[event_type] = found
    return shown


# What people typed in the demo (query texts, a deviation's description, why an account is not
# blinded) stays as typed.
TYPED = (
    RECORDED_DEVIATION,
    UNBLINDING_REASON,
    "Please check the severity against the source document.",
    "Please check",
    "against the source document",
    "Corrected from the source document",
    "Checked: the value matches the source.",
    "Checked: the severity matches the hospital's letter.",
    "Resolved",
    "Reopened",
)


@pytest.mark.parametrize("name", ["ulla", "mona"])
async def test_every_audit_row_of_the_demo_reads_as_danish_words(
    client: TestClient, web_config: WebConfig, name: str
) -> None:
    sign_in_as(client, web_config, name)
    await language(client, "da")
    shown = await rows_by_type(client)
    assert len(shown) > 5
    for event_type, texts in shown.items():
        for text in texts:
            assert "=" not in text and "{" not in text, (event_type, text)
            assert english_runs(text, TYPED) == [], (event_type, text)
    assert (
        "Konto oprettet: navn sara; rolle afdelingspersonale; afdeling RINGE; blindet nej"
        in (shown["User.Registered"])
    )


async def test_every_audit_row_of_the_demo_reads_as_english_words(
    client: TestClient, web_config: WebConfig
) -> None:
    sign_in_as(client, web_config, "ulla")
    shown = await rows_by_type(client)
    for event_type, texts in shown.items():
        for text in texts:
            assert "=" not in text and "{" not in text, (event_type, text)
    registered = "Account created: name sara; role site staff; site RINGE; blinded no"
    assert registered in shown["User.Registered"]
    assert any("meaning approval" in text for text in shown["Participant.Signed"])
    # An item by its label, not its code.
    assert any("item EQ VAS, own health today;" in text for text in shown["Query.Raised"])


def test_a_cleared_verification_names_the_correction_that_cleared_it() -> None:
    """The cause is stored as the event that cleared it; it reads as the correction of the form
    by the row's user, in the reader's language."""
    row = {
        "type": "Participant.VerificationCleared",
        "form": "baseline",
        "user": "sara",
        "details": {
            "form": "baseline",
            "cause": {"event": "FormCorrected", "participant_version": 7},
        },
    }
    wording = DETAIL_WORDING
    token = use_language("da")
    try:
        danish = details_words(row, wording)
    finally:
        _language.reset(token)
    assert danish == "efter en rettelse af Baseline foretaget af sara"
    assert details_words(row, wording) == "after a correction of Baseline by sara"
