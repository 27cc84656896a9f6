"""Reliability tests reuse the application fixtures: SQLite file and real PostgreSQL."""

from tests.app.conftest import actors, clock, settings, trial

__all__ = ["actors", "clock", "settings", "trial"]
