"""Locked forms in the browser: shown read-only (disabled inputs, no Save) with who locked
them, when in the site's time and why; a save posted anyway is still refused (409)."""

from __future__ import annotations

import re

from tests import factories
from tests.app.conftest import PASSWORD
from tests.web.conftest import Client, MakeClient, bearer, sign_in
from tests.web.store import Seeded
from tests.web.test_forms import as_post
from web.config import WebConfig

# The web clock starts 2024-02-01 09:00 UTC: 10:00 in Copenhagen (CET, winter time).
COPENHAGEN = re.compile(r"2024-02-01 10:00 CET")


async def _staff_and_manager(
    make_client: MakeClient, web_config: WebConfig
) -> tuple[Client, str, Client, str]:
    sara, dana = await make_client(), await make_client()
    return (
        sara,
        sign_in(sara, web_config, "site_staff"),
        dana,
        sign_in(dana, web_config, "data_manager"),
    )


async def test_a_locked_form_is_read_only_and_says_who_when_and_why(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    sara, sara_token, dana, dana_token = await _staff_and_manager(make_client, web_config)
    form = f"/participants/{seeded.ready}/forms/consent"
    before = await (await sara.get(form)).text()
    assert "Save correction" in before and 'id="lock-notice"' not in before
    locked = await dana.post(
        form + "/lock", data={"csrf_token": dana_token, "reason": "Monitored and clean"}
    )
    assert locked.status == 200
    html = await (await sara.get(form)).text()
    notice = html[
        html.index('id="lock-notice"') : html.index("</section>", html.index("lock-notice"))
    ]
    assert "This form is locked" in notice and "dana (data manager)" in notice
    assert COPENHAGEN.search(notice) and "Monitored and clean" in notice
    assert "<fieldset disabled" in html
    assert "Save correction" not in html and "Save as incomplete draft" not in html
    assert 'name="expected_version"' not in html
    # Posted anyway (an old tab, a script): refused, the lock named in the site's time.
    refused = await sara.post(
        form,
        data=as_post(
            factories.consent(CONSENT_VERSION="2.2"),
            csrf_token=sara_token,
            expected_version="1",
            reason_code="transcription_error",
        ),
    )
    text = await refused.text()
    assert refused.status == 409 and "locked by dana" in text and COPENHAGEN.search(text)


async def test_a_participant_lock_and_the_database_lock_make_every_form_read_only(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    sara, _, dana, dana_token = await _staff_and_manager(make_client, web_config)
    participant = f"/participants/{seeded.ready}"
    await dana.post(
        participant + "/lock", data={"csrf_token": dana_token, "reason": "Ready for review"}
    )
    html = await (await sara.get(participant + "/forms/baseline")).text()
    assert "The whole participant is locked" in html and "Ready for review" in html
    assert "<fieldset disabled" in html and "Save correction" not in html
    await dana.post(participant + "/unlock", data={"csrf_token": dana_token, "reason": "x"})
    assert "Save correction" in await (await sara.get(participant + "/forms/baseline")).text()

    await dana.post(
        "/database",
        data={
            "csrf_token": dana_token,
            "action": "lock",
            "confirm": "yes",
            "password": PASSWORD,
            **{f"override_{check}": reason for check, reason in factories.LOCK_OVERRIDES.items()},
        },
    )
    html = await (await sara.get(f"/participants/{seeded.screened}/forms/mri")).text()
    assert "The database is locked" in html and "dana (data manager)" in html
    assert "<fieldset disabled" in html and ">Save<" not in html


async def test_a_query_on_a_locked_form_is_answered_without_a_correction(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    sara, _, dana, dana_token = await _staff_and_manager(make_client, web_config)
    mona = await make_client()
    mona_token = sign_in(mona, web_config, "monitor")
    form = f"/participants/{seeded.ready}/forms/baseline"
    await mona.post(
        form + "/queries", data={"csrf_token": mona_token, "item": "LBP_NOW", "text": "7?"}
    )
    await dana.post(form + "/lock", data={"csrf_token": dana_token, "reason": "Clean"})
    inbox = await (await sara.get("/queries")).text()
    qid = re.search(r'href="/queries/([0-9a-f-]{36})"', inbox).group(1)  # type: ignore[union-attr]
    page = await (await sara.get(f"/queries/{qid}")).text()
    assert 'id="lock-notice"' in page and 'name="LBP_NOW"' not in page
    assert 'id="answer-form"' in page


async def test_the_api_refuses_a_locked_form_naming_the_lock_in_the_sites_time(
    client: Client, seeded: Seeded
) -> None:
    form = f"/api/v1/participants/{seeded.ready}/forms/baseline"
    locked = await client.post(form + "/lock", headers=bearer(seeded, "data_manager"))
    assert locked.status == 200
    refused = await client.put(
        form,
        json={
            "items": factories.outcomes(LBP_NOW=5),
            "expected_version": 1,
            "reason": {"code": "transcription_error"},
        },
        headers=bearer(seeded, "site_staff"),
    )
    body = await refused.json()
    assert refused.status == 409 and body["error"] == "locked"
    assert "locked by dana (data_manager)" in body["message"] and " CET" in body["message"]


async def test_lock_notices_never_open_an_arm_revealing_form_to_a_blinded_account(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    dana, anna = await make_client(), await make_client()
    dana_token = sign_in(dana, web_config, "data_manager")
    sign_in(anna, web_config, "assessor")
    participant = f"/participants/{seeded.randomised}"
    await dana.post(participant + "/lock", data={"csrf_token": dana_token, "reason": "Review"})
    for who in (dana, anna):
        for form in ("adherence", "adverse_event", "discontinuation"):
            shown = await who.get(f"{participant}/forms/{form}")
            assert shown.status == 404, form
            assert seeded.arm not in await shown.text()
        page = await (await who.get(f"{participant}/forms/week10")).text()
        assert 'id="lock-notice"' in page and seeded.arm not in page


async def test_a_form_locked_through_the_api_says_why_on_its_page(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    form = f"/participants/{seeded.ready}/forms/mri"
    locked = await client.post(
        "/api/v1" + form + "/lock",
        json={"reason": "Radiology report checked"},
        headers=bearer(seeded, "data_manager"),
    )
    assert locked.status == 200
    too_long = await client.post(
        f"/api/v1/participants/{seeded.ready}/forms/consent/lock",
        json={"reason": "x" * 501},
        headers=bearer(seeded, "data_manager"),
    )
    assert too_long.status == 422
    sign_in(client, web_config, "site_staff")
    html = await (await client.get(form)).text()
    assert 'id="lock-why">Radiology report checked<' in html
