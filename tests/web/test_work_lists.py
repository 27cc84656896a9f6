"""Work lists per role on the demo trial as it stands on its day: visits due and overdue for
site staff and the assessor, forms to sign for the investigator, forms to verify and
deviations for the monitor, open and answered queries for everyone; scoped by site and
blinding like every other read."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient

from domain.protocol import ARM_REVEALING_FORMS, FORM_LABELS, VISITS
from tests.security.blind_store import sign_in_as
from tests.web import live_demo
from tests.web.crawl import arm_leaks
from tests.web.live_demo import BLINDED, OTHER_SITE, LiveDemo
from web.config import WebConfig

ARM_FORM_WORDS = (
    *(FORM_LABELS[form] for form in ARM_REVEALING_FORMS),
    *(f"/forms/{form}" for form in ARM_REVEALING_FORMS),
    "Serious adverse",
)


# The demo store, and the web app on a copy of it, in place of the seeded store's client.
demo = live_demo.demo
client = live_demo.client


async def work_page(client: TestClient, config: WebConfig, name: str) -> str:
    sign_in_as(client, config, name)
    response = await client.get("/work")
    assert response.status == 200, await response.text()
    return await response.text()


def section(html: str, section_id: str) -> str:
    match = re.search(rf'<section id="{section_id}">(.*?)</section>', html, re.S)
    assert match, f"no section {section_id}"
    return match.group(1)


def rows(html: str) -> list[str]:
    return re.findall(r"<tr>(.*?)</tr>", html.split("<tbody>", 1)[1], re.S)


async def test_the_assessor_has_follow_ups_due_this_week_and_one_overdue(
    client: TestClient, web_config: WebConfig
) -> None:
    html = await work_page(client, web_config, "anna")
    visits = rows(section(html, "visits-due"))
    assert any("overdue" in row and "/forms/week10" in row for row in visits)
    assert any("this week" in row and "/forms/week10" in row for row in visits)
    assert 'id="to-sign"' not in html and 'id="to-verify"' not in html
    assert 'id="queries-open"' in html


async def test_the_investigator_has_forms_to_sign(
    client: TestClient, web_config: WebConfig
) -> None:
    html = await work_page(client, web_config, "ivan")
    to_sign = rows(section(html, "to-sign"))
    assert any("/sign?form=baseline" in row for row in to_sign)
    assert 'id="visits-due"' in html and 'id="to-verify"' not in html


async def test_the_monitor_verifies_reviews_deviations_and_follows_queries(
    client: TestClient, web_config: WebConfig
) -> None:
    html = await work_page(client, web_config, "mona")
    assert any("/forms/baseline" in row for row in rows(section(html, "to-verify")))
    deviations = section(html, "deviations")
    assert "randomised while ineligible" in deviations
    assert "randomised on a wrong factor level" in deviations
    assert "recorded by the site" in deviations and live_demo.RECORDED_DEVIATION in deviations
    assert any("/queries/" in row for row in rows(section(html, "queries-open")))
    assert 'id="visits-due"' not in html and 'id="to-sign"' not in html
    # Screen failures have a screening log, not a casebook to verify form by form.
    failures = await (await client.get("/participants?status=screen+failure&format=csv")).text()
    numbers = [line.split(",")[0] for line in failures.splitlines()[1:]]
    assert numbers and not [n for n in numbers if n in section(html, "to-verify")]


async def test_site_staff_see_visits_due_and_the_queries_to_answer(
    client: TestClient, web_config: WebConfig
) -> None:
    html = await work_page(client, web_config, "sara")
    assert any("/forms/adherence" in row for row in rows(section(html, "visits-due")))
    assert any("/queries/" in row for row in rows(section(html, "queries-open")))
    assert 'id="to-sign"' not in html


async def test_the_dashboard_counts_the_work_and_links_to_it(
    client: TestClient, web_config: WebConfig
) -> None:
    sign_in_as(client, web_config, "anna")
    html = await (await client.get("/")).text()
    work = section(html, "my-work")
    assert 'href="/work#visits-due"' in work
    assert re.search(r'id="work-visits">[1-9]', work)


async def test_the_dashboard_names_the_visits_due_in_words(
    client: TestClient, web_config: WebConfig
) -> None:
    sign_in_as(client, web_config, "anna")
    html = await (await client.get("/")).text()
    due = html[html.index("Visits due or overdue today") :]
    due = due[: due.index("</table>")]
    assert "<td>Week 10</td>" in due and "week10" not in due


async def test_an_admin_has_no_work_lists(client: TestClient, web_config: WebConfig) -> None:
    sign_in_as(client, web_config, "adam")
    assert (await client.get("/work")).status == 403


@pytest.mark.parametrize("role", sorted(BLINDED))
async def test_a_blinded_account_s_work_lists_reveal_no_arm(
    client: TestClient, web_config: WebConfig, role: str
) -> None:
    for path in ("/work", "/"):
        sign_in_as(client, web_config, BLINDED[role])
        response = await client.get(path)
        assert response.status == 200
        html = await response.text()
        assert arm_leaks(html) == [], (role, path)
        assert [word for word in ARM_FORM_WORDS if word in html] == [], (role, path)


def _form_links(html: str, section_id: str, marker: str) -> set[str]:
    return set(re.findall(rf'href="([^"]*{re.escape(marker)}[^"]*)"', section(html, section_id)))


ARM_LINK = re.compile(rf"(/forms/|form=)({'|'.join(sorted(ARM_REVEALING_FORMS))})\b")


async def test_the_unblinded_lists_are_the_same_work_and_the_harms(
    client: TestClient, web_config: WebConfig
) -> None:
    # What the blinded monitor must do is what the unblinded one must do, but for the
    # arm-revealing forms that only the unblinded one signs and verifies: no list of the
    # blinded one is longer or shorter for them.
    blinded = await work_page(client, web_config, "mona")
    unblinded = await work_page(client, web_config, "ulla")
    for section_id in ("deviations", "queries-open", "queries-answered"):
        assert rows(section(blinded, section_id)) == rows(section(unblinded, section_id))
    to_verify = _form_links(unblinded, "to-verify", "/forms/")
    assert {link for link in to_verify if not ARM_LINK.search(link)} == _form_links(
        blinded, "to-verify", "/forms/"
    )
    assert [link for link in to_verify if ARM_LINK.search(link)]
    # The same for signing: the unblinded investigator signs the arm-revealing forms too.
    blinded = await work_page(client, web_config, "ivan")
    unblinded = await work_page(client, web_config, "uffe")
    to_sign = _form_links(unblinded, "to-sign", "/sign")
    assert {link for link in to_sign if not ARM_LINK.search(link)} == _form_links(
        blinded, "to-sign", "/sign"
    )
    assert [link for link in to_sign if ARM_LINK.search(link)]


@pytest.mark.parametrize("role", sorted(OTHER_SITE))
async def test_another_site_s_accounts_see_none_of_this_site_s_participants(
    client: TestClient, web_config: WebConfig, demo: LiveDemo, role: str
) -> None:
    for path in ("/work", "/"):
        sign_in_as(client, web_config, OTHER_SITE[role])
        html = await (await client.get(path)).text()
        assert [n for n in demo.screening_numbers if n in html] == [], (role, path)
    html = await work_page(client, web_config, OTHER_SITE[role])
    for section_id in ("visits-due", "queries-open", "queries-answered"):
        assert len(rows(section(html, section_id))) == 1  # the "nothing" row


def _without_details(match: re.Match[str]) -> str:
    return re.sub(r"(</a></td><td>)[^<]*(</td></tr>)", r"\1\2", match.group(0))


async def test_the_work_lists_speak_danish(client: TestClient, web_config: WebConfig) -> None:
    from tests.web.test_i18n_pages import english_left
    from web.i18n import COOKIE

    for name in ("anna", "ivan", "mona"):
        sign_in_as(client, web_config, name)
        client.session.cookie_jar.update_cookies({COOKIE: "da"}, client.make_url("/"))
        html = await (await client.get("/work")).text()
        assert "Mit arbejde 2. mar. 2026" in html
        assert "Til underskrift" in html or "Åbne forespørgsler" in html
        # The protocol's form and visit names are shown through the catalogue too, once it
        # holds them; what is checked here is the work lists' own wording.
        for label in sorted((*FORM_LABELS.values(), *(v.label for v in VISITS)), key=len)[::-1]:
            html = html.replace(f">{label}<", "><")
        # So are the domain's sentences describing a deviation (the third column).
        html = re.sub(
            r"(<section id=\"deviations\">.*?)</section>", _without_details, html, flags=re.S
        )
        assert english_left(html) == [], name


async def test_a_visit_past_its_target_day_inside_its_window_is_not_called_overdue(
    client: TestClient, web_config: WebConfig
) -> None:
    """Past the target day with the window still open the list says until when it is open;
    "overdue" is kept for a visit whose window closed without it."""
    html = await work_page(client, web_config, "anna")
    visits = [re.sub(r"<[^>]+>", " ", row) for row in rows(section(html, "visits-due"))]
    late = [row for row in visits if "past target day" in row]
    assert late
    for row in late:
        assert re.search(r"past target day, window open until \d{4}-\d\d-\d\d", row), row
        assert "overdue" not in row
    closed = [row for row in visits if "overdue" in row]
    assert closed
    for row in closed:
        assert re.search(r"overdue: the window closed \d{4}-\d\d-\d\d", row), row


async def test_the_danish_work_list_says_past_target_day_and_overdue_in_danish(
    client: TestClient, web_config: WebConfig
) -> None:
    token = sign_in_as(client, web_config, "anna")
    await client.post("/language", data={"csrf_token": token, "lang": "da"})
    html = await (await client.get("/work")).text()
    visits = [re.sub(r"<[^>]+>", " ", row) for row in rows(section(html, "visits-due"))]
    assert any(
        re.search(r"efter måldagen, vinduet er åbent til \d{1,2}\. [a-z]{3}\. \d{4}", row)
        for row in visits
    )
    assert any(
        re.search(r"overskredet: vinduet lukkede \d{1,2}\. [a-z]{3}\. \d{4}", row) for row in visits
    )
    assert not any("forsinket" in row for row in visits)


async def test_a_form_has_one_name_on_the_work_list_and_on_its_own_page(
    client: TestClient, web_config: WebConfig
) -> None:
    token = sign_in_as(client, web_config, "anna")
    await client.post("/language", data={"csrf_token": token, "lang": "da"})
    html = await (await client.get("/work")).text()
    link = re.search(r'<a href="(/participants/[^"]+/forms/week10)">([^<]+)</a>', html)
    assert link
    form_page = await (await client.get(link[1])).text()
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", form_page, re.S)
    assert heading
    assert link[2] == "Effektmål uge 10"
    assert link[2] in re.sub(r"<[^>]+>", "", heading[1])
