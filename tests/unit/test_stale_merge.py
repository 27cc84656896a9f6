"""The per-item merge of a stale save (domain.stale_merge), without any storage."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.stale_merge import (
    MINE,
    THEIRS,
    SheetVersion,
    base_and_changes,
    chosen_values,
    merge,
)

AT = datetime(2024, 2, 1, 9, 0, tzinfo=UTC)


def test_the_base_is_the_version_opened_and_changes_since_name_who_and_when() -> None:
    versions = [
        SheetVersion(1, {"A": 1, "B": 2}, "sara", "site_staff", AT),
        SheetVersion(2, {"A": 5, "B": 2}, "ivan", "investigator", AT),
        SheetVersion(3, {"A": 5, "B": 2, "C": "x"}, "sara", "site_staff", AT),
    ]
    base, changes = base_and_changes(versions, 1)
    assert base == {"A": 1, "B": 2}
    assert [(c.item, c.old, c.new, c.user) for c in changes] == [
        ("A", 1, 5, "ivan"),
        ("C", None, "x", "sara"),
    ]
    assert base_and_changes(versions, 0)[0] == {}


def test_untouched_items_keep_theirs_own_changes_keep_mine_and_both_is_a_conflict() -> None:
    base = {"A": 1, "B": 2, "C": 3, "D": ["x", "y"]}
    theirs = {"A": 5, "B": 2, "C": 4, "D": ["x", "y"]}
    mine = {"A": 1, "B": 7, "C": 9, "D": ["y", "x"]}  # ticked codes in another order: same
    _, changes = base_and_changes(
        [
            SheetVersion(1, base, "sara", "site_staff", AT),
            SheetVersion(2, theirs, "ivan", "investigator", AT),
        ],
        1,
    )
    merged = merge(base, mine, theirs, changes, ["A", "B", "C", "D"])
    assert set(merged) == {"A", "B", "C"}
    assert merged["A"].kept == THEIRS and merged["A"].changes[0].user == "ivan"
    assert merged["B"].kept == MINE and not merged["B"].changes
    assert merged["C"].conflict and merged["C"].kept is None
    assert chosen_values(mine, theirs, ["C"]) == {**mine, "C": 4}
    assert chosen_values({"A": 1}, {}, ["A"]) == {}
