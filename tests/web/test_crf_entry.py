"""Entering the corrected CRF on the pages and through the API: a missing code per item (no
JavaScript), drafts saved incomplete showing what is missing, adverse event pages for
unblinded roles only, and the instruments' validated wording from the site's file."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.crf.instruments import WordingInvalid, parse_wording
from tests import factories
from tests.web.conftest import Client, MakeClient, bearer, sign_in
from tests.web.store import Seeded
from tests.web.test_forms import as_post
from tests.web.test_security import inline_scripts
from web.config import WebConfig
from web.instruments import WORDING_SETTING, wording_from_environ

API = "/api/v1"


async def _to_baseline(client: Client, token: str, pid: str) -> None:
    for form, items in (("mri", factories.mri()), ("consent", factories.consent())):
        saved = await client.post(
            f"/participants/{pid}/forms/{form}",
            data=as_post(items, csrf_token=token, expected_version="0"),
        )
        assert saved.status == 200, await saved.text()


async def test_a_missing_code_is_picked_per_item_and_a_draft_lists_what_is_missing(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    token = sign_in(client, web_config, "site_staff")
    pid = seeded.screened
    await _to_baseline(client, token, pid)
    page = await (await client.get(f"/participants/{pid}/forms/baseline")).text()
    assert 'name="RMDQ_05_NC"' in page and 'name="EQ5D_MO_NC"' in page
    assert 'name="SMOKER_NC"' not in page and inline_scripts(page) == []
    assert 'name="save_as" value="incomplete"' in page
    items = factories.outcomes()
    del items["RMDQ_05"], items["BOTHER"], items["EQ5D_UA"]
    refused = await client.post(
        f"/participants/{pid}/forms/baseline",
        data=as_post({**items, "RMDQ_05_NC": "ANS"}, csrf_token=token, expected_version="0"),
    )
    assert refused.status == 422
    html = await refused.text()
    assert 'id="err-BOTHER"' in html and 'id="err-EQ5D_UA"' in html
    assert 'id="err-RMDQ_05"' not in html  # its missing code answers it
    assert '<option value="ANS" selected>' in html  # the choice is kept
    draft = await client.post(
        f"/participants/{pid}/forms/baseline",
        data=as_post(
            {**items, "RMDQ_05_NC": "ANS"},
            csrf_token=token,
            expected_version="0",
            save_as="incomplete",
        ),
    )
    html = await draft.text()
    assert draft.status == 200 and "saved as an incomplete draft" in html
    assert 'id="draft-missing"' in html
    assert 'id="missing-BOTHER"' in html and 'id="missing-EQ5D_UA"' in html
    assert 'id="missing-RMDQ_05"' not in html
    assert '<option value="ANS" selected>' in html
    status = await client.post(f"/participants/{pid}/randomise", data={"csrf_token": token})
    assert "incomplete" in await status.text()


async def test_the_api_takes_a_missing_answer_object_and_saves_drafts(
    client: Client, seeded: Seeded
) -> None:
    headers = bearer(seeded, "site_staff")
    path = f"{API}/participants/{seeded.screened}/forms"
    for form, items in (("mri", factories.mri()), ("consent", factories.consent())):
        saved = await client.put(
            f"{path}/{form}", json={"items": items, "expected_version": 0}, headers=headers
        )
        assert saved.status == 200, await saved.text()
    items = factories.outcomes(RMDQ_05={"missing": "ANS"}, EQ5D_MO={"missing": "UNK"})
    del items["BOTHER"]
    refused = await client.put(
        f"{path}/baseline", json={"items": items, "expected_version": 0}, headers=headers
    )
    body = await refused.json()
    assert refused.status == 422 and set(body["fields"]) == {"BOTHER"}
    saved = await client.put(
        f"{path}/baseline",
        json={"items": items, "expected_version": 0, "complete": False},
        headers=headers,
    )
    body = await saved.json()
    assert saved.status == 200, body
    assert body["complete"] is False and body["missing"] == ["BOTHER"]
    assert body["items"]["RMDQ_05"] is None and body["items"]["RMDQ_05_NC"] == "ANS"
    assert body["items"]["EQ5D_MO_NC"] == "UNK" and body["derived"]["EQ5D_INDEX_DK"] is None
    bad = await client.put(
        f"{path}/baseline",
        json={"items": {**items, "BOTHER": {"missing": "SKIPPED"}}, "expected_version": 1},
        headers=headers,
    )
    assert bad.status == 422 and "BOTHER" in (await bad.json())["fields"]
    plain = await client.put(
        f"{path}/baseline",
        json={"items": {**items, "BOTHER": 2}, "expected_version": 1},
        headers=headers,
    )
    body = await plain.json()
    assert plain.status == 200 and body["complete"] is True and body["missing"] == []


async def test_adverse_event_pages_are_for_unblinded_roles_only(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    staff = await make_client()
    token = sign_in(staff, web_config, "site_staff")
    pid = seeded.randomised
    new = await (await staff.get(f"/participants/{pid}/forms/adverse_event")).text()
    assert 'name="AE_TERM"' in new and 'name="AE_NO" value="1"' in new
    saved = await staff.post(
        f"/participants/{pid}/forms/adverse_event",
        data=as_post(
            factories.adverse_event(AE_ONSET="2024-01-16", AE_END="2024-01-18"),
            csrf_token=token,
            expected_version="0",
        ),
    )
    html = await saved.text()
    assert saved.status == 200 and "Adverse event saved." in html
    shown = await (await staff.get(f"/participants/{pid}/forms/adverse_event?week=1")).text()
    assert "Adverse event: event 1" in shown and "Entered events:" in shown
    assessor = await make_client()
    sign_in(assessor, web_config, "assessor")
    for form in ("adverse_event", "discontinuation"):
        hidden = await assessor.get(f"/participants/{pid}/forms/{form}")
        assert hidden.status == 404
    participant = await (await assessor.get(f"/participants/{pid}")).text()
    assert "Adverse event" not in participant and "AE_TERM" not in participant


async def test_the_sites_wording_file_is_shown_beside_the_neutral_labels(
    make_client: MakeClient,
    web_config: WebConfig,
    seeded: Seeded,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wording = tmp_path / "wording.toml"
    wording.write_text(
        'language = "da"\n[items]\nRMDQ_01 = "Statement one as the site licensed it"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv(WORDING_SETTING, str(wording))
    client = await make_client()
    sign_in(client, web_config, "site_staff")
    html = await (await client.get(f"/participants/{seeded.ready}/forms/baseline")).text()
    assert 'id="wording-RMDQ_01"' in html and "Statement one as the site licensed it" in html
    assert "Roland-Morris item 1: stays at home" in html
    assert 'id="wording-RMDQ_02"' not in html


def test_a_wrong_wording_file_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(WordingInvalid, match="unknown items: SMOKER"):
        parse_wording({"items": {"SMOKER": "Do you smoke?"}})
    with pytest.raises(WordingInvalid, match="must be text"):
        parse_wording({"items": {"RMDQ_01": ""}})
    with pytest.raises(WordingInvalid, match=r"\[items\]"):
        parse_wording({"RMDQ_01": "x"})
    broken = tmp_path / "broken.toml"
    broken.write_text("items = [", encoding="utf-8")
    with pytest.raises(WordingInvalid, match="not valid TOML"):
        wording_from_environ({WORDING_SETTING: str(broken)})
    with pytest.raises(WordingInvalid, match="cannot be read"):
        wording_from_environ({WORDING_SETTING: str(tmp_path / "absent.toml")})
    assert wording_from_environ({}) == {}
