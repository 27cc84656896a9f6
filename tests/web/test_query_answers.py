"""Answering a query in the browser: a changed value is the correction, the site may answer
again while the query is not closed, and monitors raise a query from the item itself."""

from __future__ import annotations

import re

from tests.web.conftest import Client, MakeClient, sign_in
from tests.web.store import Seeded
from tests.web.test_forms import version_of
from web.config import WebConfig

QID = re.compile(r'href="/queries/([0-9a-f-]{36})"')


async def _raise(mona: Client, token: str, pid: str, item: str = "LBP_NOW") -> None:
    raised = await mona.post(
        f"/participants/{pid}/forms/baseline/queries",
        data={"csrf_token": token, "item": item, "text": "Source says 7?"},
    )
    assert raised.status == 200


async def _query_id(client: Client) -> str:
    match = QID.search(await (await client.get("/queries")).text())
    assert match
    return match.group(1)


async def _answer(sara: Client, token: str, qid: str, text: str, value: str) -> str:
    page = await (await sara.get(f"/queries/{qid}")).text()
    answered = await sara.post(
        f"/queries/{qid}/answer",
        data={
            "csrf_token": token,
            "text": text,
            "item_shown": "yes",
            "LBP_NOW": value,
            "expected_version": version_of(page),
        },
    )
    assert answered.status == 200, await answered.text()
    return await answered.text()


async def _pair(make_client: MakeClient, web_config: WebConfig) -> tuple[Client, str, Client, str]:
    mona, sara = await make_client(), await make_client()
    return (
        mona,
        sign_in(mona, web_config, "monitor"),
        sara,
        sign_in(sara, web_config, "site_staff"),
    )


async def test_a_changed_value_in_the_answer_is_the_correction(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    mona, mona_token, sara, sara_token = await _pair(make_client, web_config)
    await _raise(mona, mona_token, seeded.ready)
    qid = await _query_id(sara)
    page = await (await sara.get(f"/queries/{qid}")).text()
    assert 'id="correction-note"' in page and 'name="correct"' not in page
    # No box to tick: typing the corrected value is the correction.
    html = await _answer(sara, sara_token, qid, "Yes, 7 per the source", "7")
    assert "Answer saved. The correction is recorded (LBP_NOW 6 → 7)" in html
    assert 'id="query-current">7<' in html
    form = await (await sara.get(f"/participants/{seeded.ready}/forms/baseline")).text()
    assert 'name="LBP_NOW" value="7" checked' in form  # the 0-10 scale's choice


async def test_an_answer_that_keeps_the_value_says_so(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    mona, mona_token, sara, sara_token = await _pair(make_client, web_config)
    await _raise(mona, mona_token, seeded.ready)
    qid = await _query_id(sara)
    html = await _answer(sara, sara_token, qid, "6 is right per the source", "6")
    assert "Answer saved. The value is unchanged." in html
    assert 'id="query-current">6<' in html and 'id="query-status">answered<' in html


async def test_the_site_answers_again_while_the_query_is_not_closed(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    mona, mona_token, sara, sara_token = await _pair(make_client, web_config)
    await _raise(mona, mona_token, seeded.ready)
    qid = await _query_id(sara)
    first = await _answer(sara, sara_token, qid, "Checking the source", "6")
    assert "Answer again" in first and 'id="answer-form"' in first
    second = await _answer(sara, sara_token, qid, "Found it: 8", "8")
    assert "Answer saved. The correction is recorded (LBP_NOW 6 → 8)" in second
    assert second.count("<strong>answered</strong>") == 2
    closed = await mona.post(f"/queries/{qid}/close", data={"csrf_token": mona_token})
    assert 'id="query-status">closed<' in await closed.text()
    late = await sara.post(
        f"/queries/{qid}/answer",
        data={"csrf_token": sara_token, "text": "More", "expected_version": "3"},
    )
    assert late.status == 409 and "only an open query is answered" in await late.text()
    assert 'id="answer-form"' not in await (await sara.get(f"/queries/{qid}")).text()


async def test_a_monitor_raises_a_query_from_the_item_itself(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    token = sign_in(client, web_config, "monitor")
    path = f"/participants/{seeded.ready}/forms/baseline"
    page = await (await client.get(path)).text()
    link = re.search(r'id="raise-LBP_NOW" href="([^"]+)"', page)
    assert link, "no link to raise a query on the item"
    chosen = await (await client.get(link.group(1).replace("&amp;", "&"))).text()
    assert '<option value="LBP_NOW" selected>' in chosen
    assert "Raise a query on" in chosen and "autofocus" in chosen
    raised = await client.post(
        path + "/queries", data={"csrf_token": token, "item": "LBP_NOW", "text": "7?"}
    )
    html = await raised.text()
    assert re.search(r'id="value-LBP_NOW">6 <a class="badge query" href="/queries/', html)


async def test_item_query_links_never_open_an_arm_revealing_form_to_a_blinded_account(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    sign_in(client, web_config, "monitor")
    for form in ("adherence", "adverse_event", "discontinuation"):
        shown = await client.get(
            f"/participants/{seeded.randomised}/forms/{form}?raise=ADH_SESSIONS"
        )
        assert shown.status == 404, form
        assert seeded.arm not in await shown.text()
    page = await (await client.get(f"/participants/{seeded.randomised}/forms/week10")).text()
    assert seeded.arm not in page
