"""The pages for a missed visit and for protocol deviations, and the attacks on them."""

from __future__ import annotations

import pytest

from tests.web.conftest import Client, MakeClient, bearer, sign_in
from tests.web.store import Seeded
from web.config import WebConfig

API = "/api/v1"
MISSED = {"reason": "declined", "text": "Does not want to come in"}
DEVIATION = {
    "kind": "assessment",
    "description": "Questionnaire read aloud by the receptionist",
    "occurred_on": "2024-01-20",
}


async def test_site_staff_record_a_missed_visit_and_withdraw_it_on_the_page(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    staff = await make_client()
    token = sign_in(staff, web_config, "site_staff")
    participant = f"/participants/{seeded.randomised}"
    page = await staff.get(participant)
    assert 'id="miss-month12"' in await page.text()
    path = f"{participant}/visits/month12/missed"
    assert "Record the visit as missed" in await (await staff.get(path)).text()
    bad = await staff.post(path, data={"csrf_token": token, "reason": "other", "text": " "})
    html = await bad.text()
    assert bad.status == 422 and "Required" in html and 'id="missed-now"' not in html
    done = await staff.post(path, data={"csrf_token": token, **MISSED}, allow_redirects=False)
    assert done.status == 303 and done.headers["Location"] == participant
    page_html = await (await staff.get(participant)).text()
    assert 'id="missed-month12"' in page_html and "recorded as missed" in page_html
    details = await (await staff.get(path)).text()
    assert "Participant declined the visit" in details and "Does not want to come in" in details
    withdraw = await staff.post(
        f"{path}/withdraw",
        data={"csrf_token": token, "code": "wrong_record", "text": "Another person's visit"},
        allow_redirects=False,
    )
    assert withdraw.status == 303
    assert 'id="miss-month12"' in await (await staff.get(participant)).text()


async def test_a_deviation_recorded_on_the_page_is_seen_by_the_monitor(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    staff, monitor = await make_client(), await make_client()
    token = sign_in(staff, web_config, "site_staff")
    sign_in(monitor, web_config, "monitor")
    path = f"/participants/{seeded.randomised}/deviations"
    bad = await staff.post(
        path, data={"csrf_token": token, **DEVIATION, "occurred_on": "2030-01-01"}
    )
    assert bad.status == 422 and "future" in await bad.text()
    done = await staff.post(path, data={"csrf_token": token, **DEVIATION}, allow_redirects=False)
    assert done.status == 303
    hidden = {
        "csrf_token": token,
        "kind": "intervention",
        "description": f"Allocated to {seeded.arm}, sessions not given",
        "occurred_on": "2024-01-21",
    }
    assert (await staff.post(path, data=hidden, allow_redirects=False)).status == 303
    seen_by_staff = await (await staff.get(path)).text()
    assert DEVIATION["description"] in seen_by_staff and hidden["description"] in seen_by_staff
    seen_by_monitor = await (await monitor.get(path)).text()
    assert DEVIATION["description"] in seen_by_monitor
    assert hidden["description"] not in seen_by_monitor and seeded.arm not in seen_by_monitor
    assert "Record a deviation" not in seen_by_monitor  # monitors review, they do not record
    participant = await (await monitor.get(f"/participants/{seeded.randomised}")).text()
    assert "Protocol deviations (1)" in participant


@pytest.mark.parametrize(
    ("role", "path", "data"),
    [
        ("monitor", "visits/week10/missed", MISSED),
        ("data_manager", "visits/week10/missed", MISSED),
        ("monitor", "deviations", DEVIATION),
        ("analyst", "deviations", DEVIATION),
        # The assessor is blinded: a deviation of the intervention reveals the arm.
        ("assessor", "deviations", {**DEVIATION, "kind": "intervention"}),
    ],
)
async def test_who_may_not_record_is_refused_and_nothing_changes(
    client: Client,
    web_config: WebConfig,
    seeded: Seeded,
    role: str,
    path: str,
    data: dict[str, str],
) -> None:
    token = sign_in(client, web_config, role)
    before = await (await client.get(f"/participants/{seeded.randomised}/deviations")).text()
    response = await client.post(
        f"/participants/{seeded.randomised}/{path}", data={"csrf_token": token, **data}
    )
    assert response.status == 403
    after = await (await client.get(f"/participants/{seeded.randomised}/deviations")).text()
    assert after == before


async def test_a_blinded_account_is_not_offered_the_intervention_kind(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    sign_in(client, web_config, "assessor")
    html = await (await client.get(f"/participants/{seeded.randomised}/deviations")).text()
    assert "reveals the arm" not in html and 'value="intervention"' not in html


@pytest.mark.parametrize(
    "path",
    [
        "/participants/not-a-uuid/deviations",
        "/participants/00000000-0000-0000-0000-000000000000/deviations",
        "/participants/{pid}/visits/baseline/missed",
        "/participants/{pid}/visits/nonsense/missed",
    ],
)
async def test_unknown_participants_and_visits_are_not_found(
    client: Client, web_config: WebConfig, seeded: Seeded, path: str
) -> None:
    token = sign_in(client, web_config, "site_staff")
    url = path.format(pid=seeded.randomised)
    assert (await client.get(url)).status == 404
    assert (await client.post(url, data={"csrf_token": token, **MISSED})).status in (404, 422)


async def test_a_missed_visit_post_without_the_csrf_token_is_refused(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    sign_in(client, web_config, "site_staff")
    path = f"/participants/{seeded.randomised}/visits/week10/missed"
    assert (await client.post(path, data=MISSED)).status == 403
    assert "recorded as missed" not in await (await client.get(path)).text()


async def test_the_api_records_a_missed_visit_and_deviations_as_the_reader_may_see_them(
    client: Client, seeded: Seeded
) -> None:
    pid = seeded.randomised
    staff, monitor = bearer(seeded, "site_staff"), bearer(seeded, "monitor")
    missed = await client.post(
        f"{API}/participants/{pid}/visits/week10/missed", json=MISSED, headers=staff
    )
    assert missed.status == 201
    assert (await missed.json())["missed_visits"]["week10"]["code"] == "declined"
    again = await client.post(
        f"{API}/participants/{pid}/visits/week10/missed", json=MISSED, headers=staff
    )
    assert again.status == 409
    shape = await client.post(
        f"{API}/participants/{pid}/visits/week10/missed", json={"why": 1}, headers=staff
    )
    assert shape.status == 422
    withdraw = await client.post(
        f"{API}/participants/{pid}/visits/week10/missed/withdraw",
        json={"reason": {"code": "wrong_record", "text": ""}},
        headers=staff,
    )
    assert withdraw.status == 200 and (await withdraw.json())["missed_visits"] == {}
    recorded = await client.post(
        f"{API}/participants/{pid}/deviations", json=DEVIATION, headers=staff
    )
    assert recorded.status == 201 and await recorded.json() == DEVIATION
    hidden = {**DEVIATION, "kind": "intervention", "description": f"{seeded.arm}: not given"}
    assert (
        await client.post(f"{API}/participants/{pid}/deviations", json=hidden, headers=staff)
    ).status == 201
    for_staff = await (
        await client.get(f"{API}/participants/{pid}/deviations", headers=staff)
    ).json()
    assert [d["arm_revealing"] for d in for_staff] == [False, True]
    for_monitor = await (
        await client.get(f"{API}/participants/{pid}/deviations", headers=monitor)
    ).json()
    assert [d["description"] for d in for_monitor] == [DEVIATION["description"]]
    refused = await client.post(
        f"{API}/participants/{pid}/deviations", json=hidden, headers=bearer(seeded, "assessor")
    )
    assert refused.status == 403 and "reveals the arm" in (await refused.json())["message"]


async def test_the_pages_speak_danish_when_the_user_chose_it(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    token = sign_in(client, web_config, "site_staff")
    await client.post("/language", data={"csrf_token": token, "lang": "da"})
    path = f"/participants/{seeded.randomised}"
    missed = await (await client.get(f"{path}/visits/week10/missed")).text()
    assert "Uge 10: besøget blev ikke gennemført" in missed
    assert "Deltageren kunne ikke kontaktes" in missed
    flashed = await client.post(
        f"{path}/visits/week10/missed", data={"csrf_token": token, **MISSED}
    )
    assert "Uge 10 registreret som udeblevet." in await flashed.text()
    refused = await client.post(
        f"{path}/deviations", data={"csrf_token": token, **DEVIATION, "description": ""}
    )
    html = await refused.text()
    assert refused.status == 422 and "Påkrævet: beskriv hvad der skete." in html
    assert "Registrér en afvigelse" in html and "Effektmålingen ikke udført" in html
