"""Whole numbers from query strings and forms, within what the databases can store.

A position, page or week typed into a URL reaches SQL; Python's integers do not fit SQLite's or
PostgreSQL's 64-bit integers beyond 2**63 - 1, which would otherwise fail as a server error.
The rule itself (ASCII digits, bounded) is `domain.numbers`, shared with the command line.
"""

from __future__ import annotations

from domain.numbers import LARGEST, whole_number

__all__ = ["LARGEST", "whole_number"]
