"""Every page for every role: who sees what, filters, the timeline, randomisation, users."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from tests.app.conftest import StepClock
from tests.web.conftest import Client, sign_in
from tests.web.store import Seeded
from web.config import WebConfig

ROLES = ("site_staff", "assessor", "investigator", "monitor", "data_manager", "analyst", "admin")
CLINICAL = ("site_staff", "assessor", "investigator", "monitor", "data_manager", "analyst")


def _labels_cover_inputs(html: str) -> None:
    """Every visible input, select and textarea has a label tied to it by id."""
    ids = re.findall(r'<(?:input|select|textarea)\b(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', html)
    fields = re.findall(r'<(?:input|select|textarea)\b(?![^>]*type="hidden")[^>]*>', html)
    assert len(ids) == len(fields), "an input without an id"
    labelled = set(re.findall(r'<label for="([^"]+)"', html))
    assert set(ids) <= labelled, set(ids) - labelled


@pytest.mark.parametrize("role", ROLES)
async def test_dashboard_for_every_role(client: Client, web_config: WebConfig, role: str) -> None:
    sign_in(client, web_config, role)
    response = await client.get("/")
    html = await response.text()
    assert response.status == 200
    if role in CLINICAL:
        assert 'id="count-screened">3<' in html
    else:
        assert "count-screened" not in html and "Manage users" in html


@pytest.mark.parametrize("role", ROLES)
async def test_participant_pages_by_role(
    client: Client, web_config: WebConfig, seeded: Seeded, role: str
) -> None:
    sign_in(client, web_config, role)
    listing = await client.get("/participants")
    timeline = await client.get(f"/participants/{seeded.randomised}")
    if role not in CLINICAL:
        assert listing.status == timeline.status == 403
        return
    assert listing.status == timeline.status == 200
    html = await timeline.text()
    assert "Timeline" in html and "Baseline" in html
    assert ("Adherence" in html) == (role == "site_staff")
    assert (f'class="arm">{seeded.arm}<' in html) == (role == "site_staff")


async def test_participant_list_filters(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    sign_in(client, web_config, "monitor")
    html = await (await client.get("/participants?status=randomised")).text()
    assert "1 participant." in html and seeded.randomised in html and seeded.ready not in html
    html = await (await client.get("/participants?site=RINGE&number=0002")).text()
    assert "1 participant." in html and seeded.ready in html
    html = await (await client.get("/participants?site=ELSEWHERE")).text()
    assert "0 participants." in html
    _labels_cover_inputs(html)
    assert (await client.get("/participants?page=x")).status == 200


@pytest.mark.parametrize("role", ROLES)
async def test_screening_page_only_for_those_who_screen(
    client: Client, web_config: WebConfig, role: str
) -> None:
    sign_in(client, web_config, role)
    response = await client.get("/participants/new")
    assert response.status == (200 if role in ("site_staff", "investigator") else 403)


async def test_screening_through_the_page(client: Client, web_config: WebConfig) -> None:
    token = sign_in(client, web_config, "site_staff")
    html = await (await client.get("/participants/new")).text()
    _labels_cover_inputs(html)
    assert 'value="RINGE" checked' in html  # the site is filled in from the account
    bad = await client.post(
        "/participants",
        data={"csrf_token": token, "SCR_DATE": "2024-01-10", "AGE": "forty", "SITE": "RINGE"},
    )
    assert bad.status == 422
    html = await bad.text()
    assert 'value="forty"' in html and 'id="err-AGE"' in html and 'id="err-SEX"' in html
    good = await client.post(
        "/participants",
        data={
            "csrf_token": token,
            "SCR_DATE": "2024-01-10",
            "SITE": "RINGE",
            "AGE": "70",
            "SEX": "M",
            "LBP_DURATION_MONTHS": "6",
            "LBP_NOW_SCR": "6",
            "SPEAKS_DANISH": "Y",
            "WILLING": "Y",
            "EXCL_DISORDER": "N",
            "EXCL_PREGNANT": "NA",
            "EXCL_SURGERY_REFERRAL": "N",
        },
    )
    assert good.status == 200 and good.url.path.startswith("/participants/")
    html = await good.text()
    assert "Screened as RINGE-0004: not eligible for MRI" in html
    assert "screen failure" in html


@pytest.mark.parametrize("role", ROLES)
async def test_users_page_only_for_admins(client: Client, web_config: WebConfig, role: str) -> None:
    sign_in(client, web_config, role)
    assert (await client.get("/users")).status == (200 if role == "admin" else 403)


async def test_admin_adds_a_user(client: Client, web_config: WebConfig) -> None:
    token = sign_in(client, web_config, "admin")
    html = await (await client.get("/users")).text()
    _labels_cover_inputs(html)
    assert "sara" in html and "site staff" in html
    refused = await client.post(
        "/users",
        data={
            "csrf_token": token,
            "name": "bo",
            "role": "assessor",
            "site": "",
            "blinding": "default",
            "password": "long enough password",
        },
    )
    assert refused.status == 422 and "needs a site" in await refused.text()
    added = await client.post(
        "/users",
        data={
            "csrf_token": token,
            "name": "bo",
            "role": "assessor",
            "site": "RINGE",
            "blinding": "default",
            "password": "long enough password",
        },
    )
    assert added.status == 200 and "Account bo added" in await added.text()


@pytest.mark.parametrize("role", ["assessor", "investigator", "monitor", "admin"])
async def test_randomise_page_refused_to_blinded_roles(
    client: Client, web_config: WebConfig, seeded: Seeded, role: str
) -> None:
    token = sign_in(client, web_config, role)
    page = await client.get(f"/participants/{seeded.ready}/randomise")
    post = await client.post(
        f"/participants/{seeded.ready}/randomise", data={"csrf_token": token, "confirm": "yes"}
    )
    assert page.status == post.status == 403


async def test_randomise_with_confirmation(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    token = sign_in(client, web_config, "site_staff")
    timeline = await (await client.get(f"/participants/{seeded.ready}")).text()
    assert f"/participants/{seeded.ready}/randomise" in timeline
    page = await client.get(f"/participants/{seeded.ready}/randomise")
    html = await page.text()
    assert html.count('class="ok"') == 6 and "I confirm" in html
    unconfirmed = await client.post(
        f"/participants/{seeded.ready}/randomise", data={"csrf_token": token}
    )
    assert unconfirmed.status == 422
    done = await client.post(
        f"/participants/{seeded.ready}/randomise", data={"csrf_token": token, "confirm": "yes"}
    )
    html = await done.text()
    assert done.status == 200 and 'id="arm"' in html
    again = await (await client.get(f"/participants/{seeded.ready}/randomise")).text()
    assert "already randomised" in again and "I confirm" not in again
    not_ready = await (await client.get(f"/participants/{seeded.screened}/randomise")).text()
    assert 'class="fail"' in not_ready and "cannot be randomised" in not_ready


async def test_unknown_pages_and_participants_are_404_pages(
    client: Client, web_config: WebConfig
) -> None:
    sign_in(client, web_config, "monitor")
    for path in (
        "/nowhere",
        "/participants/not-a-uuid",
        "/participants/00000000-0000-4000-8000-000000000000",
    ):
        response = await client.get(path)
        assert response.status == 404, path
        assert "Not found" in await response.text()


async def test_admin_manages_an_account(client: Client, web_config: WebConfig) -> None:
    token = sign_in(client, web_config, "admin")
    page = await client.get("/users/mona")
    html = await page.text()
    assert page.status == 200 and 'id="user-active">yes<' in html
    _labels_cover_inputs(html)
    # Tokens are issued to their owners only (issue 9): the administrator is refused.
    issued = await client.post("/users/mona/token", data={"csrf_token": token, "label": "x"})
    assert issued.status == 403 and "edc_" not in await issued.text()
    assert 'id="new-token"' not in await (await client.get("/users/mona")).text()
    refused = await client.post("/users/mona/deactivate", data={"csrf_token": token})
    assert refused.status == 422
    done = await client.post(
        "/users/mona/deactivate", data={"csrf_token": token, "reason": "left the trial"}
    )
    assert 'id="user-active">no<' in await done.text()
    named = await client.post(
        "/users/mona/name", data={"csrf_token": token, "full_name": "Mona <b>Monitor</b>"}
    )
    assert "Mona &lt;b&gt;Monitor&lt;/b&gt;" in await named.text()
    own = await client.post("/users/adam/deactivate", data={"csrf_token": token, "reason": "x"})
    assert own.status in (403, 422)
    assert (await client.get("/users/nobody")).status == 404
    assert (await client.post("/users/mona/explode", data={"csrf_token": token})).status == 404


async def test_visits_due_on_the_dashboard_and_as_a_filter(
    client: Client, web_config: WebConfig, web_clock: StepClock, seeded: Seeded
) -> None:
    # Randomised on 2024-01-15: the week 10 window opens on day 63 (2024-03-18).
    web_clock.current = datetime(2024, 3, 20, 9, 0, tzinfo=UTC)
    sign_in(client, web_config, "monitor")
    dashboard = await (await client.get("/")).text()
    assert "Visits due or overdue today (2024-03-20)" in dashboard
    row = dashboard.split("Visits due or overdue")[1].split("</table>")[0]
    assert "RINGE-0003" in row and "<td>Week 10</td>" in row and ">due<" in row
    due = await (await client.get("/participants?due=today")).text()
    assert "1 participant." in due and seeded.randomised in due
    timeline = await (await client.get(f"/participants/{seeded.randomised}")).text()
    assert 'id="visit-week10">due<' in timeline and 'id="visit-month12">not due<' in timeline
    web_clock.current = datetime(2024, 1, 20, 9, 0, tzinfo=UTC)
    none = await (await client.get("/participants?due=today")).text()
    assert "0 participants." in none


async def test_lists_show_a_save_at_once(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    token = sign_in(client, web_config, "site_staff")
    assert "3 participants." in await (await client.get("/participants")).text()
    await client.post(
        "/participants",
        data={
            "csrf_token": token,
            "SCR_DATE": "2024-01-10",
            "SITE": "RINGE",
            "AGE": "40",
            "SEX": "F",
            "LBP_DURATION_MONTHS": "6",
            "LBP_NOW_SCR": "6",
            "SPEAKS_DANISH": "Y",
            "WILLING": "Y",
            "EXCL_DISORDER": "N",
            "EXCL_PREGNANT": "N",
            "EXCL_SURGERY_REFERRAL": "N",
        },
    )
    listing = await (await client.get("/participants")).text()
    assert "4 participants." in listing and "RINGE-0004" in listing


@pytest.mark.parametrize(
    ("role", "paths"),
    [
        (
            "investigator",
            [
                "/participants/{ready}/sign?form=baseline",
                "/participants/{randomised}/unblind",
                "/participants/{ready}/audit",
                "/participants/{ready}/as-of",
                "/audit",
                "/password",
            ],
        ),
        (
            "data_manager",
            [
                "/database",
                "/exports",
                "/participants/{ready}",
                "/participants/{ready}/forms/baseline",
                "/queries",
                "/refusals",
            ],
        ),
        ("monitor", ["/participants/{ready}/forms/mri", "/audit?type=Participant.Screened"]),
        ("site_staff", ["/participants/{randomised}", "/participants/{randomised}/forms/weekly"]),
        ("admin", ["/users", "/users/sara"]),
    ],
)
async def test_every_input_on_every_page_has_a_label(
    client: Client, web_config: WebConfig, seeded: Seeded, role: str, paths: list[str]
) -> None:
    sign_in(client, web_config, role)
    for path in paths:
        response = await client.get(path.format(ready=seeded.ready, randomised=seeded.randomised))
        assert response.status == 200, path
        _labels_cover_inputs(await response.text())
