"""Queries on an adverse event in the browser (issue 10): an unblinded monitor raises one from
the item on the adverse event's page, site staff answer it with a correction on the query page,
the inbox and dashboard count it for unblinded readers; a blinded monitor's pages show none of
it, and naming it by its id gets the page an id that names nothing gets."""

from __future__ import annotations

import re
from uuid import UUID, uuid4

import pytest

from domain.prelock import ARM_REVEALING_QUERIES_OPEN
from edc.application import SYSTEM
from tests import factories
from tests.app.conftest import PASSWORD
from tests.web.conftest import Client, MakeClient, bearer, sign_in
from tests.web.store import Seeded
from tests.web.test_allocation_recheck_page import sign_in_unblinded
from tests.web.test_casebook_pages import pdf_text
from tests.web.test_forms import version_of
from web.config import WebConfig
from web.keys import TRIAL

QID = re.compile(r'href="/queries/([0-9a-f-]{36})"')
COUNT = re.compile(r'id="count-queries">(\d+)<')


async def _report(client: Client, seeded: Seeded) -> None:
    response = await client.put(
        f"/api/v1/participants/{seeded.randomised}/forms/adverse_event",
        json={"items": factories.adverse_event(), "expected_version": 0},
        headers=bearer(seeded, "site_staff"),
    )
    assert response.status == 200, await response.text()


def _unblinded_monitor(client: Client, web_config: WebConfig) -> None:
    trial = client.app[TRIAL]
    trial.add_user(
        SYSTEM, "ulla", "monitor", PASSWORD, blinded=False, blinding_reason="queries harms"
    )
    sign_in_unblinded(client, web_config, "ulla", trial.get_user("ulla").session_epoch)


