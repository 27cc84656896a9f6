"""Attacks on the read-model rebuild and catch-up as they now run: the next page read ahead in a
thread, the participant cache that evicts least recently used and, after a rebuild emptied the
tables, reads only the participants it dropped, and SQLite sheets stored in arrival order.

Each attack ends by comparing the tables with a from-scratch rebuild in one page: whatever
interleaving, failure or upgrade came before, a read model must hold exactly that, at the
position it reports, and nothing arm-revealing in the blinded tables.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from projections.db import Dialect, ViewDatabase
from projections.leaks import find_arm_leaks
from projections.runner import ProjectionRunner
from projections.schema import TRACKING_TABLE, table_name
from projections.spec import BLINDED, UNBLINDED, blinded_view, unblinded_view
from projections.tracking import Tracking
from tests.projections.conftest import DemoStore, demo_projections, fresh_view_db

# Fixtures of the read-model tests, used here by name.
from tests.projections.conftest import demo_store as demo_store
from tests.projections.conftest import view_db as view_db
from tests.projections.tables import dump, dumps, position

ONE_PAGE = 1_000_000
VIEWS = [BLINDED, UNBLINDED]
# The unblinded model reads only the arm-revealing events, far fewer: smaller pages for it.
SCALE = {BLINDED: 1, UNBLINDED: 10}


class _Planted(RuntimeError):
    pass


def _runner(store: DemoStore, db: ViewDatabase, name: str, page: int) -> ProjectionRunner:
    view = blinded_view() if name == BLINDED else unblinded_view()
    runner = ProjectionRunner(db, store.trial, view, page_size=page)
    runner.ensure_schema()
    return runner


def _fresh(
    store: DemoStore, tmp_path: Path, request: pytest.FixtureRequest, name: str
) -> dict[str, list[tuple[Any, ...]]]:
    """The tables of read model `name` rebuilt from scratch in one page."""
    where = tmp_path / f"fresh-{name}"
    where.mkdir(exist_ok=True)
    db = fresh_view_db(store, where, request)
    try:
        _runner(store, db, name, ONE_PAGE).rebuild()
        return dump(db, name)
    finally:
        db.close()


def _assert_as_fresh(
    store: DemoStore, db: ViewDatabase, tmp_path: Path, request: pytest.FixtureRequest, name: str
) -> None:
    head = store.trial.recorder.max_notification_id() or 0
    assert position(db, name) == head
    fresh = _fresh(store, tmp_path, request, name)
    assert fresh[table_name(name, "audit")]  # not trivially equal
    assert dump(db, name) == fresh
    assert find_arm_leaks(db, BLINDED) == []


@pytest.mark.parametrize("limit", [0, 1, 5000])
@pytest.mark.parametrize("name", VIEWS)
def test_another_runner_commits_between_the_pages_of_a_rebuild(
    demo_store: DemoStore,
    view_db: ViewDatabase,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    name: str,
    limit: int,
) -> None:
    """Held: a second runner on the same read model commits a page before the rebuild's first
    page and then before every third one. The rebuild's "nobody is in the emptied tables"
    must not survive the other runner's rows, nor its page read ahead the other's move."""
    ours = _runner(demo_store, view_db, name, page=97 // SCALE[name])
    ours.cache.limit = limit
    ours.catch_up()  # a warm cache of a whole model first: the rebuild must forget it
    theirs = _runner(demo_store, view_db, name, page=61 // SCALE[name])
    apply_page = ours.apply_page
    pages = {"ours": 0, "theirs": 0}

    def racing(expected: Tracking, events: list[Any], reached: int) -> Tracking:
        pages["ours"] += 1
        if pages["ours"] % 3 == 1:
            theirs.catch_up(target=expected.position + 1)
            pages["theirs"] += 1
        return apply_page(expected, events, reached)

    ours.apply_page = racing  # type: ignore[method-assign, assignment]
    ours.rebuild()
    assert pages["theirs"] >= 3
    _assert_as_fresh(demo_store, view_db, tmp_path, request, name)


@pytest.mark.parametrize("name", VIEWS)
def test_an_interrupted_rebuild_is_finished_by_another_runner_then_by_itself(
    demo_store: DemoStore,
    view_db: ViewDatabase,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    name: str,
) -> None:
    """Held: our runner stands at a page boundary with a warm cache; another runner rebuilds
    and stops (an exception) right after committing that same position, its cache knowing the
    emptied model holds only the participants it met. Ours then applies a few pages, and the
    interrupted runner finishes: its "nobody else is in the tables" must not survive our
    pages, nor our cache its rebuild."""
    page = 113 // SCALE[name]
    ours = _runner(demo_store, view_db, name, page=page)
    ours.cache.limit = 3
    ours.catch_up(target=4 * page)
    stood = position(view_db, name)
    theirs = _runner(demo_store, view_db, name, page=page)

    def stop_there(applied: int, at: int, head: int) -> None:
        if at >= stood:
            raise _Planted("the other runner stops")

    with pytest.raises(_Planted):
        theirs.rebuild(progress=stop_there)
    assert position(view_db, name) == stood
    assert theirs.cache.dropped is not None  # the emptied-model knowledge is armed
    ours.catch_up(target=stood + 3 * page)
    assert position(view_db, name) > stood
    theirs.catch_up()
    _assert_as_fresh(demo_store, view_db, tmp_path, request, name)


@pytest.mark.parametrize("name", VIEWS)
def test_a_rebuild_failing_inside_a_page_then_caught_up_by_the_same_runner(
    demo_store: DemoStore,
    view_db: ViewDatabase,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    name: str,
) -> None:
    """Held: an event of the fourth page fails in the projector (its rows half changed in the
    cache); the position stays at the third page's end, holding exactly three pages, and the
    same runner then catches up to the same tables as a fresh rebuild."""
    page = 89 // SCALE[name]
    runner = _runner(demo_store, view_db, name, page=page)
    runner.cache.limit = 2  # participants dropped, and read again, all along
    apply = runner.projector.apply
    seen = {"n": 0}

    def failing(batch: Any, at: int, topic: str, event: Any, pid: str | None) -> None:
        apply(batch, at, topic, event, pid)
        seen["n"] += 1
        if seen["n"] == 3 * page + 40:
            raise _Planted("a handler failed")

    runner.projector.apply = failing  # type: ignore[method-assign, assignment]
    with pytest.raises(_Planted):
        runner.rebuild()
    stopped = position(view_db, name)
    assert stopped > 0
    where = tmp_path / "three-pages"
    where.mkdir()
    other_db = fresh_view_db(demo_store, where, request)
    try:
        _runner(demo_store, other_db, name, page=page).catch_up(target=stopped)
        assert position(other_db, name) == stopped
        assert dump(view_db, name) == dump(other_db, name)
    finally:
        other_db.close()
    del runner.projector.apply
    runner.catch_up()
    _assert_as_fresh(demo_store, view_db, tmp_path, request, name)


def test_a_rebuild_and_a_catch_up_running_at_once_in_two_threads(
    demo_store: DemoStore,
    view_db: ViewDatabase,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    """Held: two runner objects on one read-model database, truly concurrent (each with its own
    page read ahead): one rebuilds both models while the other catches them up over and over;
    whoever wins each page, the tables end as a fresh rebuild's."""
    rebuilding = demo_projections(demo_store, view_db, page_size=131)
    following = demo_projections(demo_store, view_db, page_size=57)
    for runner in (*rebuilding.runners.values(), *following.runners.values()):
        runner.cache.limit = 2
    done = threading.Event()
    failures: list[BaseException] = []

    def follow() -> None:
        try:
            while not done.is_set():
                following.catch_up()
        except BaseException as error:  # reported by the test, not lost in the thread
            failures.append(error)

    thread = threading.Thread(target=follow)
    thread.start()
    try:
        rebuilding.rebuild()
    finally:
        done.set()
        thread.join(timeout=120)
    assert not thread.is_alive()
    assert failures == []
    following.catch_up()
    for name in VIEWS:
        _assert_as_fresh(demo_store, view_db, tmp_path, request, name)


