"""What the form pages offer is what the form use case accepts, for every account of the
blinding store (each role blinded, unblinded site staff, site roles of another site) and every
form: a page that shows no save button belongs to a save the use case refuses as forbidden
(403/404), and a page that shows one to a save the use case takes up (here refused only as
stale, so nothing is written)."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from domain.protocol import FORMS
from tests.security.blind_store import (
    BLINDED,
    OTHER_SITE,
    UNBLINDED_STAFF,
    BlindStore,
    sign_in_as,
)
from web.config import WebConfig

ACCOUNTS = [UNBLINDED_STAFF, *BLINDED.values(), *OTHER_SITE.values()]
SAVE = 'name="expected_version"'  # the save form's own field
STALE = "999"


@pytest.mark.parametrize("name", ACCOUNTS)
async def test_a_form_page_offers_a_save_exactly_when_the_use_case_takes_it(
    blind_client: TestClient, blind_store: BlindStore, web_config: WebConfig, name: str
) -> None:
    csrf = sign_in_as(blind_client, web_config, name)
    pid = blind_store.without_forms
    disagreements = []
    offered_forms = []
    for form in FORMS:
        path = f"/participants/{pid}/forms/{form}"
        page = await blind_client.get(path)
        offered = page.status == 200 and SAVE in await page.text()
        if offered:
            offered_forms.append(form)
        saved = await blind_client.post(
            path, data={"csrf_token": csrf, "expected_version": STALE}, allow_redirects=False
        )
        assert saved.status != 500, (name, form, await saved.text())
        refused_as_forbidden = saved.status in (403, 404)
        if offered == refused_as_forbidden:
            disagreements.append((form, page.status, offered, saved.status))
    assert disagreements == [], name
    if name == UNBLINDED_STAFF:  # the check sees both answers
        assert "adherence" in offered_forms and "week10" not in offered_forms
