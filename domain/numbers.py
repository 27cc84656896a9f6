"""Whole numbers typed by people and programs: ASCII digits only, within what a database holds.

`int()` alone takes "٣٥" (Arabic-Indic digits) as 35, " 35 " and "+35" too, and fails beyond
4,300 digits; SQLite and PostgreSQL integers stop at 2**63 - 1. Every position, page, week,
version or limit read from a URL, a form or a command line goes through `whole_number`.
"""

from __future__ import annotations

LARGEST = 2**63 - 1
_MAX_DIGITS = len(str(LARGEST))


def whole_number(text: str) -> int | None:
    """`text` as a whole number from 0 to LARGEST, or None if it is not one."""
    if not text or len(text) > _MAX_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value <= LARGEST else None
