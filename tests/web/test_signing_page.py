"""Signing in the browser: the page shows what is signed (the content and its sha256), an
incomplete casebook is signed only with a reason, and signatures a later change made invalid
show as "re-sign needed" on the participant's timeline."""

from __future__ import annotations

import hashlib
import html as html_lib
import re

from tests import factories
from tests.app.conftest import PASSWORD
from tests.web.conftest import Client, MakeClient, sign_in
from tests.web.crawl import arm_leaks
from tests.web.store import Seeded
from tests.web.test_forms import as_post
from tests.web.untranslated import english_runs, visible_text
from web.config import WebConfig


def _shown_hash(page: str) -> str:
    match = re.search(r'id="content-hash">([0-9a-f]{64})<', page)
    assert match, "no content hash on the sign page"
    return match.group(1)


async def _sign(client: Client, token: str, pid: str, page: str, **extra: str) -> Client:
    return await client.post(  # type: ignore[no-any-return]
        f"/participants/{pid}/sign",
        data={
            "csrf_token": token,
            "meaning": "approval",
            "password": PASSWORD,
            "content_hash": _shown_hash(page),
            **extra,
        },
    )


async def test_the_sign_page_shows_the_content_and_the_hash_of_exactly_it(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    token = sign_in(client, web_config, "investigator")
    page = await (await client.get(f"/participants/{seeded.ready}/sign?form=baseline")).text()
    assert 'id="signed-baseline-LBP_NOW">6<' in page
    assert 'id="signed-baseline-WEIGHT_KG">74.5<' in page
    canonical = html_lib.unescape(
        re.search(r'<pre class="canonical">(.*?)</pre>', page, re.S).group(1)
    )  # type: ignore[union-attr]
    assert hashlib.sha256(canonical.encode()).hexdigest() == _shown_hash(page)
    signed = await _sign(client, token, seeded.ready, page, form="baseline")
    assert signed.status == 200 and "Signed (approval)" in await signed.text()
    listing = await (await client.get(f"/participants/{seeded.ready}/sign")).text()
    assert '<span class="badge signed">valid</span>' in listing


async def test_content_changed_after_the_page_was_opened_is_not_signed(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    ivan, sara = await make_client(), await make_client()
    token = sign_in(ivan, web_config, "investigator")
    sara_token = sign_in(sara, web_config, "site_staff")
    page = await (await ivan.get(f"/participants/{seeded.ready}/sign?form=baseline")).text()
    changed = await sara.post(
        f"/participants/{seeded.ready}/forms/baseline",
        data=as_post(
            factories.outcomes(LBP_NOW=9),
            csrf_token=sara_token,
            expected_version="1",
            reason_code="transcription_error",
        ),
    )
    assert changed.status == 200
    refused = await _sign(ivan, token, seeded.ready, page, form="baseline")
    text = await refused.text()
    assert refused.status == 409 and "changed since you opened the page" in text
    assert 'id="signed-baseline-LBP_NOW">9<' in text  # the page now shows what it would sign
    assert "No signatures yet." in text


async def test_an_incomplete_casebook_warns_and_is_signed_only_with_a_reason(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    token = sign_in(client, web_config, "investigator")
    page = await (await client.get(f"/participants/{seeded.ready}/sign")).text()
    warning = page[
        page.index('id="incomplete-warning"') : page.index(
            "</section>", page.index('id="incomplete-warning"')
        )
    ]
    assert "This casebook is incomplete" in warning and "3 form(s) not started" in warning
    assert "Week 10 outcomes" in warning and "End of study" in warning
    assert 'name="incomplete_reason"' in page
    refused = await _sign(client, token, seeded.ready, page)
    text = await refused.text()
    assert refused.status == 422 and "Give a reason to sign it anyway" in text
    assert "No signatures yet." in text
    signed = await _sign(
        client, token, seeded.ready, page, incomplete_reason="Interim review before week 10"
    )
    assert signed.status == 200 and "Signed (approval): casebook" in await signed.text()
    listing = await (await client.get(f"/participants/{seeded.ready}/sign")).text()
    assert "Signed although incomplete: Interim review before week 10" in listing


async def test_a_signature_made_invalid_shows_re_sign_needed_on_the_timeline(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    ivan, sara = await make_client(), await make_client()
    token = sign_in(ivan, web_config, "investigator")
    sara_token = sign_in(sara, web_config, "site_staff")
    pid = seeded.ready
    form_page = await (await ivan.get(f"/participants/{pid}/sign?form=baseline")).text()
    await _sign(ivan, token, pid, form_page, form="baseline")
    casebook_page = await (await ivan.get(f"/participants/{pid}/sign")).text()
    await _sign(ivan, token, pid, casebook_page, incomplete_reason="Interim")
    before = await (await ivan.get(f"/participants/{pid}")).text()
    assert "re-sign needed" not in before
    await sara.post(
        f"/participants/{pid}/forms/baseline",
        data=as_post(
            factories.outcomes(LBP_NOW=9),
            csrf_token=sara_token,
            expected_version="1",
            reason_code="transcription_error",
        ),
    )
    timeline = await (await ivan.get(f"/participants/{pid}")).text()
    baseline_row = timeline[timeline.index(">Baseline</a>") :][:600]
    assert "re-sign needed" in baseline_row
    assert 'id="casebook-resign">re-sign needed<' in timeline
    mri_row = timeline[timeline.index(">MRI</a>") :][:400]
    assert "re-sign needed" not in mri_row
    listing = await (await ivan.get(f"/participants/{pid}/sign")).text()
    assert "no longer valid: re-sign needed" in listing and "changed by sara" in listing


async def test_the_sign_pages_never_show_the_arm_to_a_blinded_investigator(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    token = sign_in(client, web_config, "investigator")
    pid = seeded.randomised
    page = await (await client.get(f"/participants/{pid}/sign")).text()
    assert arm_leaks(page) == [] and "adherence" not in page.lower()
    for form in ("adherence", "adverse_event", "discontinuation"):
        shown = await client.get(f"/participants/{pid}/sign?form={form}")
        assert shown.status in (403, 404), form
        assert arm_leaks(await shown.text()) == []
    signed = await _sign(client, token, pid, page, incomplete_reason="Interim")
    assert signed.status == 200 and arm_leaks(await signed.text()) == []
    timeline = await (await client.get(f"/participants/{pid}")).text()
    assert arm_leaks(timeline) == []


async def test_a_danish_and_an_english_signer_sign_the_same_content_hash(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    """The page reads in the signer's language; what is signed, and its hash, does not."""
    english, danish = await make_client(), await make_client()
    english_token = sign_in(english, web_config, "investigator")
    token = sign_in(danish, web_config, "investigator")
    await danish.post("/language", data={"csrf_token": token, "lang": "da"})
    path = f"/participants/{seeded.ready}/sign?form=baseline"
    in_english = await (await english.get(path)).text()
    in_danish = await (await danish.get(path)).text()
    assert '<html lang="da">' in in_danish
    # The values read in each language: code labels and the decimal mark.
    assert 'id="signed-baseline-WEIGHT_KG">74.5<' in in_english
    assert 'id="signed-baseline-WEIGHT_KG">74,5<' in in_danish
    assert "Physical load at work" in in_english and "Fysisk belastning" in in_danish
    assert _shown_hash(in_danish) == _shown_hash(in_english)
    # What an incomplete casebook lacks is said in Danish too.
    casebook = await (await danish.get(f"/participants/{seeded.ready}/sign")).text()
    assert "3 skema(er) ikke påbegyndt" in casebook
    assert english_runs(visible_text(casebook)) == []
    canonical = re.compile(r'<pre class="canonical">(.*?)</pre>', re.S)
    assert canonical.findall(in_danish) == canonical.findall(in_english)
    signed = await _sign(danish, token, seeded.ready, in_danish, form="baseline")
    assert signed.status == 200
    assert "Underskrevet (godkendelse): Baseline." in await signed.text()
    # The English signer signs the hash shown before the Danish signature: the same content.
    signed = await _sign(english, english_token, seeded.ready, in_english, form="baseline")
    assert signed.status == 200 and "Signed (approval): Baseline." in await signed.text()
    listing = await (await english.get(path)).text()
    assert listing.count('<span class="badge signed">valid</span>') == 2
