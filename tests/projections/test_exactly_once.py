"""Exactly once: a runner killed mid-catch-up resumes without applying an event twice or
skipping one, and a page applied again is refused without changing anything."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from edc.read_model_wiring import open_view_database
from projections.db import ViewDatabase
from projections.runner import ProjectionRunner
from projections.spec import BLINDED, UNBLINDED, unblinded_view
from projections.tracking import TrackingConflict
from tests.projections.conftest import (
    DemoStore,
    demo_projections,
    fresh_view_db,
    reset_deployed_read_models,
)
from tests.projections.tables import dump

KILL_TIMEOUT = 120.0


def _run_edc(store: DemoStore, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "EDC_DATA_DIR": str(store.settings.data_dir)}
    env.pop("EDC_DATABASE_URL", None)
    if store.settings.database_url:
        env["EDC_DATABASE_URL"] = store.settings.database_url
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "projections", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _positions(db: ViewDatabase) -> dict[str, int]:
    if "projection_tracking" not in db.tables():
        return {}
    return {
        name: int(pos) for name, pos in db.query("SELECT name, position FROM projection_tracking")
    }


def _kill_when(process: subprocess.Popen[str], db: ViewDatabase, name: str, past: int) -> int:
    """SIGKILL the runner as soon as read model `name` has committed a position past `past`."""
    deadline = time.monotonic() + KILL_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"the runner ended before it could be killed: {out}\n{err}")
        position = _positions(db).get(name, 0)
        if position > past:
            process.send_signal(signal.SIGKILL)
            process.communicate(timeout=10)  # reaps it and closes the pipes
            return position
        time.sleep(0.002)
    process.kill()
    process.communicate(timeout=10)
    pytest.fail(f"{name} never got past {past}")


def test_a_runner_killed_in_the_middle_of_catch_up_resumes_exactly_once(
    demo_store: DemoStore, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    reset_deployed_read_models(demo_store.settings)
    head = demo_store.trial.recorder.max_notification_id()
    assert head is not None and head > 2000
    deployed = open_view_database(demo_store.settings)
    try:
        # First kill: a quarter of the way through the blinded read model.
        runner = _run_edc(demo_store, "run", "--page-size", "3", "--interval", "0.05")
        killed_at = _kill_when(runner, deployed, BLINDED, head // 4)
        assert runner.returncode == -signal.SIGKILL
        after_kill = _positions(deployed)
        assert head // 4 < after_kill[BLINDED] < head, "the kill came too late to test anything"
        assert after_kill[BLINDED] >= killed_at
        # Second kill: in the middle of the unblinded one (the blinded one finishes first). It
        # reads only the arm-revealing events (a few dozen here): one per page.
        runner = _run_edc(demo_store, "run", "--page-size", "1", "--interval", "0.05")
        _kill_when(runner, deployed, UNBLINDED, 0)
        after_second = _positions(deployed)
        assert after_second[BLINDED] == head
        assert 0 < after_second[UNBLINDED] < head, f"the kill came too late: {after_second}"
        _finish_and_compare(demo_store, deployed, tmp_path, request, head)
    finally:
        deployed.close()


def test_a_page_applied_again_is_refused_and_changes_nothing(
    demo_store: DemoStore, view_db: ViewDatabase
) -> None:
    projections = demo_projections(demo_store, view_db)
    runner = projections.runners[UNBLINDED]
    before = runner.tracking()
    head = runner.head()
    events, reached = runner.read_page(before.position, min(head, 400))
    after = runner.apply_page(before, events, reached)
    assert after.position == reached
    snapshot = dump(view_db, UNBLINDED)

    # The same page again, computed from the old position: refused before anything is written.
    with pytest.raises(TrackingConflict):
        runner.apply_page(before, events, reached)
    # Even claiming the current position does not let old events in: nothing moves backwards.
    with pytest.raises(Exception):  # noqa: B017 - a conflict or the table's own key refuses it
        runner.apply_page(after, events, reached)
    assert dump(view_db, UNBLINDED) == snapshot
    assert runner.tracking() == after


def test_two_runners_on_one_read_model_never_apply_an_event_twice(
    demo_store: DemoStore,
    view_db: ViewDatabase,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    """Two runners (a web server's thread and `edc projections run`, say) racing each other."""
    demo_projections(demo_store, view_db)
    runners = [
        ProjectionRunner(view_db, demo_store.trial, unblinded_view(), page_size=size)
        for size in (7, 11)
    ]
    errors: list[BaseException] = []

    def catch_up(runner: ProjectionRunner) -> None:
        try:
            runner.catch_up()
        except BaseException as error:  # reported by the test below
            errors.append(error)

    threads = [threading.Thread(target=catch_up, args=(r,)) for r in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(KILL_TIMEOUT)
    assert not errors
    fresh = fresh_view_db(demo_store, tmp_path, request)
    try:
        demo_projections(demo_store, fresh).catch_up()
        assert dump(view_db, UNBLINDED) == dump(fresh, UNBLINDED)
    finally:
        fresh.close()


def test_a_rebuild_killed_midway_is_finished_by_the_next_runner_exactly_once(
    demo_store: DemoStore, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Pages of 100 events: on PostgreSQL the first is copied straight into the new tables and
    the later ones merged; a runner started after the kill goes on from the last commit."""
    reset_deployed_read_models(demo_store.settings)
    head = demo_store.trial.recorder.max_notification_id()
    assert head is not None and head > 2000
    deployed = open_view_database(demo_store.settings)
    try:
        ready = _run_edc(demo_store, "run", "--once")  # built once: the rebuild drops it
        assert ready.communicate(timeout=KILL_TIMEOUT) and ready.returncode == 0
        rebuild = _run_edc(demo_store, "rebuild", "--page-size", "100")
        deadline = time.monotonic() + KILL_TIMEOUT
        while _positions(deployed)[BLINDED] == head:  # until the rebuild has started over
            assert time.monotonic() < deadline and rebuild.poll() is None, "no rebuild started"
            time.sleep(0.002)
        _kill_when(rebuild, deployed, BLINDED, head // 3)
        assert rebuild.returncode == -signal.SIGKILL
        assert head // 3 < _positions(deployed)[BLINDED] < head, "the kill came too late"
        _finish_and_compare(demo_store, deployed, tmp_path, request, head)
    finally:
        deployed.close()


def _finish_and_compare(
    demo_store: DemoStore,
    deployed: ViewDatabase,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    head: int,
) -> None:
    """Restart, catch up and exit; then the same content, row for row, as a rebuild from
    scratch in one go elsewhere (and not trivially so: both views hold rows)."""
    finished = _run_edc(demo_store, "run", "--once")
    _out, err = finished.communicate(timeout=KILL_TIMEOUT)
    assert finished.returncode == 0, err
    assert _positions(deployed) == {BLINDED: head, UNBLINDED: head}
    fresh = fresh_view_db(demo_store, tmp_path, request)
    try:
        demo_projections(demo_store, fresh).catch_up()
        for view in (BLINDED, UNBLINDED):
            assert dump(deployed, view) == dump(fresh, view)
            assert dump(deployed, view)[f"{view}_forms" if view == BLINDED else f"{view}_audit"]
    finally:
        fresh.close()