async def _csrf(client: Client, path: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', await (await client.get(path)).text())
    assert match, path
    return match.group(1)


def _main(html: str) -> str:
    """The page's own content (the header carries the account's name and a fresh token)."""
    return html.split("<main", 1)[-1].split("</main>", 1)[0]


@pytest.fixture
async def raised(make_client: MakeClient, web_config: WebConfig, seeded: Seeded) -> dict[str, str]:
    """An adverse event reported, and an unblinded monitor's query on its severity."""
    ulla = await make_client()
    await _report(ulla, seeded)
    _unblinded_monitor(ulla, web_config)
    form_path = f"/participants/{seeded.randomised}/forms/adverse_event"
    page = await (await ulla.get(f"{form_path}?week=1")).text()
    assert 'id="raise-AE_SEVERITY"' in page  # "Raise a query on this item"
    token = await _csrf(ulla, f"{form_path}?week=1")
    response = await ulla.post(
        f"{form_path}/queries",
        data={"csrf_token": token, "item": "AE_SEVERITY", "week": "1", "text": "Moderate?"},
    )
    html = await response.text()
    assert response.status == 200 and "Query raised." in html
    assert "AE_SEVERITY" in html and "Moderate?" in html  # listed on the event's page
    inbox = await (await ulla.get("/queries")).text()
    match = QID.search(inbox)
    assert match and "(adverse event 1)" in inbox and "arm-revealing" in inbox
    dashboard = await (await ulla.get("/")).text()
    count = COUNT.search(dashboard)
    assert count and count.group(1) == "1"
    work = await (await ulla.get("/work")).text()
    assert f"/queries/{match.group(1)}" in work and "(adverse event 1)" in work
    return {"qid": match.group(1), "pid": seeded.randomised}


async def test_site_staff_answer_with_a_correction_of_the_event(
    make_client: MakeClient, web_config: WebConfig, raised: dict[str, str]
) -> None:
    sara = await make_client()
    token = sign_in(sara, web_config, "site_staff")
    qid = raised["qid"]
    page = await (await sara.get(f"/queries/{qid}")).text()
    assert 'id="arm-revealing-note"' in page and 'name="AE_SEVERITY"' in page
    answered = await sara.post(
        f"/queries/{qid}/answer",
        data={
            "csrf_token": token,
            "text": "Moderate per the discharge letter",
            "item_shown": "yes",
            "AE_SEVERITY": "moderate",
            "expected_version": version_of(page),
        },
    )
    html = await answered.text()
    assert answered.status == 200, html
    assert "The correction is recorded (AE_SEVERITY" in html
    assert 'id="query-status">answered<' in html
    record = sara.app[TRIAL].load_arm_revealing_record(UUID(raised["pid"]))
    assert record.sheets["adverse_event:01"]["AE_SEVERITY"] == "moderate"


@pytest.mark.parametrize("role", ["monitor", "data_manager", "investigator"])
async def test_blinded_pages_show_nothing_of_it(
    make_client: MakeClient, web_config: WebConfig, raised: dict[str, str], role: str
) -> None:
    client = await make_client()
    token = sign_in(client, web_config, role)
    inbox = await (await client.get("/queries")).text()
    assert raised["qid"] not in inbox and "arm-revealing" not in inbox
    dashboard = await (await client.get("/")).text()
    count = COUNT.search(dashboard)
    assert count is None or count.group(1) == "0"
    work = await (await client.get("/work")).text()
    assert raised["qid"] not in work and "arm-revealing" not in work
    participant = await (await client.get(f"/participants/{raised['pid']}")).text()
    assert "adverse" not in _main(participant).lower() and "open query" not in participant
    # Its id gets what an id that names nothing gets.
    real = await client.get(f"/queries/{raised['qid']}")
    nothing = await client.get(f"/queries/{uuid4()}")
    assert real.status == nothing.status == 404
    assert _main(await real.text()) == _main(await nothing.text())
    for action, data in (("answer", {"text": "x"}), ("close", {}), ("reopen", {"text": "x"})):
        posted = await client.post(
            f"/queries/{raised['qid']}/{action}", data={"csrf_token": token, **data}
        )
        empty = await client.post(
            f"/queries/{uuid4()}/{action}", data={"csrf_token": token, **data}
        )
        assert posted.status == empty.status == 404, action
        assert _main(await posted.text()) == _main(await empty.text())


async def test_raising_is_refused_alike_for_every_participant(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded, raised: dict[str, str]
) -> None:
    mona = await make_client()
    token = sign_in(mona, web_config, "monitor")
    answers = set()
    for pid in (seeded.randomised, seeded.ready, seeded.screened, str(uuid4())):
        response = await mona.post(
            f"/participants/{pid}/forms/adverse_event/queries",
            data={"csrf_token": token, "item": "AE_SEVERITY", "week": "1", "text": "?"},
        )
        answers.add((response.status, _main(await response.text())))
    assert len(answers) == 1
    [(status, body)] = answers
    assert status == 403, body


async def test_the_casebook_pdf_has_it_for_unblinded_readers_only(
    make_client: MakeClient, web_config: WebConfig, raised: dict[str, str]
) -> None:
    link = f"/participants/{raised['pid']}/casebook.pdf"
    ulla = await make_client()
    epoch = ulla.app[TRIAL].get_user("ulla").session_epoch
    sign_in_unblinded(ulla, web_config, "ulla", epoch)
    unblinded = pdf_text(await (await ulla.get(link)).read())
    assert "Moderate?" in unblinded and "AE_SEVERITY" in unblinded
    assert "queries: 1 (1 not closed)" in unblinded
    mona = await make_client()
    sign_in(mona, web_config, "monitor")
    blinded = pdf_text(await (await mona.get(link)).read())
    assert "Moderate?" not in blinded and "AE_SEVERITY" not in blinded
    assert "queries: 0 (0 not closed)" in blinded


async def test_the_lock_page_tells_a_blinded_data_manager_only_that_some_are_open(
    make_client: MakeClient, web_config: WebConfig, raised: dict[str, str]
) -> None:
    dana = await make_client()
    sign_in(dana, web_config, "data_manager")
    page = await (await dana.get("/database")).text()
    check = page.split('id="check-arm_revealing_queries"', 1)[1].split("</fieldset>", 1)[0]
    assert ARM_REVEALING_QUERIES_OPEN in check and 'name="override_arm_revealing_queries"' in check
    assert "AE_SEVERITY" not in page and "adverse" not in _main(page).lower()
    assert "Shown to unblinded accounts only" not in page
