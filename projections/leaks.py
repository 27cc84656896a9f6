"""A check that a read model holds nothing arm-revealing, for tests and for `edc` to run.

It reads every table of the model and reports each cell that shows an arm name or label, the
name of an arm-revealing form or item (adherence), or the type of an arm-revealing event, and
every column named after the arm. Markers are taken from the domain, so a new arm-revealing
event type or adherence item is looked for without changing this module.
"""

from __future__ import annotations

import json
import re
from typing import Any

from domain.blinding import CLASSIFICATION, Blinding
from domain.crf.items import ITEMS
from domain.protocol import ARM_LABELS, ARM_REVEALING_FORMS, ARMS
from projections.db import ViewDatabase

ARM_VALUES = frozenset(str(arm) for arm in ARMS)
ARM_WORDS = tuple(sorted({*ARM_LABELS.values()}))
ARM_REVEALING_NAMES = tuple(
    sorted(
        {form for form in ARM_REVEALING_FORMS}
        | {spec.name for form in ARM_REVEALING_FORMS for spec in ITEMS[form]}
        | {cls.__qualname__ for cls, b in CLASSIFICATION.items() if b is Blinding.ARM_REVEALING}
    )
)
_NAMES = re.compile(r"\b(" + "|".join(re.escape(n) for n in ARM_REVEALING_NAMES) + r")\b")
_COLUMN = re.compile(r"(^|_)arm(_|$)")


def _strings(value: Any) -> list[str]:
    """Every string inside a cell, JSON cells opened up (keys included)."""
    if isinstance(value, str):
        try:
            decoded = json.loads(value)
        except ValueError:
            return [value]
        if isinstance(decoded, dict | list):
            found = [value]
            stack: list[Any] = [decoded]
            while stack:
                item = stack.pop()
                if isinstance(item, dict):
                    found.extend(str(k) for k in item)
                    stack.extend(item.values())
                elif isinstance(item, list):
                    stack.extend(item)
                elif isinstance(item, str):
                    found.append(item)
            return found
        return [value]
    return []


def find_arm_leaks(db: ViewDatabase, view: str) -> list[str]:
    """Problems found in the tables of read model `view` (empty when it reveals no arm)."""
    problems: list[str] = []
    for table in db.tables():
        if not table.startswith(f"{view}_"):
            continue
        with db.cursor() as cur:
            cur.execute(f"SELECT * FROM {table}")
            names = [d[0] for d in cur.description]
            rows = cur.fetchall()
        problems += [f"{table}: column {name!r}" for name in names if _COLUMN.search(name)]
        for row in rows:
            for name, value in zip(names, row, strict=True):
                for text in _strings(value):
                    problem = _problem(text)
                    if problem:
                        problems.append(f"{table}.{name}: {problem} in {text[:80]!r}")
                        break
    return problems


def _problem(text: str) -> str | None:
    if text.strip().lower() in ARM_VALUES:
        return "an arm"
    if any(word in text for word in ARM_WORDS):
        return "an arm label"
    found = _NAMES.search(text)
    if found:
        return f"arm-revealing name {found.group(0)!r}"
    return None
