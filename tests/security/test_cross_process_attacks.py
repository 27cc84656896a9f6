"""Attacks across serving processes: what one process (or an administrator's command) records
holds at the very next request served by another, and many clients at once on two processes
get no 500, lose no save and never see a save acknowledged after the database lock.

Two `edc serve` processes on one store (SQLite, and PostgreSQL where it runs), each asked first
so that it holds the account and the participant in its caches:
- an account blinded by an administrator sees no arm at its next request in the other process;
- a role change (site staff made assessor) refuses the next weekly save in the other process;
- a forbidden attempt made through either process is in the one refusal log;
- clients saving one participant's weekly report with the same expected version through both
  processes at once: one save per version, every other a 409, no 500, the store's version the
  count of saves acknowledged; after the database lock, no save is acknowledged.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import requests

from edc.application import SYSTEM
from edc.bootstrap import build_trial
from tests import factories
from tests.app.conftest import PASSWORD, settings
from tests.security.test_changes_across_processes import (
    TIMEOUT,
    Store,
    bearer,
    participant,
)
from tests.security.test_changes_across_processes import store as store
from tests.security.two_servers import serving_twice

__all__ = ["settings"]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

CLIENTS = 8
ROUNDS = 4


def weekly_save(url: str, token: str, pid: UUID, version: int | None) -> requests.Response:
    """The next week's report (a new week each time, so no correction and no reason)."""
    week = (version or 0) + 1
    body: dict[str, Any] = {
        "items": {"WEEK": week, "LBP_DAYS": week % 8, "SICK_LEAVE_DAYS": 0},
        "expected_version": version,
    }
    return requests.put(
        f"{url}/api/v1/participants/{pid}/forms/weekly",
        json=body,
        headers=bearer(token),
        timeout=TIMEOUT,
    )


@pytest.fixture
def servers(store: Store, tmp_path: Path) -> Iterator[list[str]]:
    with serving_twice(store.settings, tmp_path) as urls:
        yield urls


def test_an_account_blinded_sees_no_arm_at_its_next_request_in_the_other_process(
    store: Store, servers: list[str]
) -> None:
    token = store.token("site_staff")  # site staff are unblinded by default
    for url in servers:
        seen = participant(url, token, store.pid)
        assert seen.status_code == 200 and "arm" in seen.json(), seen.text
    store.trial.set_blinded(SYSTEM, store.staff.user, True)
    for url in reversed(servers):
        after = participant(url, token, store.pid)
        assert after.status_code == 401 or "arm" not in after.json(), after.text


def test_a_role_change_refuses_the_next_save_in_the_other_process(
    store: Store, servers: list[str]
) -> None:
    token = store.token("site_staff")
    version = participant(servers[1], token, store.pid).json()["forms"]["weekly"]["version"]
    saved = weekly_save(servers[1], token, store.pid, version)
    assert saved.status_code == 200, saved.text
    store.trial.change_role(SYSTEM, store.staff.user, "assessor", "RINGE")
    refused = weekly_save(servers[1], token, store.pid, saved.json()["version"])
    assert refused.status_code in (401, 403), refused.text
    assert (
        store.trial.load_participant(store.pid).form_version("weekly") == (saved.json()["version"])
    )


def test_forbidden_attempts_through_either_process_are_in_the_one_refusal_log(
    store: Store, servers: list[str]
) -> None:
    assessor = store.token("assessor")  # an assessor may not enter the weekly report
    for url in servers:
        refused = weekly_save(url, assessor, store.pid, 0)
        assert refused.status_code == 403, refused.text
    # Read by a third process, as the monitor's page would be.
    reader = build_trial(store.settings)
    try:
        monitor = reader.actor_for(store.accounts["monitor"].user)
        refusals = reader.list_refusals(monitor)
    finally:
        reader.close()
    by_assessor = [r for r in refusals if r["user"] == store.accounts["assessor"].user]
    assert len(by_assessor) == 2, refusals


def _saves_at_once(
    servers: list[str], token: str, store: Store, version: int
) -> list[requests.Response]:
    start = threading.Barrier(CLIENTS)

    def save(client: int) -> requests.Response:
        start.wait(TIMEOUT)
        return weekly_save(servers[client % 2], token, store.pid, version)

    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(save, range(CLIENTS)))


def test_saves_at_once_through_two_processes_lose_nothing_and_never_answer_500(
    store: Store, servers: list[str]
) -> None:
    token = store.token("site_staff")
    version = participant(servers[0], token, store.pid).json()["forms"]["weekly"]["version"]
    first = version
    for _ in range(ROUNDS):
        answers = _saves_at_once(servers, token, store, version)
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [200] + [409] * (CLIENTS - 1), [a.text for a in answers]
        (saved,) = [a for a in answers if a.status_code == 200]
        version = saved.json()["version"]
    assert version == first + ROUNDS
    assert store.trial.load_participant(store.pid).form_version("weekly") == version
    # Both processes answer with the store's version, not a version of their own cache.
    for url in servers:
        assert participant(url, token, store.pid).json()["forms"]["weekly"]["version"] == version


def test_no_save_is_acknowledged_after_the_database_lock(store: Store, servers: list[str]) -> None:
    token = store.token("site_staff")
    manager = store.accounts["data_manager"]
    stop = threading.Event()
    acknowledged: list[dict[str, Any]] = []
    statuses: list[int] = []

    def keep_saving(url: str) -> None:
        while not stop.is_set():
            seen = participant(url, token, store.pid)
            assert seen.status_code == 200, seen.text
            answer = weekly_save(url, token, store.pid, seen.json()["forms"]["weekly"]["version"])
            statuses.append(answer.status_code)
            if answer.status_code == 200:
                acknowledged.append(answer.json())

    with ThreadPoolExecutor(4) as pool:
        running = [pool.submit(keep_saving, servers[i % 2]) for i in range(4)]
        while len(acknowledged) < 4 and all(not r.done() for r in running):
            stop.wait(0.05)
        store.trial.lock_database(manager, PASSWORD, factories.LOCK_OVERRIDES)
        locked_at = len(statuses)
        stop.wait(1.0)  # saves keep coming, to both processes, after the lock
        stop.set()
        for done in running:
            done.result(TIMEOUT)
    assert 500 not in statuses, statuses
    after_lock = statuses[locked_at + 4 :]  # up to one save per client was in flight
    assert after_lock and 200 not in after_lock, statuses
    reader = build_trial(store.settings)
    try:
        stored = reader.load_participant(store.pid).form_version("weekly")
    finally:
        reader.close()
    assert stored == max(a["version"] for a in acknowledged)
