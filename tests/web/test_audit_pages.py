"""Audit views: participant trail, item history, time travel, global trail, tamper check."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest

from tests import factories
from tests.app.conftest import NAMES
from tests.web.conftest import Client, bearer, sign_in
from tests.web.store import Seeded
from web.config import WebConfig
from web.keys import TRIAL

AUDIT_ROLES = ("investigator", "monitor", "data_manager")
OTHER_ROLES = ("site_staff", "assessor", "analyst", "admin")


def correct_baseline(client: Client, seeded: Seeded) -> None:
    """LBP_NOW 6 -> 7 with a reason, by site staff, through the application."""
    assert client.app is not None
    trial = client.app[TRIAL]
    trial.record_form(
        trial.actor_for(NAMES["site_staff"]),
        UUID(seeded.ready),
        "baseline",
        factories.outcomes(LBP_NOW=7),
        expected_version=1,
        reason={"code": "transcription_error", "text": "source says 7"},
    )


@pytest.mark.parametrize("role", AUDIT_ROLES + OTHER_ROLES)
async def test_who_may_read_the_trail(
    client: Client, web_config: WebConfig, seeded: Seeded, role: str
) -> None:
    sign_in(client, web_config, role)
    expected = 200 if role in AUDIT_ROLES else 403
    for path in (
        f"/participants/{seeded.ready}/audit",
        "/audit",
        f"/participants/{seeded.ready}/as-of",
        f"/participants/{seeded.ready}/forms/baseline/items/LBP_NOW/history",
    ):
        assert (await client.get(path)).status == expected, path


async def test_participant_trail_and_item_history_show_old_new_who_when_why(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    correct_baseline(client, seeded)
    sign_in(client, web_config, "monitor")
    html = await (await client.get(f"/participants/{seeded.ready}/audit")).text()
    # Events and reasons in words (issue 12), not class names and codes.
    assert "Form corrected" in html and "Transcription error: source says 7" in html
    assert "Participant.FormCorrected" not in html and "transcription_error" not in html
    assert "6 → 7" in html
    history = f"/participants/{seeded.ready}/forms/baseline/items/LBP_NOW/history"
    assert history in html
    html = await (await client.get(history)).text()
    assert "— </td>" not in html
    assert html.count('<tr><td class="num">') == 2  # entered, then corrected
    assert "sara" in html and "site staff" in html and "CET" in html


async def test_time_travel_shows_the_record_as_it_stood(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    correct_baseline(client, seeded)
    sign_in(client, web_config, "monitor")
    path = f"/participants/{seeded.ready}/as-of"
    page = await (await client.get(path)).text()
    assert 'type="datetime-local"' in page
    # The seeded store was built in January 2024; the correction came in February.
    before = await (await client.get(path + "?at=2024-01-31T12:00")).text()
    assert 'id="asof-baseline-LBP_NOW">6<' in before
    now = await (await client.get(path + "?at=2024-12-31T12:00")).text()
    assert 'id="asof-baseline-LBP_NOW">7<' in now
    early = await client.get(path + "?at=2000-01-01T00:00")
    assert early.status == 422 and "not been screened yet" in await early.text()
    assert (await client.get(path + "?at=yesterday")).status == 422
    by_position = await (await client.get(path + "?position=1")).text()
    assert "not been screened yet" in by_position


async def test_global_trail_filters_and_pages(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    sign_in(client, web_config, "data_manager")
    html = await (await client.get("/audit?limit=10")).text()
    assert "Account created" in html and 'rel="next"' in html
    assert html.count('<td class="num">') == 10
    assert "Allocation." not in html  # the blinded data manager's type list and rows
    only = await (await client.get("/audit?type=Participant.Screened")).text()
    assert only.count('<td class="event">Screened</td>') == 3
    assert '<td class="event">Form entered</td>' not in only
    by_user = await (await client.get("/audit?user=nobody")).text()
    assert "No events." in by_user
    refused = await client.get("/audit?type=Allocation.Allocated")
    assert refused.status == 403
    assert (await client.get("/audit?from=soon")).status == 422


async def test_tamper_check_page(client: Client, web_config: WebConfig) -> None:
    sign_in(client, web_config, "monitor")
    html = await (await client.get("/audit/verify")).text()
    assert 'id="verify-result">Intact:' in html


async def test_audit_api(client: Client, seeded: Seeded) -> None:
    assert client.app is not None
    correct_baseline(client, seeded)
    response = await client.get(
        f"/api/v1/participants/{seeded.ready}/audit", headers=bearer(seeded, "monitor")
    )
    assert response.status == 200
    rows = await response.json()
    corrected = [r for r in rows if r["type"] == "Participant.FormCorrected"]
    assert corrected[0]["reason"] == {"code": "transcription_error", "text": "source says 7"}
    assert {"item": "LBP_NOW", "old": 6, "new": 7}.items() <= corrected[0]["changes"][0].items()
    assert [r["position"] for r in rows] == sorted(r["position"] for r in rows)
    denied = await client.get(
        f"/api/v1/participants/{seeded.ready}/audit", headers=bearer(seeded, "site_staff")
    )
    assert denied.status == 403
    page = await (
        await client.get("/api/v1/audit?since=0&limit=5", headers=bearer(seeded, "monitor"))
    ).json()
    assert len(page["events"]) == 5 and page["next"] == page["events"][-1]["position"]
    following = await (
        await client.get(
            f"/api/v1/audit?since={page['next']}&limit=5", headers=bearer(seeded, "monitor")
        )
    ).json()
    assert following["events"][0]["position"] > page["next"]
    for query in ("limit=0", "limit=x", "type=Nothing", "from=today"):
        bad = await client.get(f"/api/v1/audit?{query}", headers=bearer(seeded, "monitor"))
        assert bad.status == 422, query
    blind = await client.get(
        "/api/v1/audit?type=Allocation.Allocated", headers=bearer(seeded, "monitor")
    )
    assert blind.status == 403


async def test_participant_as_of_in_the_api(client: Client, seeded: Seeded) -> None:
    correct_baseline(client, seeded)
    path = f"/api/v1/participants/{seeded.ready}"
    headers = bearer(seeded, "monitor")
    then = await (
        await client.get(path, params={"as_of": "2024-01-31T12:00:00+01:00"}, headers=headers)
    ).json()
    assert then["forms"]["baseline"]["items"]["LBP_NOW"] == 6
    assert then["as_of"]["time"] < datetime(2024, 2, 1, tzinfo=UTC).isoformat()
    now = await (await client.get(path, headers=headers)).json()
    assert now["forms"]["baseline"]["items"]["LBP_NOW"] == 7
    by_position = await client.get(path + f"?as_of={then['as_of']['position']}", headers=headers)
    assert (await by_position.json())["forms"]["baseline"]["version"] == 1
    for bad in ("yesterday", "2024-01-31T12:00:00"):
        assert (await client.get(path + f"?as_of={bad}", headers=headers)).status == 422
    staff = await client.get(path + "?as_of=1", headers=bearer(seeded, "site_staff"))
    assert staff.status == 403


HUGE = str(2**63)  # one past the largest integer SQLite and PostgreSQL store
TOO_LONG = "9" * 4400  # beyond the 4,300 digits Python converts by default


@pytest.mark.parametrize("number", [HUGE, TOO_LONG, "-1", "١٢"])
async def test_numbers_beyond_what_the_database_stores_are_refused_in_the_api(
    client: Client, seeded: Seeded, number: str
) -> None:
    monitor, analyst = bearer(seeded, "monitor"), bearer(seeded, "analyst")
    for path, headers in (
        (f"/api/v1/audit?since={number}", monitor),
        (f"/api/v1/audit?limit={number}", monitor),
        (f"/api/v1/participants/{seeded.ready}?as_of={number}", monitor),
        (f"/api/v1/snapshots/blinded?as_of={number}", analyst),
    ):
        response = await client.get(path, headers=headers)
        assert response.status == 422, path
        assert (await response.json())["error"] == "invalid", path


@pytest.mark.parametrize("number", [HUGE, TOO_LONG])
async def test_numbers_beyond_what_the_database_stores_are_answered_in_the_pages(
    client: Client, web_config: WebConfig, seeded: Seeded, number: str
) -> None:
    sign_in(client, web_config, "monitor")
    trail = await client.get(f"/participants/{seeded.ready}/as-of?position={number}")
    assert trail.status == 422  # the page again, with the message next to the field
    assert "The event position is a whole number." in await trail.text()
    for query in (f"/audit?since={number}", f"/audit?limit={number}", f"/refusals?since={number}"):
        assert (await client.get(query)).status == 200, query
