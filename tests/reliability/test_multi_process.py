"""Two `edc serve` processes and one `edc projections run` process on one PostgreSQL database.

Clients write through both servers at once: corrections of the same forms (optimistic
concurrency across processes: every success gets its own version, a stale writer gets 409 and
tries again, no update is lost) and randomisations of the same participants through both
servers (each randomised once; the allocation sequence has no gap and no duplicate). The
runner follows the store meanwhile; at the end its read models equal a rebuild.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import aiohttp
import pytest
from eventsourcing.utils import get_topic

from bench.procs import Server, edc_command, edc_env, free_port
from domain.allocation import Allocation
from edc.application import SYSTEM
from edc.bootstrap import build_trial
from edc.config import Settings
from edc.read_model_wiring import build_projections
from tests.app.conftest import Accounts, StepClock
from tests.app.journeys import randomised, ready_to_randomise
from tests.edc_process import edc
from tests.reliability.helpers import read_model_rows

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(300)]

WRITERS = 8  # clients, half on each server
ROUNDS = 12  # successful corrections each client makes
CONTENDED = 3  # participants whose weekly report every client corrects
READY = 8  # participants both servers are asked to randomise


def serve(settings: Settings, logs: Path, name: str) -> Server:
    port = free_port()
    argv = edc_command("serve", "--host", "127.0.0.1", "--port", str(port))
    return Server(argv, edc_env(settings), port, logs / f"{name}.log")


async def correct_contended(urls: list[str], token: str, pids: list[str]) -> dict[str, list[int]]:
    """Each client makes ROUNDS successful corrections, re-reading the version after a 409."""
    versions: dict[str, list[int]] = defaultdict(list)
    headers = {"Authorization": f"Bearer {token}"}
    stale = 0

    async def client(n: int, session: aiohttp.ClientSession) -> None:
        nonlocal stale
        url, rng = urls[n % len(urls)], random.Random(n)
        done = 0
        while done < ROUNDS:
            pid = rng.choice(pids)
            async with session.get(f"{url}/api/v1/participants/{pid}", headers=headers) as got:
                weekly = (await got.json())["forms"]["weekly"]
            days = weekly["items"].get("1", {}).get("LBP_DAYS")
            body: dict[str, Any] = {
                "items": {
                    "WEEK": 1,
                    "LBP_DAYS": 0 if days is None else (days + 1) % 8,
                    "SICK_LEAVE_DAYS": 0,
                },
                "expected_version": weekly["version"],
            }
            if days is not None:
                body["reason"] = {"code": "transcription_error", "text": f"client {n}"}
            async with session.put(
                f"{url}/api/v1/participants/{pid}/forms/weekly", json=body, headers=headers
            ) as put:
                answer = await put.json()
                if put.status == 409:
                    stale += 1
                    continue
                assert put.status == 200, answer
            versions[pid].append(answer["version"])
            done += 1

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        await asyncio.gather(*(client(n, session) for n in range(WRITERS)))
    assert stale > 0, "the clients never collided: the test proved nothing about conflicts"
    return versions


async def randomise_through_both(urls: list[str], token: str, pids: list[str]) -> list[int]:
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:

        async def post(url: str, pid: str) -> int:
            async with session.post(
                f"{url}/api/v1/participants/{pid}/randomise", headers=headers
            ) as response:
                await response.read()
                return response.status

        return await asyncio.gather(*(post(url, pid) for pid in pids for url in urls))


def wait_until_caught_up(settings: Settings, timeout: float = 60) -> None:
    trial = build_trial(settings)
    projections = build_projections(settings, trial)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(status.position >= status.head for status in projections.status()):
                return
            time.sleep(0.1)
        raise AssertionError(f"the runner did not catch up: {projections.status()}")
    finally:
        projections.db.close()
        trial.close()


def test_two_servers_and_a_runner_lose_no_update_allocate_once_and_converge(
    postgres_url: str, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "var", database_url=postgres_url)
    trial = build_trial(
        settings,
        # The servers randomise on the wall clock, and a baseline more than 30 days old
        # cannot be randomised: the setup's clock starts now, so its baselines are recent.
        clock=StepClock(datetime.now(UTC).replace(microsecond=0)),
        draw=random.Random(11).random,
    )
    try:
        staff = Accounts(trial)["site_staff"]
        contended = [str(randomised(trial, staff)[0]) for _ in range(CONTENDED)]
        ready = [str(ready_to_randomise(trial, staff)) for _ in range(READY)]
        token = trial.issue_token(SYSTEM, staff.user, "multi-process test")
    finally:
        trial.close()
    logs = tmp_path / "logs"
    servers = [serve(settings, logs, "a"), serve(settings, logs, "b")]
    runner = Server(
        edc_command("projections", "run", "--interval", "0.1"),
        edc_env(settings),
        0,
        logs / "runner.log",
    )
    for server in servers:  # both processes start at the same moment, as a deployment would
        server.launch()
    runner.launch()
    try:
        try:
            for server in servers:
                server.wait_until_answering()
            urls = [server.url for server in servers]

            versions = asyncio.run(correct_contended(urls, token, contended))
            statuses = asyncio.run(randomise_through_both(urls, token, ready))
        finally:
            for server in servers:
                server.stop()

        # No lost update: every success has its own version, and they run 1..N without a gap.
        trial = build_trial(settings)
        try:
            for pid in contended:
                got = sorted(versions[pid])
                final = trial.load_participant(UUID(pid)).form_version("weekly")
                assert got == list(range(1, final + 1)), (pid, got, final)
            assert sum(len(v) for v in versions.values()) == WRITERS * ROUNDS
            # No duplicate allocation: each participant once, the sequence without gap or repeat.
            assert sorted(statuses) == [200] * READY + [409] * READY
            allocation = trial.load_allocation()
            assert allocation is not None
            assert set(map(str, allocation.arms)) == set(contended) | set(ready)
            allocated = trial.recorder.select_notifications(
                start=1, limit=10_000, topics=[get_topic(Allocation.Allocated)]
            )
            numbers = [trial.mapper.to_domain_event(n).sequence_number for n in allocated]
            assert sorted(numbers) == list(range(1, CONTENDED + READY + 1))
        finally:
            trial.close()

        # The runner kept up with both servers; its views equal a rebuild from the events.
        wait_until_caught_up(settings)
    finally:
        # Stopped however the servers fared, so no process outlives the test.
        runner.stop()
    followed = read_model_rows(settings)
    assert edc(settings, "projections", "rebuild").returncode == 0
    assert read_model_rows(settings) == followed
    verified = edc(settings, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
