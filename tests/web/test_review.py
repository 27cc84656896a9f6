"""Review in the browser and the API: signatures, locks, SDV, queries, unblinding, DB lock."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests import factories
from tests.app.conftest import PASSWORD
from tests.web.conftest import Client, MakeClient, bearer, sign_in
from tests.web.store import Seeded
from tests.web.test_forms import as_post, version_of
from web.config import WebConfig

API = "/api/v1"


async def _api(
    client: Client, seeded: Seeded, role: str, method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    response = await client.request(method, API + path, json=body, headers=bearer(seeded, role))
    return response.status, await response.json()


async def test_investigator_signs_a_form_with_password_and_meaning(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    token = sign_in(client, web_config, "investigator")
    page = await client.get(f"/participants/{seeded.ready}/sign?form=baseline")
    assert page.status == 200 and 'name="password"' in await page.text()
    wrong = await client.post(
        f"/participants/{seeded.ready}/sign",
        data={"csrf_token": token, "form": "baseline", "meaning": "approval", "password": "nope"},
    )
    assert wrong.status == 403 and "nothing was signed" in await wrong.text()
    no_meaning = await client.post(
        f"/participants/{seeded.ready}/sign",
        data={"csrf_token": token, "form": "baseline", "password": PASSWORD},
    )
    assert no_meaning.status == 422
    signed = await client.post(
        f"/participants/{seeded.ready}/sign",
        data={"csrf_token": token, "form": "baseline", "meaning": "approval", "password": PASSWORD},
    )
    html = await signed.text()
    assert signed.url.path.endswith("/forms/baseline") and "Signed (approval)" in html
    assert '<span class="badge signed">signed</span>' in html
    timeline = await (await client.get(f"/participants/{seeded.ready}")).text()
    assert "badge signed" in timeline
    # A later change to the signed content invalidates the signature.
    changed = await client.post(
        f"/participants/{seeded.ready}/forms/baseline",
        data=as_post(
            factories.outcomes(LBP_NOW=9),
            csrf_token=token,
            expected_version="1",
            reason_code="transcription_error",
        ),
    )
    assert changed.status == 200
    listing = await (await client.get(f"/participants/{seeded.ready}/sign")).text()
    assert "no longer valid" in listing


@pytest.mark.parametrize("role", ["site_staff", "assessor", "monitor", "data_manager"])
async def test_only_investigators_sign(
    client: Client, web_config: WebConfig, seeded: Seeded, role: str
) -> None:
    token = sign_in(client, web_config, role)
    assert (await client.get(f"/participants/{seeded.ready}/sign")).status == 403
    post = await client.post(
        f"/participants/{seeded.ready}/sign",
        data={"csrf_token": token, "meaning": "approval", "password": PASSWORD},
    )
    assert post.status == 403


async def test_locks_stop_changes_until_unlocked_with_a_reason(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    dana, sara = await make_client(), await make_client()
    dana_token, sara_token = (
        sign_in(dana, web_config, "data_manager"),
        sign_in(sara, web_config, "site_staff"),
    )
    form = f"/participants/{seeded.ready}/forms/consent"
    locked = await dana.post(form + "/lock", data={"csrf_token": dana_token})
    assert locked.status == 200 and "badge locked" in await locked.text()
    refused = await sara.post(
        form,
        data=as_post(
            factories.consent(CONSENT_VERSION="2.2"),
            csrf_token=sara_token,
            expected_version="1",
            reason_code="transcription_error",
        ),
    )
    assert refused.status == 409 and "locked" in (await refused.text()).lower()
    no_reason = await dana.post(form + "/unlock", data={"csrf_token": dana_token})
    assert "reason" in (await no_reason.text()).lower()
    unlocked = await dana.post(
        form + "/unlock", data={"csrf_token": dana_token, "reason": "late source document"}
    )
    assert "Informed consent unlocked." in await unlocked.text()
    saved = await sara.post(
        form,
        data=as_post(
            factories.consent(CONSENT_VERSION="2.2"),
            csrf_token=sara_token,
            expected_version="1",
            reason_code="transcription_error",
        ),
    )
    assert saved.status == 200
    participant = f"/participants/{seeded.ready}"
    whole = await dana.post(participant + "/lock", data={"csrf_token": dana_token})
    assert "participant locked" in await whole.text()
    again = await sara.post(
        form,
        data=as_post(
            factories.consent(CONSENT_VERSION="2.3"),
            csrf_token=sara_token,
            expected_version="2",
            reason_code="transcription_error",
        ),
    )
    assert again.status == 409
    await dana.post(participant + "/unlock", data={"csrf_token": dana_token, "reason": "x"})
    assert "participant locked" not in await (await dana.get(participant)).text()


async def test_monitor_marks_source_verified(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    token = sign_in(client, web_config, "monitor")
    page = await (await client.get(f"/participants/{seeded.ready}/forms/mri")).text()
    assert "Mark source-verified" in page and "Lock form" not in page
    done = await client.post(
        f"/participants/{seeded.ready}/forms/mri/verify", data={"csrf_token": token}
    )
    html = await done.text()
    assert "source-verified" in html and "Mark source-verified" not in html


async def test_query_raised_answered_with_a_correction_and_closed(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    mona, sara = await make_client(), await make_client()
    mona_token, sara_token = (
        sign_in(mona, web_config, "monitor"),
        sign_in(sara, web_config, "site_staff"),
    )
    form = f"/participants/{seeded.ready}/forms/baseline"
    raised = await mona.post(
        form + "/queries",
        data={"csrf_token": mona_token, "item": "LBP_NOW", "text": "Source says 7?"},
    )
    html = await raised.text()
    assert "Query raised." in html and "Source says 7?" in html
    inbox = await (await sara.get("/queries")).text()
    qid = re.search(r'href="/queries/([0-9a-f-]{36})"', inbox).group(1)  # type: ignore[union-attr]
    page = await (await sara.get(f"/queries/{qid}")).text()
    assert 'id="query-current">6<' in page and 'name="LBP_NOW"' in page
    answered = await sara.post(
        f"/queries/{qid}/answer",
        data={
            "csrf_token": sara_token,
            "text": "Yes, corrected to 7",
            "correct": "yes",
            "LBP_NOW": "7",
            "expected_version": version_of(page),
        },
    )
    html = await answered.text()
    assert "The correction is recorded" in html and 'id="query-status">answered<' in html
    assert 'id="query-current">7<' in html
    assert "Close query" not in html  # only the monitor who raised it closes
    closed = await mona.post(f"/queries/{qid}/close", data={"csrf_token": mona_token})
    assert 'id="query-status">closed<' in await closed.text()
    assert qid not in await (await sara.get("/queries")).text()


async def test_answer_with_an_invalid_correction_keeps_the_text(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    mona, sara = await make_client(), await make_client()
    mona_token, sara_token = (
        sign_in(mona, web_config, "monitor"),
        sign_in(sara, web_config, "site_staff"),
    )
    await mona.post(
        f"/participants/{seeded.ready}/forms/baseline/queries",
        data={"csrf_token": mona_token, "item": "LBP_NOW", "text": "Check"},
    )
    inbox = await (await sara.get("/queries")).text()
    qid = re.search(r'href="/queries/([0-9a-f-]{36})"', inbox).group(1)  # type: ignore[union-attr]
    page = await (await sara.get(f"/queries/{qid}")).text()
    bad = await sara.post(
        f"/queries/{qid}/answer",
        data={
            "csrf_token": sara_token,
            "text": "fixed",
            "correct": "yes",
            "LBP_NOW": "70",
            "expected_version": version_of(page),
        },
    )
    html = await bad.text()
    assert bad.status == 422 and 'value="70"' in html and 'value="fixed"' in html


async def test_emergency_unblinding_reveals_one_arm_and_the_data_manager_sees_it(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    ivan, dana = await make_client(), await make_client()
    token = sign_in(ivan, web_config, "investigator")
    sign_in(dana, web_config, "data_manager")
    path = f"/participants/{seeded.randomised}/unblind"
    assert (
        "Emergency unblinding"
        in await (await ivan.get(f"/participants/{seeded.randomised}")).text()
    )
    no_reason = await ivan.post(path, data={"csrf_token": token, "confirm": "yes"})
    assert no_reason.status == 422
    shown = await ivan.post(
        path,
        data={
            "csrf_token": token,
            "confirm": "yes",
            "reason": "anaphylaxis, treating physician asks",
        },
    )
    html = await shown.text()
    assert shown.status == 200 and f"({seeded.arm})" in html
    # Not kept anywhere the investigator can come back to.
    assert seeded.arm not in await (await ivan.get(f"/participants/{seeded.randomised}")).text()
    dashboard = await (await dana.get("/")).text()
    assert "Emergency unblindings" in dashboard and "anaphylaxis" in dashboard
    assert seeded.arm not in dashboard


@pytest.mark.parametrize("role", ["site_staff", "assessor", "monitor", "data_manager"])
async def test_only_investigators_unblind(
    client: Client, web_config: WebConfig, seeded: Seeded, role: str
) -> None:
    token = sign_in(client, web_config, role)
    path = f"/participants/{seeded.randomised}/unblind"
    assert (await client.get(path)).status == 403
    post = await client.post(path, data={"csrf_token": token, "confirm": "yes", "reason": "x"})
    assert post.status == 403


async def test_database_lock_page(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    dana, sara = await make_client(), await make_client()
    token = sign_in(dana, web_config, "data_manager")
    sara_token = sign_in(sara, web_config, "site_staff")
    assert "The database is open" in await (await dana.get("/database")).text()
    unconfirmed = await dana.post("/database", data={"csrf_token": token, "action": "lock"})
    assert unconfirmed.status == 422
    locked = await dana.post(
        "/database",
        data={
            "csrf_token": token,
            "action": "lock",
            "confirm": "yes",
            "password": PASSWORD,
            **{f"override_{check}": reason for check, reason in factories.LOCK_OVERRIDES.items()},
        },
    )
    assert "The database is locked" in await locked.text()
    refused = await sara.post(
        f"/participants/{seeded.screened}/forms/mri",
        data=as_post(factories.mri(), csrf_token=sara_token, expected_version="0"),
    )
    assert refused.status == 409
    unlocked = await dana.post(
        "/database", data={"csrf_token": token, "action": "unlock", "reason": "one more query"}
    )
    assert "The database is open" in await unlocked.text()
    assert (await sara.get("/database")).status == 403


async def test_review_api(client: Client, seeded: Seeded) -> None:
    form = f"/participants/{seeded.ready}/forms/baseline"
    status, query = await _api(
        client,
        seeded,
        "monitor",
        "POST",
        form + "/queries",
        {"item": "LBP_NOW", "text": "Check against source"},
    )
    assert status == 201 and query["status"] == "open" and query["item"] == "LBP_NOW"
    status, body = await _api(
        client, seeded, "monitor", "POST", form + "/queries", {"item": "NOT_AN_ITEM", "text": "?"}
    )
    assert status in (404, 422)
    status, listed = await _api(client, seeded, "site_staff", "GET", "/queries")
    assert status == 200 and [q["id"] for q in listed] == [query["id"]]
    qid = query["id"]
    status, _ = await _api(
        client, seeded, "monitor", "POST", f"/queries/{qid}/answer", {"text": "me?"}
    )
    assert status == 403
    status, answered = await _api(
        client,
        seeded,
        "site_staff",
        "POST",
        f"/queries/{qid}/answer",
        {"text": "corrected", "items": {"LBP_NOW": 7}, "expected_version": 1},
    )
    assert status == 200 and answered["status"] == "answered"
    status, _ = await _api(client, seeded, "data_manager", "POST", f"/queries/{qid}/close", {})
    assert status == 403  # only who raised it closes it
    status, closed = await _api(client, seeded, "monitor", "POST", f"/queries/{qid}/close", {})
    assert status == 200 and closed["status"] == "closed"
    status, _ = await _api(
        client, seeded, "monitor", "POST", "/queries/00000000-0000-4000-8000-000000000000/close", {}
    )
    assert status == 404

    status, body = await _api(
        client,
        seeded,
        "investigator",
        "POST",
        form + "/sign",
        {"password": "wrong", "meaning": "approval"},
    )
    assert status == 403 and body["error"] == "forbidden"
    status, body = await _api(
        client,
        seeded,
        "investigator",
        "POST",
        form + "/sign",
        {"password": PASSWORD, "meaning": "liking"},
    )
    assert status == 422
    status, signature = await _api(
        client,
        seeded,
        "investigator",
        "POST",
        form + "/sign",
        {"password": PASSWORD, "meaning": "review"},
    )
    assert status == 200 and signature["status"] == "valid" and signature["meaning"] == "review"

    status, _ = await _api(client, seeded, "site_staff", "POST", form + "/verify")
    assert status == 403
    status, verified = await _api(client, seeded, "monitor", "POST", form + "/verify")
    assert status == 200 and verified["verified"] is True
    status, state = await _api(client, seeded, "data_manager", "POST", form + "/lock")
    assert status == 200 and state["locked"] is True
    status, body = await _api(
        client,
        seeded,
        "site_staff",
        "PUT",
        form,
        {
            "items": factories.outcomes(LBP_NOW=5),
            "expected_version": 2,
            "reason": {"code": "transcription_error"},
        },
    )
    assert status == 409 and body["error"] == "locked"
    status, body = await _api(client, seeded, "data_manager", "POST", form + "/unlock", {})
    assert status == 422
    status, state = await _api(
        client, seeded, "data_manager", "POST", form + "/unlock", {"reason": "late source"}
    )
    assert status == 200 and state["locked"] is False


async def test_unblind_api(client: Client, seeded: Seeded) -> None:
    path = f"/participants/{seeded.randomised}/unblind"
    status, body = await _api(client, seeded, "monitor", "POST", path, {"reason": "x"})
    assert status == 403 and seeded.arm not in body["message"]
    status, body = await _api(client, seeded, "investigator", "POST", path, {})
    assert status == 422
    status, body = await _api(
        client,
        seeded,
        "investigator",
        "POST",
        f"/participants/{seeded.ready}/unblind",
        {"reason": "allergy"},
    )
    assert status in (404, 409, 422)
    assert "exercise" not in body["message"] and "rest" not in body["message"].split()
    status, body = await _api(client, seeded, "investigator", "POST", path, {"reason": "allergy"})
    assert status == 200 and body == {"arm": seeded.arm}
