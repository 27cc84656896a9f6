"""A stale save merged per item: who changed which item meanwhile, theirs or mine per item,
and never a revert of an item the user did not touch."""

from __future__ import annotations

import re

from tests import factories
from tests.web.conftest import Client, MakeClient, sign_in
from tests.web.store import Seeded
from tests.web.test_forms import as_post
from web.config import WebConfig

CORRECTION = {"reason_code": "transcription_error", "reason_text": "paper form"}


async def _two(make_client: MakeClient, web_config: WebConfig) -> tuple[Client, str, Client, str]:
    sara, ivan = await make_client(), await make_client()
    return (
        sara,
        sign_in(sara, web_config, "site_staff"),
        ivan,
        sign_in(ivan, web_config, "investigator"),
    )


def _value(html: str, item: str) -> str:
    # A text box, or the choice checked in a row of choices (the 0-10 scales).
    match = re.search(rf'id="item-{item}" name="{item}" value="([^"]*)"', html) or re.search(
        rf'name="{item}" value="([^"]*)" checked', html
    )
    assert match, item
    return match.group(1)


async def test_an_item_the_user_did_not_touch_keeps_the_colleagues_correction(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    sara, sara_token, ivan, ivan_token = await _two(make_client, web_config)
    path = f"/participants/{seeded.ready}/forms/baseline"
    # Both opened version 1. Ivan corrects the pain now; Sara corrects the worst pain.
    ivan_saves = as_post(
        factories.outcomes(LBP_NOW=8), csrf_token=ivan_token, expected_version="1", **CORRECTION
    )
    assert (await ivan.post(path, data=ivan_saves)).status == 200
    sara_saves = as_post(
        factories.outcomes(LBP_WORST_2W=9),
        csrf_token=sara_token,
        expected_version="1",
        **CORRECTION,
    )
    stale = await sara.post(path, data=sara_saves)
    assert stale.status == 409
    html = await stale.text()
    # Only the item Ivan changed is marked, naming him; it shows his value, not her stale 6.
    assert html.count('class="msg theirs merge"') == 1 and 'id="merge-LBP_NOW"' in html
    note = html[html.index('id="merge-LBP_NOW"') :]
    assert "ivan (investigator)" in note[:400] and "6 → <strong>8</strong>" in note[:400]
    assert "their value is kept" in note[:600]
    assert _value(html, "LBP_NOW") == "8" and _value(html, "LBP_WORST_2W") == "9"
    summary = html[html.index('id="merge-summary"') :]
    assert "by ivan (investigator) on 2024-02-01" in summary and "LBP_NOW" in summary[:600]
    assert 'name="keep_' not in html  # nothing both changed: nothing to choose
    # Saving the merged page keeps both corrections.
    merged = [(k, "8" if k == "LBP_NOW" else v) for k, v in sara_saves]
    merged = [(k, "2" if k == "expected_version" else v) for k, v in merged]
    saved = await sara.post(path, data=merged)
    assert saved.status == 200
    after = await (await sara.get(path)).text()
    assert _value(after, "LBP_NOW") == "8" and _value(after, "LBP_WORST_2W") == "9"


async def test_an_item_both_changed_is_settled_per_item_theirs_or_mine(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    sara, sara_token, ivan, ivan_token = await _two(make_client, web_config)
    path = f"/participants/{seeded.ready}/forms/baseline"
    ivan_saves = as_post(
        factories.outcomes(LBP_NOW=8, LEG_NOW=3),
        csrf_token=ivan_token,
        expected_version="1",
        **CORRECTION,
    )
    assert (await ivan.post(path, data=ivan_saves)).status == 200
    sara_saves = as_post(
        factories.outcomes(LBP_NOW=7, LEG_NOW=1),
        csrf_token=sara_token,
        expected_version="1",
        **CORRECTION,
    )
    stale = await sara.post(path, data=sara_saves)
    html = await stale.text()
    assert stale.status == 409 and "2 items you both changed" in html
    for item in ("LBP_NOW", "LEG_NOW"):
        assert f'name="conflict" value="{item}"' in html
        assert f'id="keep-{item}-theirs"' in html and f'id="keep-{item}-mine"' in html
    assert _value(html, "LBP_NOW") == "7"  # her own typing stays in the field
    again = [(k, "2" if k == "expected_version" else v) for k, v in sara_saves]
    again += [("conflict", "LBP_NOW"), ("conflict", "LEG_NOW"), ("seen_version", "1")]
    # No choice made: nothing is saved and the page asks for one.
    unchosen = await sara.post(path, data=again)
    text = await unchosen.text()
    assert unchosen.status == 422 and 'id="keep-err-LBP_NOW"' in text
    assert 'name="seen_version" value="1"' in text and "ivan (investigator)" in text
    # Theirs for the pain now, mine for the leg pain.
    chosen = await sara.post(
        path, data=[*again, ("keep_LBP_NOW", "theirs"), ("keep_LEG_NOW", "mine")]
    )
    assert chosen.status == 200
    after = await (await sara.get(path)).text()
    assert _value(after, "LBP_NOW") == "8" and _value(after, "LEG_NOW") == "1"


async def test_a_stale_save_merge_never_shows_the_arm_to_a_blinded_assessor(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    anna, other = await make_client(), await make_client()
    token = sign_in(anna, web_config, "assessor")
    sign_in(other, web_config, "assessor")
    path = f"/participants/{seeded.randomised}/forms/week10"
    first = as_post(
        factories.outcomes("week10", ASSESS_DATE="2024-01-31"),
        csrf_token=token,
        expected_version="0",
        confirm_warnings="yes",
    )
    assert (await anna.post(path, data=first)).status == 200
    stale = await anna.post(
        path,
        data=as_post(
            factories.outcomes("week10", ASSESS_DATE="2024-01-31", LBP_NOW=2),
            csrf_token=token,
            expected_version="0",
            confirm_warnings="yes",
        ),
    )
    html = await stale.text()
    assert stale.status == 409 and seeded.arm not in html
    for form in ("adherence", "adverse_event", "discontinuation"):
        refused = await anna.post(
            f"/participants/{seeded.randomised}/forms/{form}",
            data={"csrf_token": token, "expected_version": "0", "conflict": "X"},
        )
        assert refused.status in (403, 404), form
        assert seeded.arm not in await refused.text()
