"""Rate limits hold across server processes: two `edc serve` processes on one store share each
limit, so a client that spreads its attempts over both gets no more than one limit's worth.
SQLite (the count in a file of its own beside the event store) and PostgreSQL (a table of the
trial's database); anonymous attempts leave the event store alone either way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from edc.config import Settings
from tests.app.conftest import settings
from tests.edc_process import edc
from tests.security.two_servers import serving_twice

__all__ = ["settings"]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LIMITED = {
    "EDC_RATE_LIMIT_LOGIN_PER_ACCOUNT": "4/minute",
    "EDC_RATE_LIMIT_LOGIN_PER_ADDRESS": "1000/minute",
    "EDC_RATE_LIMIT_WEEKLY_PER_LINK": "3/minute",
    "EDC_RATE_LIMIT_WEEKLY_PER_ADDRESS": "1000/minute",
    "EDC_RATE_LIMIT_BAD_TOKEN_PER_ACCOUNT": "5/minute",
    "EDC_RATE_LIMIT_BAD_TOKEN_PER_ADDRESS": "1000/minute",
}


@pytest.fixture
def servers(settings: Settings, tmp_path: Path) -> Iterator[list[str]]:
    made = edc(settings, "users", "add", "mona", "--role", "monitor", stdin="a long password\n")
    assert made.returncode == 0, made.stderr
    with serving_twice(settings, tmp_path, **LIMITED) as urls:
        yield urls


def stored_events(settings: Settings) -> int:
    done = edc(settings, "audit", "head")
    assert done.returncode == 0, done.stderr
    return int(done.stdout.split(":")[0])


def client() -> aiohttp.ClientSession:
    # Cookies of a server on an IP address (127.0.0.1) are kept only when asked to.
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def login_attempt(session: aiohttp.ClientSession, url: str, name: str) -> int:
    async with session.get(f"{url}/login") as page:
        match = CSRF.search(await page.text())
    assert match
    data = {"csrf_token": match.group(1), "name": name, "password": "a wrong guess"}
    async with session.post(f"{url}/login", data=data, allow_redirects=False) as answer:
        return answer.status


async def test_login_attempts_spread_over_two_processes_meet_one_limit(
    servers: list[str], settings: Settings
) -> None:
    statuses: list[tuple[int, int]] = []
    async with client() as first, client() as second:
        sessions = [first, second]
        for attempt in range(8):
            which = attempt % 2
            status = await login_attempt(sessions[which], servers[which], "mona")
            statuses.append((which, status))
    assert [status for _, status in statuses] == [401] * 4 + [429] * 4
    assert {which for which, status in statuses if status == 429} == {0, 1}


async def test_a_weekly_link_tried_through_two_processes_meets_one_limit(
    servers: list[str], settings: Settings
) -> None:
    before = stored_events(settings)
    async with aiohttp.ClientSession() as session:
        statuses = []
        for attempt in range(6):
            async with session.get(f"{servers[attempt % 2]}/weekly/not-a-real-link") as got:
                statuses.append(got.status)
    assert statuses == [404, 404, 404, 429, 429, 429]
    assert stored_events(settings) - before <= 6  # summaries at most, never one per request


async def test_refused_tokens_through_two_processes_meet_one_limit(servers: list[str]) -> None:
    forged = "edc_" + "0" * 32 + "_" + "1" * 32 + "_guess"
    async with aiohttp.ClientSession() as session:
        statuses = []
        for attempt in range(8):
            headers = {"Authorization": f"Bearer {forged}{attempt}"}
            async with session.get(
                f"{servers[attempt % 2]}/api/v1/participants", headers=headers
            ) as got:
                statuses.append(got.status)
    assert statuses == [401] * 5 + [429] * 3
