"""A rebuild made in parts, one process each (`projections.rebuild_parts`), gives exactly the
tables of a rebuild made in one process in one page: whatever the number of parts and the
page size, when a part is killed half-way, when another runner moved the read model on
meanwhile, and when a part meets an event the blinded model refuses. It leaves no file behind
but the read models', and its scratch files are private while they exist.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from domain.blinding import BLINDED_SAFE_TOPICS
from projections.db import ViewDatabase
from projections.leaks import find_arm_leaks
from projections.rebuild_parts import can_split, rebuild_in_parts
from projections.runner import ProjectionRunner
from projections.schema import SCHEMA_VERSION
from projections.spec import (
    ARM_REVEALING_TOPICS,
    BLINDED,
    UNBLINDED,
    BlindingViolation,
    blinded_view,
)
from projections.tracking import Tracking
from tests.projections.conftest import DemoStore, demo_projections, fresh_view_db

# Fixtures of the read-model tests, used here by name.
from tests.projections.conftest import demo_store as demo_store
from tests.projections.conftest import view_db as view_db
from tests.projections.tables import dump, dumps, position

ONE_PAGE = 1_000_000
KILL_TIMEOUT = 120.0


def _runner(
    store: DemoStore, db: ViewDatabase, page: int, parts: int, **view: Any
) -> ProjectionRunner:
    runner = ProjectionRunner(
        db, store.trial, blinded_view(**view), page_size=page, parts=parts, parts_from=1
    )
    runner.ensure_schema()
    return runner


def _in_one(store: DemoStore, tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, Any]:
    """The blinded tables rebuilt in one process, in one page."""
    where = tmp_path / "in-one"
    where.mkdir(exist_ok=True)
    db = fresh_view_db(store, where, request)
    try:
        _runner(store, db, ONE_PAGE, parts=1).rebuild()
        return dump(db, BLINDED)
    finally:
        db.close()


def _forked_children() -> list[int]:
    """Processes this one forked (the same program, this process their parent)."""
    me, program = os.getpid(), Path("/proc/self/comm").read_text()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            comm = (entry / "comm").read_text()
        except OSError:  # it ended meanwhile
            continue
        parent = next(line for line in status.splitlines() if line.startswith("PPid:"))
        if int(parent.split()[1]) == me and comm == program:
            found.append(int(entry.name))
    return found


def _left_over(db: ViewDatabase) -> list[str]:
    path = db.path
    return [] if path is None else sorted(p.name for p in path.parent.glob(f"{path.name}.part-*"))


@pytest.mark.parametrize(("parts", "page"), [(2, ONE_PAGE), (2, 97), (3, 41)])
def test_a_rebuild_in_parts_equals_one_in_one_process(
    demo_store: DemoStore,
    view_db: ViewDatabase,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    parts: int,
    page: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    runner = _runner(demo_store, view_db, page, parts)
    # On PostgreSQL the read models are not a file to copy parts into: built in one.
    in_parts = demo_store.backend == "sqlite"
    assert can_split(runner) is in_parts
    with caplog.at_level(logging.INFO, logger="projections.rebuild_parts"):
        applied = runner.rebuild()
    said = [record.getMessage() for record in caplog.records]
    assert said == ([f"blinded: {applied} events rebuilt in {parts} parts"] if in_parts else [])
    one = _runner(demo_store, fresh_view_db(demo_store, tmp_path, request), ONE_PAGE, parts=1)
    try:
        assert applied == one.rebuild() > 0
    finally:
        one.db.close()
    assert dump(view_db, BLINDED) == _in_one(demo_store, tmp_path, request)
    assert position(view_db, BLINDED) == runner.head()
    assert find_arm_leaks(view_db, BLINDED) == []
    assert _left_over(view_db) == []
    # And the read model goes on from there like any other.
    assert runner.catch_up() == 0


# Parts are SQLite's (the PostgreSQL store builds in one, as the first test shows).
SQLITE_ONLY = pytest.mark.parametrize("demo_store", ["sqlite"], indirect=True)


@SQLITE_ONLY
def test_a_part_killed_half_way_leaves_the_rebuild_to_one_process(
    demo_store: DemoStore,
    view_db: ViewDatabase,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Small pages: the parts take long enough to be killed while they build.
    runner = _runner(demo_store, view_db, 3, parts=2)
    killed: list[int] = []
    modes: set[int] = set()
    done = threading.Event()

    path = view_db.path
    assert path is not None

    def kill_a_part() -> None:
        while not done.is_set() and not killed:
            for child in _forked_children():
                modes.update(
                    p.stat().st_mode & 0o777 for p in path.parent.glob(f"{path.name}.part-*")
                )
                os.kill(child, signal.SIGKILL)
                killed.append(child)
                break

    watcher = threading.Thread(target=kill_a_part)
    watcher.start()
    try:
        with caplog.at_level(logging.WARNING, logger="projections.rebuild_parts"):
            runner.rebuild()
    finally:
        done.set()
        watcher.join()
    assert killed, "no part was seen running"
    assert "rebuilding in one" in caplog.text
    assert modes == {0o600}
    assert dump(view_db, BLINDED) == _in_one(demo_store, tmp_path, request)
    assert position(view_db, BLINDED) == runner.head()
    assert _left_over(view_db) == []


@SQLITE_ONLY
def test_parts_are_not_copied_over_a_read_model_another_runner_moved_on(
    demo_store: DemoStore, view_db: ViewDatabase, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    runner = _runner(demo_store, view_db, 50, parts=2)
    runner.rebuild()
    moved_on = runner.tracking()
    before = dump(view_db, BLINDED)
    # The tracking a rebuild emptied, before another runner moved the model to the head.
    emptied = Tracking(BLINDED, 0, moved_on.generation, SCHEMA_VERSION)
    assert rebuild_in_parts(runner, emptied, runner.head(), 2) is None
    assert runner.tracking() == moved_on
    assert dump(view_db, BLINDED) == before == _in_one(demo_store, tmp_path, request)
    assert _left_over(view_db) == []


@SQLITE_ONLY
def test_a_part_refusing_an_event_the_blinded_model_may_not_read_fails_the_rebuild(
    demo_store: DemoStore, view_db: ViewDatabase
) -> None:
    # A wrong filter asks the store for arm-revealing events too; each is checked on arrival.
    runner = _runner(
        demo_store, view_db, 200, parts=2, topics=BLINDED_SAFE_TOPICS + ARM_REVEALING_TOPICS
    )
    assert can_split(runner)
    with pytest.raises(BlindingViolation):
        runner.rebuild()
    assert find_arm_leaks(view_db, BLINDED) == []
    assert _left_over(view_db) == []


@SQLITE_ONLY
def test_scratch_files_a_killed_rebuild_left_are_removed_and_others_kept(
    demo_store: DemoStore, view_db: ViewDatabase
) -> None:
    path = view_db.path
    assert path is not None
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    stale = path.parent / f"{path.name}.part-{int(gone.stdout)}-0"
    running = path.parent / f"{path.name}.part-{os.getppid()}-1"  # a process that is alive
    stale.write_bytes(b"left by a rebuild that was killed")
    running.write_bytes(b"another process's part, still being built")
    _runner(demo_store, view_db, ONE_PAGE, parts=2).rebuild()
    assert _left_over(view_db) == [running.name]


_REBUILD_IN_PARTS = """
import sys
from pathlib import Path
from edc.bootstrap import build_trial
from edc.config import Settings
from projections.db import ViewDatabase
from projections.runner import ProjectionRunner
from projections.spec import blinded_view

