"""What a page says after a post, read as a Danish account: the one-time messages after a
redirect and the forms shown again after a refusal (422) or a stale save (409). The crawl of
test_i18n_pages.py reads pages by GET only, so it never sees these.

A site's day, post by post, as the role that does each step; every page a post leads to (the
redirect followed) shows no run of English words."""

from __future__ import annotations

import re

from aiohttp import ClientResponse

from tests import factories
from tests.app.conftest import NAMES, PASSWORD
from tests.web.conftest import Client, MakeClient, bearer, csrf_of, sign_in
from tests.web.store import Seeded
from tests.web.test_forms import as_post, version_of
from tests.web.untranslated import english_runs, visible_text
from web.config import WebConfig
from web.i18n import COOKIE


async def _danish(make_client: MakeClient, web_config: WebConfig, role: str) -> tuple[Client, str]:
    client = await make_client()
    token = sign_in(client, web_config, role)
    await client.post("/language", data={"csrf_token": token, "lang": "da"})
    return client, token


class Day:
    """The English each step's page showed, by step, so one run names every gap at once."""

    def __init__(self) -> None:
        self.english: dict[str, list[str]] = {}

    async def read(self, step: str, response: ClientResponse, status: int = 200) -> str:
        html = await response.text()
        assert response.status == status, (step, response.status, visible_text(html)[:500])
        assert '<html lang="da">' in html, step
        runs = english_runs(visible_text(html))
        import os

        if os.environ.get("SHOW_FLASH"):
            t = visible_text(html)
            print("STEP", step, [t[max(0, t.find(r) - 150) : t.find(r) + 80] for r in runs])
        if runs:
            self.english[step] = runs
        return html


