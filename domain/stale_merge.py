"""Merging a stale save item by item: what a colleague saved meanwhile is never reverted.

A save made from an older version of a form (someone saved it since) is compared item by item
with the version the writer opened (the base): an item only the colleague changed keeps the
colleague's value, an item only the writer changed keeps the writer's, and an item both
changed to different values is a conflict the writer settles, keeping theirs or mine.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

MINE, THEIRS = "mine", "theirs"


@dataclass(frozen=True)
class ItemChange:
    """One change a colleague saved to an item since the writer opened the form."""

    item: str
    old: Any
    new: Any
    user: str
    role: str
    at: datetime


@dataclass(frozen=True)
class ItemMerge:
    """One item someone changed since the base: whose value it keeps, or that it is a conflict."""

    item: str
    base: Any
    mine: Any
    theirs: Any
    changes: tuple[ItemChange, ...]

    @property
    def mine_changed(self) -> bool:
        return same(self.mine, self.base) is False

    @property
    def theirs_changed(self) -> bool:
        return same(self.theirs, self.base) is False

    @property
    def conflict(self) -> bool:
        return self.mine_changed and self.theirs_changed and not same(self.mine, self.theirs)

    @property
    def kept(self) -> str | None:
        """Whose value the merge keeps without asking (None: a conflict, the writer chooses)."""
        if self.conflict:
            return None
        return MINE if self.mine_changed else THEIRS


def same(a: Any, b: Any) -> bool:
    """Whether two values of an item are the same answer (empty is empty, ticked codes in
    any order, a number whether typed or stored)."""
    return _comparable(a) == _comparable(b)


def _comparable(value: Any) -> Any:
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, list | tuple):
        return sorted(str(v) for v in value)
    return str(value)


@dataclass(frozen=True)
class SheetVersion:
    """The sheet as one save of the form left it: the form's version after it, who, when."""

    version: int
    sheet: Mapping[str, Any]
    user: str
    role: str
    at: datetime


def base_and_changes(
    versions: Iterable[SheetVersion], seen: int
) -> tuple[dict[str, Any], list[ItemChange]]:
    """The sheet at form version `seen` (the one the writer opened) and every item change
    saved to it since, oldest first."""
    base: dict[str, Any] = {}
    before: Mapping[str, Any] = {}
    changes: list[ItemChange] = []
    for saved in versions:
        if saved.version <= seen:
            base = before = dict(saved.sheet)
            continue
        for item in sorted(saved.sheet.keys() | before.keys()):
            if not same(before.get(item), saved.sheet.get(item)):
                changes.append(
                    ItemChange(
                        item,
                        before.get(item),
                        saved.sheet.get(item),
                        saved.user,
                        saved.role,
                        saved.at,
                    )
                )
        before = dict(saved.sheet)
    return base, changes


def merge(
    base: Mapping[str, Any],
    mine: Mapping[str, Any],
    theirs: Mapping[str, Any],
    changes: Iterable[ItemChange],
    items: Iterable[str],
) -> dict[str, ItemMerge]:
    """The items of the form (`items`) that the writer or a colleague changed since the base."""
    by_item: dict[str, list[ItemChange]] = {}
    for change in changes:
        by_item.setdefault(change.item, []).append(change)
    merged = {}
    for item in items:
        one = ItemMerge(
            item, base.get(item), mine.get(item), theirs.get(item), tuple(by_item.get(item, ()))
        )
        if one.mine_changed or one.theirs_changed:
            merged[item] = one
    return merged


def chosen_values(
    mine: Mapping[str, Any], theirs: Mapping[str, Any], keep_theirs: Iterable[str]
) -> dict[str, Any]:
    """The writer's values with their choice applied: theirs kept for the items in
    `keep_theirs` (conflicts settled in the colleague's favour)."""
    values = dict(mine)
    for item in keep_theirs:
        if theirs.get(item) is None:
            values.pop(item, None)
        else:
            values[item] = theirs[item]
    return values
