"""What one process records holds at the next request in every other serving process.

Two `edc serve` processes on one store (SQLite, and PostgreSQL where it runs), each asked
first so that it holds the account, the participant and the lock in its cache; then a change
is made through the first server or by another process (as an administrator's `edc users`
command would be), and the very next request to the second server must see it: a revoked
token, a deactivated account, a changed password, a logout, a site change, a database lock,
an emergency unblinding. `edc serve --processes 2` serves from two processes on one port.
"""

from __future__ import annotations

import random
import re
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import requests

from bench.procs import Server, edc_command, edc_env, free_port
from edc.application import SYSTEM
from edc.bootstrap import build_trial
from edc.config import Settings
from tests import factories
from tests.app.conftest import PASSWORD, Accounts, StepClock, settings
from tests.app.journeys import randomised
from tests.security.two_servers import serving_twice

__all__ = ["settings"]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TIMEOUT = 30


class Store:
    """The shared store, its accounts and one randomised participant at site RINGE."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.trial = build_trial(
            settings,
            # The servers run on the wall clock: the setup's baselines must be recent for it.
            clock=StepClock(datetime.now(UTC).replace(microsecond=0)),
            draw=random.Random(3).random,
        )
        self.accounts = Accounts(self.trial)
        self.staff = self.accounts["site_staff"]
        self.pid, _arm = randomised(self.trial, self.staff)

    def token(self, role: str) -> str:
        return self.trial.issue_token(SYSTEM, self.accounts[role].user, "two processes")


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    made = Store(settings)
    try:
        yield made
    finally:
        made.trial.close()


@pytest.fixture
def servers(store: Store, tmp_path: Path) -> Iterator[list[str]]:
    with serving_twice(store.settings, tmp_path) as urls:
        yield urls


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def participant(url: str, token: str, pid: UUID) -> requests.Response:
    return requests.get(f"{url}/api/v1/participants/{pid}", headers=bearer(token), timeout=TIMEOUT)


def weekly_save(url: str, token: str, pid: UUID, version: int) -> requests.Response:
    body: dict[str, Any] = {
        "items": {"WEEK": 1, "LBP_DAYS": 2, "SICK_LEAVE_DAYS": 0},
        "expected_version": version,
    }
    return requests.put(
        f"{url}/api/v1/participants/{pid}/forms/weekly",
        json=body,
        headers=bearer(token),
        timeout=TIMEOUT,
    )


def browser_login(url: str, name: str, password: str = PASSWORD) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{url}/login", timeout=TIMEOUT)
    match = CSRF.search(page.text)
    assert match, page.text[:500]
    answer = session.post(
        f"{url}/login",
        data={"csrf_token": match.group(1), "name": name, "password": password},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert answer.status_code in (302, 303), answer.text[:500]
    return session


def logged_in(session: requests.Session, url: str) -> bool:
    page = session.get(f"{url}/", allow_redirects=False, timeout=TIMEOUT)
    return page.status_code == 200


def test_a_revoked_token_is_refused_at_once_by_the_other_process(
    store: Store, servers: list[str]
) -> None:
    token = store.token("site_staff")
    assert all(participant(url, token, store.pid).status_code == 200 for url in servers)
    token_id = token.split("_")[2]
    store.trial.revoke_token(SYSTEM, store.staff.user, token_id)
    assert participant(servers[1], token, store.pid).status_code == 401
    assert participant(servers[0], token, store.pid).status_code == 401


def test_a_deactivated_account_is_refused_at_once_by_the_other_process(
    store: Store, servers: list[str]
) -> None:
    token = store.token("site_staff")
    session = browser_login(servers[1], store.staff.user)
    assert participant(servers[1], token, store.pid).status_code == 200
    assert logged_in(session, servers[1])
    store.trial.deactivate_user(SYSTEM, store.staff.user, "left the trial")
    assert participant(servers[1], token, store.pid).status_code == 401
    assert not logged_in(session, servers[1])


def test_a_changed_password_ends_the_sessions_in_the_other_process(
    store: Store, servers: list[str]
) -> None:
    name = store.staff.user
    session = browser_login(servers[1], name)
    assert logged_in(session, servers[1])
    store.trial.change_password(store.staff, PASSWORD, "another long passphrase")
    assert not logged_in(session, servers[1])


def test_a_logout_through_one_process_ends_the_session_in_the_other(
    store: Store, servers: list[str]
) -> None:
    # Both processes share the session key, so one cookie is good on both.
    session = browser_login(servers[0], store.staff.user)
    assert logged_in(session, servers[1])
    page = session.get(f"{servers[0]}/", timeout=TIMEOUT)
    match = CSRF.search(page.text)
    assert match
    kept = session.cookies.copy()
    out = session.post(f"{servers[0]}/logout", data={"csrf_token": match.group(1)}, timeout=TIMEOUT)
    assert out.status_code == 200
    # The cookie as it was before the logout, replayed on the other process: worth nothing.
    replay = requests.Session()
    replay.cookies = kept
    assert not logged_in(replay, servers[1])


def test_a_site_change_takes_effect_at_once_in_the_other_process(
    store: Store, servers: list[str]
) -> None:
    token = store.token("site_staff")
    assert participant(servers[1], token, store.pid).status_code == 200
    store.trial.change_role(SYSTEM, store.staff.user, "site_staff", "ODENSE")
    refused = participant(servers[1], token, store.pid)
    assert refused.status_code in (403, 404), refused.text


def test_a_database_lock_refuses_the_next_save_in_the_other_process(
    store: Store, servers: list[str]
) -> None:
    token = store.token("site_staff")
    version = participant(servers[1], token, store.pid).json()["forms"]["weekly"]["version"]
    saved = weekly_save(servers[1], token, store.pid, version)
    assert saved.status_code == 200, saved.text
    manager = store.accounts["data_manager"]
    store.trial.lock_database(manager, PASSWORD, factories.LOCK_OVERRIDES)
    refused = weekly_save(servers[1], token, store.pid, saved.json()["version"])
    assert refused.status_code in (403, 409), refused.text
    assert "lock" in refused.json()["message"].lower()
    assert (
        store.trial.load_participant(store.pid).form_version("weekly") == (saved.json()["version"])
    )


def test_an_emergency_unblinding_shows_at_once_in_the_other_process(
    store: Store, servers: list[str]
) -> None:
    manager_token = store.token("data_manager")
    number = store.trial.load_participant(store.pid).screening_number

    def unblindings_on(url: str) -> str:
        page = requests.get(f"{url}/", headers=bearer(manager_token), timeout=TIMEOUT)
        assert page.status_code == 200
        return page.text.split("Emergency unblindings", 1)[-1]

    assert number not in unblindings_on(servers[1])
    investigator = store.token("investigator")
    answer = requests.post(
        f"{servers[0]}/api/v1/participants/{store.pid}/unblind",
        json={"reason": "anaphylaxis in the emergency room"},
        headers=bearer(investigator),
        timeout=TIMEOUT,
    )
    assert answer.status_code == 200, answer.text
    assert number in unblindings_on(servers[1])


def test_serve_with_two_processes_answers_from_both_and_stops_both(
    store: Store, tmp_path: Path
) -> None:
    port = free_port()
    server = Server(
        edc_command("serve", "--host", "127.0.0.1", "--port", str(port), "--processes", "2"),
        edc_env(store.settings),
        port,
        tmp_path / "serve.log",
    )
    server.start()
    try:
        assert server.process is not None
        children = serving_children(server.process.pid)
        assert len(children) == 1, children
        # The first process serves last, once the others do.
        expected = {server.process.pid, *children}
        deadline = time.monotonic() + 60
        while (listening := listeners(port)) != expected and time.monotonic() < deadline:
            time.sleep(0.1)
        assert listening == expected
        token = store.token("site_staff")
        # Fresh connections are spread over both processes; every one is answered.
        statuses = [participant(server.url, token, store.pid).status_code for _ in range(20)]
        assert statuses == [200] * 20
    finally:
        server.stop()
    deadline = time.monotonic() + 30
    while children and time.monotonic() < deadline:
        children = [child for child in children if Path(f"/proc/{child}").exists()]
        time.sleep(0.1)
    assert not children, "a serving process outlived the server"


def serving_children(parent: int) -> list[int]:
    found = subprocess.run(
        ["pgrep", "-P", str(parent), "-f", "one-of-several"],
        capture_output=True,
        text=True,
        check=False,
    )
    return [int(pid) for pid in found.stdout.split()]


def listeners(port: int) -> set[int]:
    """The processes with a listening socket on `port` (from /proc: socket inodes)."""
    wanted = f":{port:04X}"
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[1].endswith(wanted) and fields[3] == "0A":
                inodes.add(fields[9])
    pids = set()
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            for fd in fd_dir.iterdir():
                target = str(fd.readlink())
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    pids.add(int(fd_dir.parent.name))
        except OSError:
            continue
    return pids
