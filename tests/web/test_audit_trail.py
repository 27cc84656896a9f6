"""The trial-wide audit trail says whose data changed, in words (issue 12): participant (linked),
visit and form, item changes with labels, who, when in Copenhagen time, the reason in words;
filters by participant, form and item; newest first; item history from the first value; and
a blinded reader's filtered trail never shows an arm-revealing row or the arm."""

from __future__ import annotations

import re
from dataclasses import replace
from uuid import UUID

import pytest

from tests import factories
from tests.app.conftest import NAMES
from tests.web.conftest import Client, MakeClient, bearer, login, sign_in
from tests.web.crawl import arm_leaks
from tests.web.store import Seeded
from web.config import WebConfig
from web.keys import TRIAL
from web.read_choice import PROJECTIONS

ROW = re.compile(r'<tr id="audit-(\d+)">(.*?)</tr>', re.DOTALL)


def rows(html: str) -> list[tuple[int, str]]:
    return [(int(position), body) for position, body in ROW.findall(html)]


def correct_baseline(client: Client, seeded: Seeded) -> str:
    """LBP_NOW 6 -> 7 by site staff with a reason; returns the participant's screening number."""
    assert client.app is not None
    trial = client.app[TRIAL]
    staff = trial.actor_for(NAMES["site_staff"])
    trial.record_form(
        staff,
        UUID(seeded.ready),
        "baseline",
        factories.outcomes(LBP_NOW=7),
        expected_version=1,
        reason={"code": "transcription_error", "text": "source says 7"},
    )
    number: str = trial.get_participant(staff, UUID(seeded.ready))["screening_number"]
    return number


