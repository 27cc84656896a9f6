"""kill -9 of every serving process of `edc serve --processes 2` at once while clients submit
forms: the two processes take turns at writing one store and each commits its saves in groups
(edc.audit.group_commit, write_turns), so a crash can fall between a group's insert and the
answers of its saves. After a restart: every submission answered with success is stored, none
twice; an unanswered one is stored at most once; nothing half-written (the audit chain
verifies)."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path
from uuid import UUID

import pytest

from bench.load import Writer
from bench.procs import Server, edc_command, edc_env, free_port
from domain.actor import Actor
from edc.application import SYSTEM, Trial
from edc.config import Settings
from tests.app.journeys import randomised
from tests.edc_process import edc
from tests.reliability.test_crash import (
    ANSWERS_BEFORE_KILL,
    final_version,
    resend,
    submit_until_killed,
    weekly_writes_after,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

CLIENTS = 8


def serve(settings: Settings, logs: Path, name: str, processes: int) -> Server:
    argv = edc_command(
        "serve", "--host", "127.0.0.1", "--port", str(free_port()), "--processes", str(processes)
    )
    return Server(argv, edc_env(settings), int(argv[argv.index("--port") + 1]), logs / name)


def test_kill_9_of_every_serving_process_loses_no_answered_write_and_doubles_none(
    trial: Trial, actors: dict[str, Actor], settings: Settings, tmp_path: Path
) -> None:
    staff = actors["site_staff"]
    pids = [randomised(trial, staff)[0] for _ in range(CLIENTS)]
    token = trial.issue_token(SYSTEM, staff.user, "crash test")
    start = trial.recorder.max_notification_id() or 0
    trial.close()
    writers = [Writer(str(pid), 1, 0, None) for pid in pids]
    logs = tmp_path / "logs"
    server = serve(settings, logs, "first.log", processes=2)
    server.start()

    def crash() -> None:
        # The whole session: the first process and the serving processes it started.
        process = server.process
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(30)

    try:
        unanswered = asyncio.run(submit_until_killed(server.url, token, writers, crash))
    finally:
        crash()

    stored = weekly_writes_after(settings, start)
    for writer, lost_answer in zip(writers, unanswered, strict=True):
        acknowledged = len(writer.acknowledged)
        found = stored[UUID(writer.pid)]
        assert acknowledged <= found <= acknowledged + (lost_answer is not None), writer.pid
    assert sum(len(w.acknowledged) for w in writers) >= ANSWERS_BEFORE_KILL

    again = serve(settings, logs, "second.log", processes=1)
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
