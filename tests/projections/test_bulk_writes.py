"""Large pages on PostgreSQL stream their rows with COPY (a staged merge for rows that may
replace stored ones); the tables are the same as with one statement per row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from projections import runner, writes
from projections.db import ViewDatabase
from projections.spec import blinded_view
from projections.tracking import advance, read_tracking
from projections.writes import PageWrites
from tests.projections.conftest import DemoStore, demo_projections, fresh_view_db
from tests.projections.tables import dumps, rows


def _postgres_only(demo_store: DemoStore) -> None:
    if demo_store.backend != "postgres":
        pytest.skip("COPY is PostgreSQL's; SQLite always writes with executemany")


@pytest.mark.parametrize("page_size", [97, 5000])
def test_rows_copied_and_merged_equal_rows_sent_one_statement_each(
    demo_store: DemoStore,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    page_size: int,
) -> None:
    """Small pages make later pages replace rows stored by earlier ones (the merge's update)."""
    _postgres_only(demo_store)
    statements = fresh_view_db(demo_store, tmp_path, request)
    (tmp_path / "copied").mkdir()
    copied = fresh_view_db(demo_store, tmp_path / "copied", request)
    try:
        monkeypatch.setattr(writes, "COPY_MIN_ROWS", 10**9)
        demo_projections(demo_store, statements, page_size=page_size).rebuild()
        monkeypatch.setattr(writes, "COPY_MIN_ROWS", 1)
        demo_projections(demo_store, copied, page_size=page_size).rebuild()
        expected = dumps(statements)
        assert expected["blinded"]["blinded_forms"]  # something was written
        assert dumps(copied) == expected
    finally:
        statements.close()
        copied.close()


def _page(db: ViewDatabase, sheets: list[tuple[Any, ...]], position: int) -> None:
    """A page writing sheets, committed with its position as a runner commits it."""
    view = blinded_view()
    with db.transaction() as cur:
        expected = read_tracking(cur, view.name, for_update=True)
        assert expected is not None
        page = PageWrites(cur, view)
        page.upsert("forms", sheets)
        page.write()
        advance(cur, expected, position)


def test_a_row_twice_in_a_page_keeps_the_last_in_the_first_page_and_in_later_ones(
    demo_store: DemoStore, view_db: ViewDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first page after the tables were made copies straight into them; later pages merge."""
    _postgres_only(demo_store)
    monkeypatch.setattr(writes, "COPY_MIN_ROWS", 1)
    demo_projections(demo_store, view_db)  # tables created, nothing applied
    sheet = ("p-1", "baseline", "baseline")
    _page(view_db, [(*sheet, '{"A": 1}', "{}", 1, "d1"), (*sheet, '{"A": 2}', "{}", 2, "d2")], 2)
    (row,) = rows(view_db, "blinded", "forms")
    assert (row["items"], row["position"]) == ({"A": 2}, 2)
    _page(view_db, [(*sheet, '{"A": 3}', "{}", 3, "d3"), (*sheet, '{"A": 4}', "{}", 4, "d4")], 4)
    (row,) = rows(view_db, "blinded", "forms")
    assert (row["items"], row["position"]) == ({"A": 4}, 4)


def test_a_first_page_that_fails_leaves_empty_tables_and_the_next_attempt_builds_them(
    demo_store: DemoStore,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first page's rows are all written (copied, on PostgreSQL) before its position fails
    to commit: nothing of it stays, and the page applied again gives a fresh build's tables."""
    failing = fresh_view_db(demo_store, tmp_path, request)
    (tmp_path / "fresh").mkdir()
    fresh = fresh_view_db(demo_store, tmp_path / "fresh", request)
    try:
        projections = demo_projections(demo_store, failing, page_size=500)
        real_advance = runner.advance

        def crash(*args: Any) -> Any:
            raise RuntimeError("killed before the commit")

        monkeypatch.setattr(runner, "advance", crash)
        with pytest.raises(RuntimeError, match="killed before the commit"):
            projections.catch_up()
        assert all(not found for found in dumps(failing)["blinded"].values())
        monkeypatch.setattr(runner, "advance", real_advance)
        projections.catch_up()
        demo_projections(demo_store, fresh, page_size=500).catch_up()
        assert dumps(failing) == dumps(fresh)
        assert dumps(fresh)["blinded"]["blinded_forms"]
    finally:
        failing.close()
        fresh.close()