async def test_each_row_names_participant_visit_form_item_change_who_when_and_reason(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    number = correct_baseline(client, seeded)
    sign_in(client, web_config, "monitor")
    html = await (await client.get("/audit?form=baseline&order=newest")).text()
    (_, newest), *_ = rows(html)
    assert f'<a href="/participants/{seeded.ready}">{number}</a>' in newest
    assert '<td class="sheet">Baseline</td>' in newest
    assert '<td class="event">Form corrected</td>' in newest
    assert "LBP now" in newest and "6 → 7" in newest
    assert f"/participants/{seeded.ready}/forms/baseline/items/LBP_NOW/history" in newest
    assert "sara" in newest and "site staff" in newest
    assert re.search(r"2024-\d\d-\d\d \d\d:\d\d CE(S)?T", newest)  # Copenhagen time, zone shown
    assert "Transcription error: source says 7" in newest
    for _, body in rows(html):  # (the type filter's option values stay the type names)
        assert "Participant." not in body and "transcription_error" not in body
    # Milestones and screening rows in words too, with the screening form named.
    screened = await (await client.get("/audit?type=Participant.Screened")).text()
    assert '<td class="event">Screened</td>' in screened
    assert '<td class="sheet">Screening (pre-MRI eligibility)</td>' in screened
    assert all("Participant." not in body for _, body in rows(screened))
    # The event filter offers the types in words.
    assert '<option value="Participant.FormCorrected">Form corrected</option>' in screened


async def test_filters_by_participant_form_and_item(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    number = correct_baseline(client, seeded)
    sign_in(client, web_config, "data_manager")
    query = f"participant={number}&form=baseline&item=LBP_NOW"
    html = await (await client.get(f"/audit?{query}")).text()
    found = rows(html)
    # The first entry (every item of the form) and the correction of that one item.
    assert len(found) == 2
    assert all(f"/participants/{seeded.ready}" in body for _, body in found)
    assert "Baseline recorded" in found[0][1] and "Form corrected" in found[1][1]
    # By id too, across forms: the participant's rows only, no one else's.
    everything = rows(await (await client.get(f"/audit?participant={seeded.ready}")).text())
    assert everything and all(f'/participants/{seeded.ready}"' in body for _, body in everything)
    assert not any(seeded.randomised in body for _, body in everything)
    screening_item = rows(await (await client.get("/audit?item=LBP_NOW_SCR")).text())
    assert len(screening_item) == 3  # each seeded participant's screening recorded it
    for bad, message in (
        ("participant=RINGE-9999", "There is no participant"),
        ("form=nothing", "There is no form called"),
        ("form=baseline&item=NOPE", "has no item"),
    ):
        response = await client.get(f"/audit?{bad}")
        assert response.status == 422, bad
        assert message in await response.text(), bad


async def test_newest_first_on_request_in_bounded_pages(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    sign_in(client, web_config, "monitor")
    oldest = [p for p, _ in rows(await (await client.get("/audit?limit=10")).text())]
    assert oldest == sorted(oldest)
    html = await (await client.get("/audit?limit=10&order=newest")).text()
    newest = [p for p, _ in rows(html)]
    assert len(newest) == 10 and newest == sorted(newest, reverse=True)
    assert newest[0] > oldest[-1]
    assert '<option value="newest" selected>Newest first</option>' in html
    following = re.search(r'href="(/audit\?[^"]*before=\d+[^"]*)" rel="next"', html)
    assert following is not None
    second = rows(await (await client.get(following.group(1).replace("&amp;", "&"))).text())
    assert [p for p, _ in second] == sorted((p for p, _ in second), reverse=True)
    assert second[0][0] < newest[-1]


async def test_screening_item_history_starts_at_the_value_first_recorded(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    sign_in(client, web_config, "monitor")
    path = f"/participants/{seeded.ready}/forms/screening/items/LBP_NOW_SCR/history"
    html = await (await client.get(path)).text()
    assert "This item was never entered" not in html
    assert '<td class="new">6</td>' in html and "(first recorded)" in html
    assert '<td class="event">Screened</td>' in html
    sex = await (
        await client.get(f"/participants/{seeded.ready}/forms/screening/items/SEX/history")
    ).text()
    assert '<td class="new">Female</td>' in sex  # the code's label, not the code


async def test_a_blinded_monitors_filtered_trail_never_shows_arm_revealing_rows(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    """The attack: filter the whole trail every way towards the randomised participant's
    adherence and adverse event; nothing arm-revealing, not even a count, comes back."""
    assert client.app is not None
    trial = client.app[TRIAL]
    staff = trial.actor_for(NAMES["site_staff"])
    pid = UUID(seeded.randomised)
    adherence = (
        {"EXERCISE_SESSIONS": 8, "HOME_EXERCISE_DAYS_PER_WEEK": 4}
        if seeded.arm == "exercise"
        else {"REST_HOURS_PER_DAY": 2.5, "BELT_USE": "daily", "REST_MEETINGS": 3}
    )
    trial.record_form(staff, pid, "adherence", adherence, expected_version=0)
    trial.record_form(
        staff, pid, "adverse_event", {"AE_NO": 1, **factories.adverse_event()}, expected_version=0
    )
    # The rows are there for an unblinded reader of the same trail (the attack has a target).
    unblinded = replace(trial.actor_for(NAMES["monitor"]), blinded=False)
    seen = trial.global_trail(unblinded, limit=1000, participant=seeded.randomised)
    assert {"ArmRevealingRecord.AdherenceRecorded", "ArmRevealingRecord.AdverseEventReported"} <= {
        row["type"] for row in seen["events"]
    }

    sign_in(client, web_config, "monitor")
    number = trial.get_participant(staff, pid)["screening_number"]
    queries = [
        f"participant={number}",
        f"participant={seeded.randomised}&order=newest",
        f"participant={number}&form=week10",
        "order=newest&limit=200",
        "item=AE_TERM",
        f"participant={number}&item=EXERCISE_SESSIONS",
        "type=Participant.Randomised",
    ]
    for query in queries:
        response = await client.get(f"/audit?{query}")
        text = await response.text()
        assert response.status in (200, 422), query
        if "EXERCISE_SESSIONS" in query:
            assert "There is no item &#39;EXERCISE_SESSIONS&#39;" in text
        # What the reader typed comes back in the filter field; nothing else may name the arm.
        assert arm_leaks(text.replace("EXERCISE_SESSIONS", "")) == [], query
        for words in ("Adherence recorded", "Adverse event reported", "Low back pain flare"):
            assert words not in text, query
        assert "Adherence to intervention" not in text and "Adverse event" not in text, query
    for form in ("adherence", "adverse_event", "discontinuation"):
        refused = await client.get(f"/audit?form={form}&participant={number}")
        assert refused.status == 403, form
        assert "reveals the arm" in await refused.text()


async def test_the_api_filters_by_participant_form_item_and_pages_newest_first(
    client: Client, seeded: Seeded
) -> None:
    number = correct_baseline(client, seeded)
    monitor = bearer(seeded, "monitor")
    query = f"participant={number}&form=baseline&item=LBP_NOW&order=newest"
    page = await (await client.get(f"/api/v1/audit?{query}", headers=monitor)).json()
    assert [row["type"] for row in page["events"]] == [
        "Participant.FormCorrected",
        "Participant.BaselineRecorded",
    ]
    assert {row["screening_number"] for row in page["events"]} == {number}
    assert {row["participant_id"] for row in page["events"]} == {seeded.ready}
    newest = await (await client.get("/api/v1/audit?order=newest&limit=5", headers=monitor)).json()
    positions = [row["position"] for row in newest["events"]]
    assert positions == sorted(positions, reverse=True) and newest["next"] == positions[-1]
    following = await (
        await client.get(
            f"/api/v1/audit?order=newest&limit=5&before={newest['next']}", headers=monitor
        )
    ).json()
    assert following["events"][0]["position"] < positions[-1]
    for bad, status in (("order=sideways", 422), ("participant=RINGE-9999", 404)):
        assert (await client.get(f"/api/v1/audit?{bad}", headers=monitor)).status == status, bad
    blind = await client.get("/api/v1/audit?form=adherence", headers=monitor)
    assert blind.status == 403


async def test_a_missed_visit_reads_with_its_visit_and_reason_in_words(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    assert client.app is not None
    trial = client.app[TRIAL]
    staff = trial.actor_for(NAMES["site_staff"])
    trial.record_visit_missed(staff, UUID(seeded.randomised), "week10", {"reason": "declined"})
    sign_in(client, web_config, "monitor")
    html = await (await client.get(f"/audit?participant={seeded.randomised}&order=newest")).text()
    (_, newest), *_ = rows(html)
    assert '<td class="event">Visit missed</td>' in newest
    assert '<td class="sheet">Week 10</td>' in newest
    assert '<td class="reason">Participant declined the visit</td>' in newest


@pytest.mark.parametrize(
    "query",
    [
        {"form": "baseline"},
        {"form": "screening", "item": "SEX"},
        {"item": "LBP_NOW"},
        {"user": "sara", "form": "mri"},
    ],
)
async def test_the_audit_index_finds_what_reading_the_store_finds(
    client: Client, web_config: WebConfig, seeded: Seeded, query: dict[str, str]
) -> None:
    """Form, item and user filters are located by the read models' audit index once it is
    caught up; the page answers exactly as reading the whole store does, both orders."""
    assert client.app is not None
    correct_baseline(client, seeded)
    trial = client.app[TRIAL]
    sign_in(client, web_config, "monitor")
    monitor = trial.actor_for(NAMES["monitor"])
    for order in ("", "newest"):
        store = trial.global_trail(monitor, limit=200, newest_first=bool(order), **query)
        expected = [row["position"] for row in store["events"]]
        assert expected, query
        html = await (
            await client.get("/audit", params={**query, "order": order, "limit": "200"})
        ).text()
        assert [p for p, _ in rows(html)] == expected, (query, order)
        # The page was caught up, so the index located them (read here in pages of two).
        models = client.app[PROJECTIONS].read_models()
        located = list(models.audit_positions("blinded", newest_first=bool(order), page=2, **query))
        assert set(expected) <= set(located) and len(located) == len(set(located))
        assert located == sorted(located, reverse=bool(order))


async def test_the_trail_reads_in_danish_for_a_danish_reader(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    correct_baseline(client, seeded)
    token = sign_in(client, web_config, "monitor")
    await client.post("/language", data={"csrf_token": token, "lang": "da"})
    html = await (await client.get("/audit?form=baseline&order=newest")).text()
    (_, newest), *_ = rows(html)
    assert '<td class="event">Skema rettet</td>' in newest
    assert '<td class="reason">Afskrivningsfejl: source says 7</td>' in newest
    assert '<option value="newest" selected>Nyeste først</option>' in html
    weekly = await (await client.get("/audit?type=Participant.Screened")).text()
    assert '<td class="sheet">Screening (egnethed før MR-scanning)</td>' in weekly
    history = await (
        await client.get(f"/participants/{seeded.ready}/forms/screening/items/SEX/history")
    ).text()
    assert "(først registreret)" in history and '<td class="event">Screenet</td>' in history


async def test_a_login_and_its_logout_read_in_words_without_the_session_id(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    browser = await make_client()
    token = await login(browser, "monitor")
    await browser.post("/logout", data={"csrf_token": token})
    reader = await make_client()
    manager = sign_in(reader, web_config, "data_manager")
    logins = await (await reader.get("/audit?type=User.LoginSucceeded&order=newest")).text()
    (_, login_row), *_ = rows(logins)
    stored = await (
        await reader.get(
            "/api/v1/audit?type=User.LoginSucceeded&order=newest&limit=1",
            headers=bearer(seeded, "data_manager"),
        )
    ).json()
    session_id = stored["events"][0]["details"]["session_id"]
    assert session_id not in login_row and "session_id" not in login_row
    reference = re.search(
        r"Logged in with user name and password \(session ([0-9a-f]{6})\)", login_row
    )
    assert reference, login_row
    logouts = await (await reader.get("/audit?type=User.LoggedOut&order=newest")).text()
    (_, logout_row), *_ = rows(logouts)
    assert f"Logged out (session {reference[1]})" in logout_row  # the same session, paired
    assert session_id not in logout_row
    await reader.post("/language", data={"csrf_token": manager, "lang": "da"})
    danish = await (await reader.get("/audit?type=User.LoginSucceeded&order=newest")).text()
    (_, login_row), *_ = rows(danish)
    assert f"Logget ind med brugernavn og adgangskode (session {reference[1]})" in login_row


async def test_a_row_lists_only_items_that_hold_a_value_before_or_after(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    sign_in(client, web_config, "monitor")
    html = await (await client.get(f"/audit?participant={seeded.ready}&form=baseline")).text()
    recorded = [body for _, body in rows(html) if "Baseline recorded" in body]
    assert recorded and "LBP now" in recorded[0]
    # The missing-answer codes nobody gave are no change: no line says "— → —".
    assert all(": — → —" not in body for _, body in rows(html)), recorded[0][:2000]
