"""A read-only database and a full disk: the user gets a clear refusal, nothing is half-written.

Made for real, not mocked: the SQLite file is made immutable with `chattr +i` (root ignores
file modes, not the immutable flag), and the disk is a 3 MB tmpfs filled to the last byte.
Both need root (or the capabilities); elsewhere the tests are skipped with the reason.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import subprocess
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest
from aiohttp.test_utils import TestClient

from domain.actor import Actor
from edc.application import Trial
from edc.bootstrap import build_trial
from edc.config import Settings
from edc.storage import DISK_FULL, READ_ONLY, StorageUnavailable
from tests.app.conftest import Accounts, StepClock
from tests.app.journeys import randomised
from tests.edc_process import edc
from tests.reliability.helpers import stored_events

pytestmark = pytest.mark.timeout(180)

WEEK_3 = {"WEEK": 3, "LBP_DAYS": 2, "SICK_LEAVE_DAYS": 0}


def open_trial(settings: Settings) -> Trial:
    clock = StepClock(datetime(2024, 2, 1, 9, 0, tzinfo=UTC))
    return build_trial(settings, clock=clock, draw=random.Random(3).random)


def one_randomised_participant(settings: Settings) -> tuple[UUID, Actor]:
    trial = open_trial(settings)
    try:
        actors = Accounts(trial)
        staff = actors["site_staff"]
        pid, _arm = randomised(trial, staff)
        for week in (1, 2):
            trial.record_form(
                staff, pid, "weekly", {**WEEK_3, "WEEK": week}, expected_version=week - 1
            )
    finally:
        trial.close()
    return pid, staff


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=60)


@contextlib.contextmanager
def immutable(*paths: Path) -> Iterator[None]:
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not installed")
    done = run("chattr", "+i", *map(str, paths))
    if done.returncode != 0:
        pytest.skip(f"cannot make files immutable here: {done.stderr.strip()}")
    try:
        yield
    finally:
        run("chattr", "-i", *map(str, paths))


@contextlib.contextmanager
def small_disk(mountpoint: Path, size: str = "3m") -> Iterator[Path]:
    mountpoint.mkdir()
    done = run("mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(mountpoint))
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem here: {done.stderr.strip()}")
    try:
        yield mountpoint
    finally:
        for _ in range(20):  # a process that just exited may still hold a file briefly
            if run("umount", str(mountpoint)).returncode == 0:
                break
            subprocess.run(["sleep", "0.2"], check=False)
        else:
            # Still held (a connection not yet collected): detach it now, so no mount outlives
            # the test and pytest can remove its temporary directory.
            run("umount", "--lazy", str(mountpoint))


def fill(disk: Path) -> Path:
    """Write a file until the filesystem has no byte left; return it."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (65536, 4096, 1):  # big writes first, then the last bytes
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * size)
    finally:
        os.close(fd)
    assert os.statvfs(disk).f_bavail == 0
    return filler


@pytest.mark.slow
def test_a_read_only_database_refuses_commands_clearly_and_stores_nothing(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path / "var")
    pid, staff = one_randomised_participant(settings)
    before = stored_events(settings)
    files = sorted(settings.data_dir.iterdir())

    with immutable(*files):
        trial = open_trial(settings)
        try:
            seen = trial.get_participant(staff, pid)  # reading still works
            with pytest.raises(StorageUnavailable) as refused:
                trial.record_form(staff, pid, "weekly", WEEK_3, expected_version=2)
            assert refused.value.message == READ_ONLY
            # Nothing half-done: no event, and the participant as it was (no partial state).
            assert trial.get_participant(staff, pid) == seen
            assert trial.recorder.max_notification_id() == before[-1][0]
        finally:
            trial.close()
        # The command line says the same, without a traceback.
        added = edc(
            settings, "users", "add", "mona2", "--role", "monitor", stdin="a long enough password\n"
        )
        assert added.returncode == 2
        assert READ_ONLY in added.stderr
        assert "Traceback" not in added.stderr
    assert stored_events(settings) == before

    # Writable again: the same command goes through, and the chain verifies.
    trial = open_trial(settings)
    try:
        saved = trial.record_form(staff, pid, "weekly", WEEK_3, expected_version=2)
        assert saved["version"] == 3
    finally:
        trial.close()
    assert edc(settings, "audit", "verify").returncode == 0


def test_a_full_disk_refuses_commands_clearly_and_stores_nothing(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk") as disk:
        settings = Settings(data_dir=disk / "var")
        pid, staff = one_randomised_participant(settings)
        before = stored_events(settings)
        trial = open_trial(settings)
        try:
            seen = trial.get_participant(staff, pid)
            filler = fill(disk)
            with pytest.raises(StorageUnavailable) as refused:
                trial.record_form(staff, pid, "weekly", WEEK_3, expected_version=2)
            assert refused.value.message == DISK_FULL
            assert trial.get_participant(staff, pid) == seen
            assert trial.recorder.max_notification_id() == before[-1][0]

            os.unlink(filler)  # space again: the same command goes through
            saved = trial.record_form(staff, pid, "weekly", WEEK_3, expected_version=2)
            assert saved["version"] == 3
        finally:
            trial.close()
        after = stored_events(settings)
        assert after[: len(before)] == before
        assert len(after) == len(before) + 1
        verified = edc(settings, "audit", "verify")
        assert verified.returncode == 0, verified.stdout + verified.stderr


async def test_the_api_answers_503_with_the_reason_when_the_database_is_read_only(
    tmp_path: Path, aiohttp_client: Callable[..., Awaitable[TestClient]]
) -> None:
    from cryptography.fernet import Fernet

    from edc.application import SYSTEM
    from web.app import init_app
    from web.config import WebConfig

    settings = Settings(data_dir=tmp_path / "var")
    pid, _staff = one_randomised_participant(settings)
    trial = open_trial(settings)
    try:
        token = trial.issue_token(SYSTEM, "sara", "test")
    finally:
        trial.close()
    before = stored_events(settings)

    with immutable(*sorted(settings.data_dir.iterdir())):
        app = init_app(settings, config=WebConfig(session_key=Fernet.generate_key().decode()))
        client = await aiohttp_client(app)
        answer = await client.put(
            f"/api/v1/participants/{pid}/forms/weekly",
            json={"items": WEEK_3, "expected_version": 2},
            headers={"Authorization": f"Bearer {token}"},
        )
        body = await answer.json()
        await client.close()
    assert answer.status == 503
    assert body["error"] == "unavailable"
    assert body["message"] == READ_ONLY
    assert stored_events(settings) == before