trial = build_trial(Settings(data_dir=Path(sys.argv[1])))
db = ViewDatabase.sqlite(sys.argv[2])
runner = ProjectionRunner(db, trial, blinded_view(), page_size=2, parts=2, parts_from=1)
runner.ensure_schema()
runner.rebuild()
"""


@SQLITE_ONLY
def test_a_rebuild_killed_while_its_parts_build_leaves_nothing_half_done(
    demo_store: DemoStore, view_db: ViewDatabase, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    path = view_db.path
    assert path is not None
    rebuilding = subprocess.Popen(
        [sys.executable, "-c", _REBUILD_IN_PARTS, str(demo_store.settings.data_dir), str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    scratch = f"{path.name}.part-{rebuilding.pid}-*"
    deadline = time.monotonic() + KILL_TIMEOUT
    while not any(p.stat().st_size for p in path.parent.glob(scratch)):
        if rebuilding.poll() is not None or time.monotonic() > deadline:
            out, err = rebuilding.communicate()
            pytest.fail(f"the rebuild ended before its parts were seen building: {out}\n{err}")
        time.sleep(0.002)
    rebuilding.kill()
    # Its parts share its output: that ends only once they have stopped too, not left waiting
    # for pages that will never come.
    rebuilding.communicate(timeout=KILL_TIMEOUT)
    # Killed before its parts were copied: the model is as the rebuild emptied it.
    assert position(view_db, BLINDED) == 0
    assert dump(view_db, BLINDED) == {table: [] for table in dump(view_db, BLINDED)}
    # A catch-up in one process fills it, as if the rebuild had been made in one.
    runner = _runner(demo_store, view_db, 50, parts=1)
    assert runner.catch_up() > 0
    assert dump(view_db, BLINDED) == _in_one(demo_store, tmp_path, request)
    # The next rebuild in parts clears the killed one's scratch files away.
    assert _left_over(view_db)
    _runner(demo_store, view_db, ONE_PAGE, parts=2).rebuild()
    assert _left_over(view_db) == []
    assert dump(view_db, BLINDED) == _in_one(demo_store, tmp_path, request)


def test_both_read_models_rebuilt_at_once_equal_each_rebuilt_in_one(
    demo_store: DemoStore,
    view_db: ViewDatabase,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The blinded model in parts, the unblinded one meanwhile in a thread of this process.
    projections = demo_projections(demo_store, view_db, page_size=97)
    for runner in projections.runners.values():
        runner.parts, runner.parts_from = 2, 1
    with caplog.at_level(logging.INFO, logger="projections.rebuild_parts"):
        applied = projections.rebuild()
    in_one = demo_projections(demo_store, fresh_view_db(demo_store, tmp_path, request), ONE_PAGE)
    try:
        for runner in in_one.runners.values():
            runner.parts = 1
        assert applied == in_one.rebuild()
        assert list(applied) == [BLINDED, UNBLINDED]
        assert dumps(view_db) == dumps(in_one.db)
    finally:
        in_one.db.close()
    in_parts = demo_store.backend == "sqlite"
    said = [record.getMessage() for record in caplog.records]
    assert said == ([f"blinded: {applied[BLINDED]} events rebuilt in 2 parts"] if in_parts else [])
    assert {name: position(view_db, name) for name in applied} == dict.fromkeys(
        applied, projections.head()
    )
