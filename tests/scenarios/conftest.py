"""The application fixtures of tests/app: every scenario runs on SQLite and PostgreSQL."""

from tests.app.conftest import actors, clock, settings, trial

__all__ = ["actors", "clock", "settings", "trial"]
