"""`edc projections status|rebuild|run`, run as a user would: real processes, a real data dir."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from edc.bootstrap import build_trial
from edc.config import Settings
from edc.read_model_wiring import open_view_database
from projections.reading import ReadModels
from tests.app.conftest import NAMES, PASSWORD
from tests.app.journeys import randomised
from tests.edc_process import edc as run_edc
from tests.projections.tables import dump, position


def edc(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_edc(Settings(data_dir=data_dir), "projections", *args)


def _small_store(data_dir: Path) -> int:
    trial = build_trial(Settings(data_dir=data_dir))
    try:
        from edc.application import SYSTEM

        trial.add_user(SYSTEM, NAMES["site_staff"], "site_staff", PASSWORD, site="RINGE")
        staff = trial.actor_for(NAMES["site_staff"])
        for _ in range(3):
            randomised(trial, staff)
        head = trial.recorder.max_notification_id()
        assert head is not None
        return head
    finally:
        trial.close()


def test_status_run_once_and_rebuild(tmp_path: Path) -> None:
    head = _small_store(tmp_path)
    status = edc(tmp_path, "status")
    assert status.returncode == 0, status.stderr
    assert status.stdout.split("\n")[1].split() == ["blinded", "0", str(head), str(head), "current"]
    ran = edc(tmp_path, "run", "--once", "--page-size", "4")
    assert ran.returncode == 0, ran.stderr
    assert f"unblinded {head} {head} 0 current" in " ".join(ran.stdout.split())
    db = open_view_database(Settings(data_dir=tmp_path))
    try:
        before = dump(db, "unblinded")
        rebuilt = edc(tmp_path, "rebuild", "--view", "unblinded")
        assert rebuilt.returncode == 0, rebuilt.stderr
        # Its own tables come from the arm-revealing events only: the allocation sequence
        # started, and three allocations.
        assert "unblinded: rebuilt from 4 events" in rebuilt.stdout
        assert "blinded: rebuilt" not in rebuilt.stdout.replace("unblinded: rebuilt", "")
        assert dump(db, "unblinded") == before
        assert len(before["unblinded_allocations"]) == 3
    finally:
        db.close()


def test_run_follows_the_store_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    head = _small_store(tmp_path)
    env = {**os.environ, "EDC_DATA_DIR": str(tmp_path)}
    env.pop("EDC_DATABASE_URL", None)
    runner = subprocess.Popen(
        [sys.executable, "-m", "cli", "projections", "run", "--interval", "0.05"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    db = open_view_database(Settings(data_dir=tmp_path))
    try:
        models = ReadModels(db)
        deadline = time.monotonic() + 60
        while "projection_tracking" not in db.tables() or position(db, "blinded") < head:
            assert runner.poll() is None, runner.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        # New data written by another process is picked up while it runs.
        newer = _more(tmp_path)
        while position(db, "unblinded") < newer:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        runner.send_signal(signal.SIGTERM)
        _out, err = runner.communicate(timeout=60)
        assert runner.returncode == 0, err
        assert "Stopped." in err
        assert len(models.participants("blinded")) == 4
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.communicate()
        db.close()


def _more(data_dir: Path) -> int:
    trial = build_trial(Settings(data_dir=data_dir))
    try:
        randomised(trial, trial.actor_for(NAMES["site_staff"]))
        head = trial.recorder.max_notification_id()
        assert head is not None
        return head
    finally:
        trial.close()


def test_bad_options_are_refused_with_a_message(tmp_path: Path) -> None:
    refused = edc(tmp_path, "run", "--page-size", "0")
    assert refused.returncode == 2
    assert "must be at least 1" in refused.stderr and "Traceback" not in refused.stderr
