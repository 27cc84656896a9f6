"""PostgreSQL is spoken through psycopg's C implementation (`psycopg[binary]` in pyproject.toml):
the pure-Python one, which psycopg falls back to without a word, makes every statement of a save
a run of ctypes calls into libpq."""

from __future__ import annotations

import psycopg


def test_psycopg_runs_on_its_c_implementation() -> None:
    assert psycopg.pq.__impl__ in {"binary", "c"}, (
        f"psycopg uses its {psycopg.pq.__impl__} implementation: install the project's "
        "dependencies (psycopg[binary]) again"
    )
