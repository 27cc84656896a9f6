"""Attack tests run against the real web application on a copy of the seeded SQLite store."""

from tests.web.conftest import (
    client,
    make_client,
    now,
    seeded,
    web_clock,
    web_config,
    web_settings,
)

__all__ = ["client", "make_client", "now", "seeded", "web_clock", "web_config", "web_settings"]