async def test_every_post_of_a_sites_day_answers_in_danish(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    day = Day()
    sara, sara_token = await _danish(make_client, web_config, "site_staff")
    ivan, ivan_token = await _danish(make_client, web_config, "investigator")
    mona, mona_token = await _danish(make_client, web_config, "monitor")
    dana, dana_token = await _danish(make_client, web_config, "data_manager")

    # Screening: one person eligible for MRI, one not (the flash gives the failed criteria).
    shown: list[str] = []
    for step, items in (
        ("screen eligible", factories.screening()),
        ("screen not eligible", factories.screening(AGE=75, SPEAKS_DANISH="N")),
    ):
        screened = await sara.post("/participants", data=as_post(items, csrf_token=sara_token))
        shown.append(visible_text(await day.read(step, screened)))
    assert re.search(r"Screenet som RINGE-\d+: egnet til MR-scanning\.", shown[0])
    assert "ikke egnet til MR-scanning (Alderen skal" in shown[1], shown[1]
    assert "Deltageren skal tale dansk)." in shown[1]
    refused = await sara.post(
        "/participants", data=as_post(factories.screening(AGE="old"), csrf_token=sara_token)
    )
    await day.read("screen with a validation error", refused, 422)

    # Recording a form: a validation error, a good save, a correction without and with a
    # reason, and a stale save over a colleague's correction.
    mri = f"/participants/{seeded.screened}/forms/mri"
    bad = factories.mri(MRI_DATE="2024-13-45")
    await day.read(
        "form with a validation error",
        await sara.post(mri, data=as_post(bad, csrf_token=sara_token, expected_version="0")),
        422,
    )
    saved = await sara.post(
        mri, data=as_post(factories.mri(), csrf_token=sara_token, expected_version="0")
    )
    await day.read("form saved", saved)
    changed = as_post(factories.mri(MODIC_TYPE="2"), csrf_token=sara_token, expected_version="1")
    await day.read("correction without a reason", await sara.post(mri, data=changed), 422)
    corrected = [*changed, ("reason_code", "transcription_error"), ("reason_text", "slåfejl")]
    await day.read("correction with a reason", await sara.post(mri, data=corrected))
    ivan_saves = as_post(
        factories.mri(MODIC_TYPE="1/2"),
        csrf_token=ivan_token,
        expected_version="2",
        reason_code="transcription_error",
    )
    await day.read("colleague's correction", await ivan.post(mri, data=ivan_saves))
    stale = as_post(
        factories.mri(MODIC_LARGE="Y"),
        csrf_token=sara_token,
        expected_version="2",
        reason_code="late_source",
    )
    await day.read("stale save", await sara.post(mri, data=stale), 409)
    draft = as_post(
        {"CONSENT_DATE": "2024-01-13"},
        csrf_token=sara_token,
        expected_version="0",
        save_as="incomplete",
    )
    await day.read(
        "incomplete draft",
        await sara.post(f"/participants/{seeded.screened}/forms/consent", data=draft),
    )

    # Randomising the participant ready for it.
    randomised = await sara.post(
        f"/participants/{seeded.ready}/randomise", data={"csrf_token": sara_token, "confirm": "yes"}
    )
    await day.read("randomise", randomised)

    # A monitor raises a query; the site answers it, unchanged and with a correction; the
    # monitor closes and re-opens it.
    baseline = f"/participants/{seeded.ready}/forms/baseline"
    raised = await mona.post(
        baseline + "/queries",
        data={"csrf_token": mona_token, "item": "LBP_NOW", "text": "Kilden siger 7?"},
    )
    await day.read("raise a query", raised)
    await day.read(
        "raise a query on no item",
        await mona.post(baseline + "/queries", data={"csrf_token": mona_token, "text": "x"}),
    )
    inbox = await (await sara.get("/queries")).text()
    found = re.search(r'href="/queries/([0-9a-f-]{36})"', inbox)
    assert found
    query = f"/queries/{found[1]}"
    page = await (await sara.get(query)).text()
    answer = {"csrf_token": sara_token, "text": "Rettet til 7", "item_shown": "yes"}
    invalid = await sara.post(
        query + "/answer", data={**answer, "LBP_NOW": "70", "expected_version": version_of(page)}
    )
    await day.read("answer a query with an invalid correction", invalid, 422)
    stale_answer = await sara.post(
        query + "/answer", data={**answer, "LBP_NOW": "7", "expected_version": "0"}
    )
    await day.read("answer a query on a stale version", stale_answer, stale_answer.status)
    assert stale_answer.status in (409, 422)
    answered = await sara.post(
        query + "/answer", data={**answer, "LBP_NOW": "7", "expected_version": version_of(page)}
    )
    await day.read("answer a query with a correction", answered)
    await day.read(
        "close a query", await mona.post(query + "/close", data={"csrf_token": mona_token})
    )
    await day.read(
        "re-open a query",
        await mona.post(query + "/reopen", data={"csrf_token": mona_token, "text": "Igen"}),
    )
    page = await (await sara.get(query)).text()
    unchanged = await sara.post(
        query + "/answer", data={**answer, "LBP_NOW": "7", "expected_version": version_of(page)}
    )
    await day.read("answer a query unchanged", unchanged)

    # The investigator signs; the monitor verifies; the data manager locks and unlocks.
    signed = await ivan.post(
        f"/participants/{seeded.ready}/sign",
        data={
            "csrf_token": ivan_token,
            "form": "baseline",
            "meaning": "approval",
            "password": PASSWORD,
        },
    )
    await day.read("sign a form", signed)
    verified = await mona.post(baseline + "/verify", data={"csrf_token": mona_token})
    await day.read("verify a form", verified)
    consent = f"/participants/{seeded.ready}/forms/consent"
    locked = await dana.post(consent + "/lock", data={"csrf_token": dana_token, "reason": "Ren"})
    await day.read("lock a form", locked)
    unlocked = await dana.post(
        consent + "/unlock", data={"csrf_token": dana_token, "reason": "Ret"}
    )
    await day.read("unlock a form", unlocked)

    # An adverse event on the randomised participant, and a weekly-report link.
    ae = f"/participants/{seeded.randomised}/forms/adverse_event"
    reported = await sara.post(
        ae + "?week=1",
        data=as_post(
            factories.adverse_event(), csrf_token=sara_token, expected_version="0", AE_NO="1"
        ),
    )
    await day.read("record an adverse event", reported)
    link = await sara.post(
        f"/participants/{seeded.randomised}/report-link", data={"csrf_token": sara_token}
    )
    await day.read("create a weekly-report link", link)

    # Logging out and in again, with a wrong password first.
    await day.read("log out", await sara.post("/logout", data={"csrf_token": sara_token}))
    token = await csrf_of(sara)
    wrong = await sara.post(
        "/login", data={"csrf_token": token, "name": NAMES["site_staff"], "password": "nej"}
    )
    await day.read("log in with a wrong password", wrong, 401)
    again = await sara.post(
        "/login", data={"csrf_token": token, "name": NAMES["site_staff"], "password": PASSWORD}
    )
    await day.read("log in", again)

    assert day.english == {}, "\n".join(f"{step}: {runs}" for step, runs in day.english.items())


async def test_the_rest_of_a_sites_posts_answer_in_danish(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    """Visits missed, deviations, a refused signature, a save on a locked form, a participant
    locked, a phone registered, and the accounts an administrator adds and changes."""
    day = Day()
    sara, sara_token = await _danish(make_client, web_config, "site_staff")
    ivan, ivan_token = await _danish(make_client, web_config, "investigator")
    dana, dana_token = await _danish(make_client, web_config, "data_manager")
    adam, adam_token = await _danish(make_client, web_config, "admin")
    participant = f"/participants/{seeded.randomised}"

    missed = f"{participant}/visits/month12/missed"
    await day.read(
        "missed visit without a reason",
        await sara.post(missed, data={"csrf_token": sara_token, "reason": "other", "text": " "}),
        422,
    )
    said = {"csrf_token": sara_token, "reason": "declined", "text": "Vil ikke komme"}
    await day.read("missed visit", await sara.post(missed, data=said))
    withdrawn = {"csrf_token": sara_token, "code": "wrong_record", "text": "En andens besøg"}
    await day.read("missed visit withdrawn", await sara.post(missed + "/withdraw", data=withdrawn))
    deviation = {
        "csrf_token": sara_token,
        "kind": "assessment",
        "description": "Skemaet læst højt af sekretæren",
        "occurred_on": "2024-01-20",
    }
    deviations = f"{participant}/deviations"
    await day.read(
        "deviation in the future",
        await sara.post(deviations, data={**deviation, "occurred_on": "2030-01-01"}),
        422,
    )
    await day.read("deviation", await sara.post(deviations, data=deviation))

    sign = {"csrf_token": ivan_token, "form": "baseline", "meaning": "approval"}
    await day.read(
        "sign with a wrong password",
        await ivan.post(f"{participant}/sign", data={**sign, "password": "nej"}),
        403,
    )
    await day.read(
        "sign without a meaning",
        await ivan.post(f"{participant}/sign", data={**sign, "meaning": "", "password": PASSWORD}),
        422,
    )

    consent = f"{participant}/forms/consent"
    await day.read(
        "lock a form",
        await dana.post(consent + "/lock", data={"csrf_token": dana_token, "reason": "Ren"}),
    )
    page = await (await sara.get(consent)).text()
    assert 'name="expected_version"' not in page
    locked_save = as_post(
        factories.consent(CONSENT_VERSION="2.2"),
        csrf_token=sara_token,
        expected_version="1",
        reason_code="transcription_error",
    )
    refused = await sara.post(consent, data=locked_save)
    await day.read("save on a locked form", refused, refused.status)
    assert refused.status in (409, 422)
    await day.read(
        "lock a participant",
        await dana.post(
            participant + "/lock", data={"csrf_token": dana_token, "reason": "Gennemgang"}
        ),
    )
    await day.read(
        "unlock a participant",
        await dana.post(participant + "/unlock", data={"csrf_token": dana_token, "reason": "Ret"}),
    )
    await day.read(
        "database lock unconfirmed",
        await dana.post("/database", data={"csrf_token": dana_token, "action": "lock"}),
        422,
    )

    await day.read(
        "register a phone",
        await sara.post(
            f"{participant}/report-phone", data={"csrf_token": sara_token, "phone": "+4512345678"}
        ),
    )
    await day.read(
        "register a bad phone",
        await sara.post(
            f"{participant}/report-phone", data={"csrf_token": sara_token, "phone": "nej"}
        ),
    )

    account = {
        "csrf_token": adam_token,
        "name": "bo",
        "role": "assessor",
        "site": "",
        "blinding": "default",
        "password": "et langt nok kodeord",
    }
    await day.read("add an account without a site", await adam.post("/users", data=account), 422)
    added = await adam.post("/users", data={**account, "site": "RINGE"})
    assert "Kontoen bo er oprettet." in visible_text(await day.read("add an account", added))
    await day.read(
        "deactivate an account",
        await adam.post(
            "/users/bo/deactivate", data={"csrf_token": adam_token, "reason": "Stoppet"}
        ),
    )
    await day.read(
        "reactivate an account",
        await adam.post(
            "/users/bo/reactivate", data={"csrf_token": adam_token, "reason": "Tilbage"}
        ),
    )

    assert day.english == {}, "\n".join(f"{step}: {runs}" for step, runs in day.english.items())


async def test_the_api_keeps_its_english_for_the_messages_pages_now_translate(
    client: Client, seeded: Seeded
) -> None:
    """The JSON API's contract is English (DESIGN.md), whatever language a browser chose."""
    headers = {**bearer(seeded, "site_staff"), "Cookie": f"{COOKIE}=da"}
    path = f"/api/v1/participants/{seeded.screened}/forms/mri"
    saved = await client.put(
        path, json={"items": factories.mri(), "expected_version": 0}, headers=headers
    )
    assert saved.status == 200
    refused = await client.put(
        path, json={"items": factories.mri(MODIC_TYPE="2"), "expected_version": 1}, headers=headers
    )
    body = await refused.json()
    assert refused.status == 422
    assert body["message"] == "Changing a value that was already entered needs a reason for change."
    assert body["fields"] == {"MODIC_TYPE": "Changed: give a reason for change"}
