"""Reading the next page while the one in hand commits, and keeping the participants the last
page used: neither changes what a read model holds, nor what a failure leaves behind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from projections.batch import Entry, ParticipantCache
from projections.db import ViewDatabase
from projections.runner import ProjectionRunner
from projections.spec import BLINDED, blinded_view
from projections.tracking import Tracking
from tests.projections.conftest import DemoStore, demo_projections, fresh_view_db
from tests.projections.tables import dump, position


class _Planted(RuntimeError):
    pass


def test_participants_the_last_page_used_are_kept_whatever_the_limit() -> None:
    cache = ParticipantCache(limit=2)
    first = Tracking(BLINDED, 0, 1, "v")
    cache.trust(first)
    assert cache.use(["a", "b", "c"]) == ["a", "b", "c"]
    cache.entries.update({pid: Entry(None) for pid in "abc"})
    second = Tracking(BLINDED, 3, 1, "v")
    cache.committed(second)
    assert list(cache.entries) == ["a", "b", "c"]  # more than the limit: the page used them
    cache.trust(second)
    assert cache.use(["b", "d"]) == ["d"]  # "b" was cached: read again from memory
    cache.entries["d"] = Entry(None)
    cache.committed(Tracking(BLINDED, 5, 1, "v"))
    # Down to the limit, least recently used first: "a" and "c" were not used by this page.
    assert list(cache.entries) == ["b", "d"]


def test_after_a_reset_only_participants_dropped_from_the_cache_are_read() -> None:
    cache = ParticipantCache(limit=0)
    emptied = Tracking(BLINDED, 0, 2, "v")
    cache.empty(emptied)
    cache.trust(emptied)
    assert cache.use(["a", "b"]) == []  # nobody is in an emptied read model
    assert cache.entries["a"].row is None
    cache.committed(Tracking(BLINDED, 2, 2, "v"))
    cache.trust(Tracking(BLINDED, 2, 2, "v"))
    cache.use(["c"])
    cache.committed(Tracking(BLINDED, 3, 2, "v"))  # "a" and "b" are dropped: stored, maybe
    cache.trust(Tracking(BLINDED, 3, 2, "v"))
    assert cache.use(["a", "c", "d"]) == ["a"]
    # Anyone else writing in between: every participant not cached is read again.
    cache.trust(Tracking(BLINDED, 9, 2, "v"))
    assert cache.use(["c", "d", "e"]) == ["c", "d", "e"]


@pytest.mark.parametrize("limit", [0, 10_000_000])
def test_a_rebuild_gives_the_same_tables_whatever_the_cache_holds(
    demo_store: DemoStore,
    view_db: ViewDatabase,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    limit: int,
) -> None:
    reference = demo_projections(demo_store, view_db, page_size=100_000)
    reference.rebuild([BLINDED])
    other_db = fresh_view_db(demo_store, tmp_path, request)
    try:
        runner = demo_projections(demo_store, other_db, page_size=97).runners[BLINDED]
        runner.cache.limit = limit
        runner.rebuild()
        assert dump(other_db, BLINDED) == dump(view_db, BLINDED)
        assert dump(view_db, BLINDED)[f"{BLINDED}_participants"]  # not trivially equal
    finally:
        other_db.close()


def _failing_decoder(runner: ProjectionRunner, at: int) -> None:
    """Make decoding fail on the event at position `at` (and after)."""
    decode = runner.decode.stored
    reached: dict[str, int] = {}

    def stored(topic: str, originator_id: Any, version: int, data: bytes) -> Any:
        event = decode(topic, originator_id, version, data)
        reached["n"] = reached.get("n", 0) + 1
        if reached["n"] >= at:
            raise _Planted("the store could not be read")
        return event

    runner.decode.stored = stored  # type: ignore[method-assign]


@pytest.mark.parametrize("rebuild", [False, True], ids=["catch-up", "rebuild"])
def test_a_page_read_ahead_that_fails_leaves_only_whole_pages(
    demo_store: DemoStore,
    view_db: ViewDatabase,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    rebuild: bool,
) -> None:
    page = 200
    runner = demo_projections(demo_store, view_db, page_size=page).runners[BLINDED]
    # The fourth page fails while it is read (ahead, while the third one commits).
    _failing_decoder(runner, 3 * page + 17)
    with pytest.raises(_Planted):
        runner.rebuild() if rebuild else runner.catch_up()
    stopped = position(view_db, BLINDED)
    assert stopped > 0
    # Exactly three pages are in, and nothing of the fourth: the same tables as a model
    # caught up to that position and no further.
    other_db = fresh_view_db(demo_store, tmp_path, request)
    try:
        other = ProjectionRunner(other_db, demo_store.trial, blinded_view(), page_size=page)
        other.ensure_schema()
        other.catch_up(target=stopped)
        assert position(other_db, BLINDED) == stopped
        three_pages = ProjectionRunner(
            other_db, demo_store.trial, blinded_view(), page_size=3 * page
        )
        assert three_pages.read_page(0, runner.head())[1] == stopped
        assert dump(view_db, BLINDED) == dump(other_db, BLINDED)
    finally:
        other_db.close()
    # And the read model carries on from there once the store reads again.
    del runner.decode.stored
    runner.catch_up()
    assert position(view_db, BLINDED) == runner.head()


def test_a_page_read_ahead_is_not_used_once_another_runner_moved_the_position(
    demo_store: DemoStore,
    view_db: ViewDatabase,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    """A second runner commits pages between ours: the page read ahead is from a position
    that is no longer the stored one, so it is dropped and the right page read instead."""
    ours = demo_projections(demo_store, view_db, page_size=150).runners[BLINDED]
    theirs = ProjectionRunner(view_db, demo_store.trial, blinded_view(), page_size=61)
    apply_page = ours.apply_page
    moved = {"times": 0}

    def racing(expected: Tracking, events: list[Any], reached: int) -> Tracking:
        if moved["times"] < 3:
            moved["times"] += 1
            theirs.catch_up(target=expected.position + 1)  # one page of theirs
        return apply_page(expected, events, reached)

    ours.apply_page = racing  # type: ignore[method-assign]
    ours.catch_up()
    assert moved["times"] == 3
    assert position(view_db, BLINDED) == ours.head()
    other_db = fresh_view_db(demo_store, tmp_path, request)
    try:
        demo_projections(demo_store, other_db).catch_up([BLINDED])
        assert dump(view_db, BLINDED) == dump(other_db, BLINDED)
    finally:
        other_db.close()
