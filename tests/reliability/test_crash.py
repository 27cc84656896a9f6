"""kill -9 of the server (and of the projection runner) while clients submit forms.

Real processes: `edc serve` and `edc projections run` are started as an operator would, the
clients are aiohttp clients on 127.0.0.1, and SIGKILL leaves no chance to clean up. After a
restart: every submission that was answered with success is stored, none twice; a request
whose answer was lost is either stored once or refused as stale when sent again, never
doubled; the audit chain verifies; the read models catch up to what a rebuild gives.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from pathlib import Path
from typing import Any
from uuid import UUID

import aiohttp
import pytest
from eventsourcing.utils import get_topic

from bench.load import Writer
from bench.procs import Server, edc_command, edc_env, free_port
from domain.actor import Actor
from domain.participant import Participant
from edc.application import SYSTEM, Trial
from edc.bootstrap import build_trial
from edc.config import Settings
from tests.app.journeys import randomised
from tests.edc_process import edc
from tests.reliability.helpers import read_model_rows

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

CLIENTS = 8
ANSWERS_BEFORE_KILL = 40
WEEKLY_TOPICS = [
    get_topic(Participant.WeeklyReportReceived),
    get_topic(Participant.FormEntered),
    get_topic(Participant.FormCorrected),
]


def serve(settings: Settings, logs: Path, name: str) -> Server:
    port = free_port()
    argv = edc_command("serve", "--host", "127.0.0.1", "--port", str(port))
    return Server(argv, edc_env(settings), port, logs / f"{name}.log")


def projection_runner(settings: Settings, logs: Path) -> Server:
    argv = edc_command("projections", "run", "--interval", "0.05")
    return Server(argv, edc_env(settings), 0, logs / "runner.log")


async def submit_until_killed(
    url: str, token: str, writers: list[Writer], kill: Any
) -> list[Writer | None]:
    """Each client corrects its participant's weekly report again and again; once enough
    answers came back, `kill()` runs while requests are in flight. Returns, per client, the
    writer whose last request got no answer (or None)."""
    answered = 0
    unanswered: list[Writer | None] = [None] * len(writers)
    headers = {"Authorization": f"Bearer {token}"}

    async def client(n: int, writer: Writer, session: aiohttp.ClientSession) -> None:
        nonlocal answered
        while True:
            _method, path, body = writer.next_request()
            try:
                async with session.put(url + path, json=body, headers=headers) as response:
                    answer = await response.json()
                    assert response.status == 200, answer
            except (TimeoutError, aiohttp.ClientError):
                unanswered[n] = writer  # the server died with this request in flight
                return
            writer.accepted(answer)
            answered += 1
            if answered == ANSWERS_BEFORE_KILL:
                kill()

    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        await asyncio.gather(*(client(n, w, session) for n, w in enumerate(writers)))
    return unanswered


def weekly_writes_after(settings: Settings, position: int) -> Counter[UUID]:
    trial = build_trial(settings)
    try:
        page = trial.recorder.select_notifications(
            start=position, limit=100_000, topics=WEEKLY_TOPICS, inclusive_of_start=False
        )
        return Counter(n.originator_id for n in page)
    finally:
        trial.close()


def test_kill_9_while_submitting_loses_no_answered_write_and_doubles_none(
    trial: Trial, actors: dict[str, Actor], settings: Settings, tmp_path: Path
) -> None:
    staff = actors["site_staff"]
    pids = [randomised(trial, staff)[0] for _ in range(CLIENTS)]
    token = trial.issue_token(SYSTEM, staff.user, "crash test")
    start = trial.recorder.max_notification_id() or 0
    trial.close()
    writers = [Writer(str(pid), 1, 0, None) for pid in pids]
    logs = tmp_path / "logs"

    server = serve(settings, logs, "first")
    runner = projection_runner(settings, logs)
    server.start()
    runner.launch()

    def crash() -> None:
        server.kill()
        runner.kill()

    try:
        unanswered = asyncio.run(submit_until_killed(server.url, token, writers, crash))
    finally:
        crash()
    assert server.process is not None and server.process.returncode == -9

    # Every answered write is stored once; at most the in-flight one more per client.
    stored = weekly_writes_after(settings, start)
    for writer, lost_answer in zip(writers, unanswered, strict=True):
        acknowledged = len(writer.acknowledged)
        found = stored[UUID(writer.pid)]
        assert acknowledged <= found <= acknowledged + (lost_answer is not None), writer.pid
    assert sum(len(w.acknowledged) for w in writers) >= ANSWERS_BEFORE_KILL

    # Restart. Sending a request again whose answer was lost is refused as stale if it was
    # stored, accepted if it was not: either way it is stored exactly once.
    again = serve(settings, logs, "second")
    again.start()
    try:
        resent = asyncio.run(resend(again.url, token, [w for w in unanswered if w]))
    finally:
        again.stop()
    stored = weekly_writes_after(settings, start)
    for writer in writers:
        assert stored[UUID(writer.pid)] == final_version(settings, writer.pid)
    assert all(status in (200, 409) for status in resent)

    verified = edc(settings, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr

    # The read models, killed mid-stream, catch up to exactly what a rebuild gives.
    caught_up = edc(settings, "projections", "run", "--once")
    assert caught_up.returncode == 0, caught_up.stderr
    after_catch_up = read_model_rows(settings)
    rebuilt = edc(settings, "projections", "rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert read_model_rows(settings) == after_catch_up


async def resend(url: str, token: str, writers: list[Writer]) -> list[int]:
    statuses = []
    async with aiohttp.ClientSession() as session:
        for writer in writers:
            _method, path, body = writer.next_request()
            async with session.put(
                url + path, json=body, headers={"Authorization": f"Bearer {token}"}
            ) as response:
                statuses.append(response.status)
                with contextlib.suppress(Exception):
                    await response.read()
    return statuses


def final_version(settings: Settings, pid: str) -> int:
    trial = build_trial(settings)
    try:
        return trial.load_participant(UUID(pid)).form_version("weekly")
    finally:
        trial.close()
