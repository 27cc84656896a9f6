"""The participant list on the demo trial as it stands on its day: each participant's progress
by form, sorted by any column on the server (`?sort=&order=`), and the same list as CSV
(`?format=csv`), scoped by site and blinding like every other read."""

from __future__ import annotations

import csv
import io
import re

import pytest
from aiohttp.test_utils import TestClient

from projections.participant_list import COLUMNS
from tests.security.blind_store import sign_in_as
from tests.web import live_demo
from tests.web.crawl import arm_leaks
from tests.web.live_demo import BLINDED, OTHER_SITE, LiveDemo
from web.config import WebConfig

HEADER = list(COLUMNS.values())


# The demo store, and the web app on a copy of it, in place of the seeded store's client.
demo = live_demo.demo
client = live_demo.client


async def csv_of(
    client: TestClient, config: WebConfig, name: str, query: str = ""
) -> list[dict[str, str]]:
    sign_in_as(client, config, name)
    response = await client.get(f"/participants?format=csv{query}")
    assert response.status == 200, await response.text()
    assert response.content_type == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = await response.text()
    reader = csv.DictReader(io.StringIO(text))
    assert reader.fieldnames == HEADER
    return list(reader)


def numbers_on_page(html: str) -> list[str]:
    return re.findall(r'<td><a href="/participants/[0-9a-f-]{36}">([^<]+)</a></td>', html)


async def test_the_list_shows_each_participant_s_progress_by_form(
    client: TestClient, web_config: WebConfig
) -> None:
    sign_in_as(client, web_config, "sara")
    html = await (await client.get("/participants")).text()
    for heading in ("Forms entered", "Baseline", "Week 10", "1 year", "Weekly reports"):
        assert f">{heading}</a></th>" in html
    rows = await csv_of(client, web_config, "sara")
    randomised = [r for r in rows if r["Randomised on"]]
    assert randomised and all(r["Baseline"] == "yes" for r in randomised)
    assert any(r["Week 10"] == "yes" for r in randomised)
    assert any(r["Week 10"] == "no" for r in randomised)
    assert any(int(r["Weekly reports"]) > 5 for r in randomised)
    failures = [r for r in rows if r["Status"] == "screen failure"]
    assert failures and all(r["Forms entered"] == "1" and r["MRI"] == "no" for r in failures)
    assert all(int(r["Forms entered"]) == sum(r[c] == "yes" for c in HEADER[5:-1]) for r in rows)


@pytest.mark.parametrize("column", ["randomised_on", "progress", "weekly", "status", "week10"])
async def test_the_list_sorts_by_any_column_on_the_server(
    client: TestClient, web_config: WebConfig, column: str
) -> None:
    heading = COLUMNS[column]
    ascending = await csv_of(client, web_config, "mona", f"&sort={column}&order=asc")
    descending = await csv_of(client, web_config, "mona", f"&sort={column}&order=desc")

    def value(row: dict[str, str]) -> object:
        cell = row[heading]
        return int(cell) if cell.isdigit() else cell

    filled = [value(r) for r in ascending if r[heading]]
    assert filled == sorted(filled)  # type: ignore[type-var]
    filled_desc = [value(r) for r in descending if r[heading]]
    assert filled_desc == sorted(filled_desc, reverse=True)  # type: ignore[type-var]
    assert len(set(filled)) > 1
    # Empty cells last either way.
    for rows in (ascending, descending):
        cells = [bool(r[heading]) for r in rows]
        assert cells == sorted(cells, reverse=True)
    # The page sorts the same way and marks the column.
    sign_in_as(client, web_config, "mona")
    html = await (await client.get(f"/participants?sort={column}&order=desc")).text()
    assert 'aria-sort="descending"' in html
    assert numbers_on_page(html) == [r["Screening number"] for r in descending][:50]


async def test_sorting_keeps_the_filters_and_the_csv_follows_both(
    client: TestClient, web_config: WebConfig
) -> None:
    rows = await csv_of(
        client, web_config, "mona", "&status=randomised&sort=screening_number&order=desc"
    )
    assert rows and {r["Status"] for r in rows} == {"randomised"}
    numbers = [r["Screening number"] for r in rows]
    assert numbers == sorted(numbers, reverse=True)
    html = await (await client.get("/participants?status=randomised")).text()
    assert "sort=week10&amp;order=asc" in html and "status=randomised" in html


@pytest.mark.parametrize(
    "query", ["sort=ARM", "sort=arm&order=asc", "sort=status&order=sideways", "format=xlsx"]
)
async def test_a_bad_sort_or_format_is_refused_with_a_message(
    client: TestClient, web_config: WebConfig, query: str
) -> None:
    sign_in_as(client, web_config, "mona")
    response = await client.get(f"/participants?{query}")
    assert response.status == 422
    text = await response.text()
    assert "Traceback" not in text
    assert "choose one of" in text.lower() or "neither" in text or "format" in text


@pytest.mark.parametrize("role", sorted(BLINDED))
async def test_a_blinded_account_s_list_and_csv_reveal_no_arm(
    client: TestClient, web_config: WebConfig, role: str
) -> None:
    rows = await csv_of(client, web_config, BLINDED[role])
    assert rows
    response = await client.get("/participants?format=csv&sort=progress&order=desc")
    assert arm_leaks(await response.text()) == []
    html = await (await client.get("/participants?sort=randomised_on")).text()
    assert arm_leaks(html) == []


async def test_the_csv_is_the_same_whatever_the_reader_s_blind(
    client: TestClient, web_config: WebConfig
) -> None:
    # Nothing in the list depends on the arm, so the unblinded monitor's download is the
    # blinded monitor's, row for row, in every order.
    for query in ("", "&sort=progress&order=desc", "&sort=weekly"):
        assert await csv_of(client, web_config, "mona", query) == await csv_of(
            client, web_config, "ulla", query
        )


@pytest.mark.parametrize("role", sorted(OTHER_SITE))
async def test_another_site_s_accounts_get_none_of_this_site_s_participants(
    client: TestClient, web_config: WebConfig, demo: LiveDemo, role: str
) -> None:
    assert await csv_of(client, web_config, OTHER_SITE[role]) == []
    html = await (await client.get("/participants?sort=progress&order=desc")).text()
    assert [n for n in demo.screening_numbers if n in html] == []
    # A site role cannot ask for another site either.
    rows = await csv_of(client, web_config, OTHER_SITE[role], "&site=RINGE")
    assert rows == []