def _old_layout(db: ViewDatabase) -> None:
    """Make the read models look as a schema-9 build left them: that schema's tracking, forms
    kept in key order (SQLite), a retired table, and rows that schema's handlers wrote
    differently (here: a sheet missing and a participant's row changed)."""
    forms = table_name(BLINDED, "forms")
    with db.transaction() as cur:
        cur.execute(f"UPDATE {TRACKING_TABLE} SET schema_version = '9'")
        if db.dialect is Dialect.SQLITE:
            cur.execute(f"ALTER TABLE {forms} RENAME TO old_forms")
            cur.execute(
                f"CREATE TABLE {forms} (participant_id TEXT, sheet_key TEXT, form TEXT, "
                "items TEXT, derived TEXT, position INTEGER, updated_at TEXT, "
                "PRIMARY KEY (participant_id, sheet_key)) WITHOUT ROWID"
            )
            cur.execute(f"INSERT INTO {forms} SELECT * FROM old_forms")
            cur.execute("DROP TABLE old_forms")
        cur.execute(f"CREATE TABLE {table_name(BLINDED, 'consort')} (n INTEGER)")
        cur.execute(f"INSERT INTO {table_name(BLINDED, 'consort')} VALUES (1)")
        cur.execute(
            f"DELETE FROM {forms} WHERE sheet_key = "
            f"(SELECT MIN(sheet_key) FROM {forms} WHERE form = 'baseline')"
        )
        cur.execute(f"UPDATE {table_name(BLINDED, 'participants')} SET site = 'old'")


def test_a_schema_9_read_model_is_rebuilt_never_mixed(
    demo_store: DemoStore,
    view_db: ViewDatabase,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    """Held: opened by schema 10, a schema-9 read model (caught up to the head, so a catch-up
    alone would change nothing) is rebuilt from the events: no old row, table or layout
    survives, and both models equal a fresh rebuild."""
    demo_projections(demo_store, view_db).catch_up()
    _old_layout(view_db)
    upgraded = demo_projections(demo_store, view_db, page_size=211)
    upgraded.catch_up()
    for name in VIEWS:
        _assert_as_fresh(demo_store, view_db, tmp_path, request, name)
    assert table_name(BLINDED, "consort") not in view_db.tables()
    assert {row[0] for row in view_db.query(f"SELECT schema_version FROM {TRACKING_TABLE}")} == {
        "10"
    }
    if view_db.dialect is Dialect.SQLITE:
        (sql,) = view_db.query(
            "SELECT sql FROM sqlite_master WHERE name = ?", (table_name(BLINDED, "forms"),)
        )[0]
        assert "WITHOUT ROWID" not in sql.upper()
    assert dumps(view_db)  # both models present
