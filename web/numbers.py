"""Whole numbers from query strings and forms, within what the databases can store.

A position, page or week typed into a URL reaches SQL; Python's integers do not fit SQLite's or
PostgreSQL's 64-bit integers beyond 2**63 - 1, which would otherwise fail as a server error.
"""

from __future__ import annotations

LARGEST = 2**63 - 1


def whole_number(text: str) -> int | None:
    """`text` as a whole number from 0 to LARGEST, or None if it is not one."""
    if not text or len(text) > len(str(LARGEST)) or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value <= LARGEST else None
