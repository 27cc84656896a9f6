"""The suite's plugins, and cheap password hashes for its throwaway accounts.

Every test process hashes with argon2's cheapest parameters (edc.passwords.throwaway_hashes):
the suite creates and logs into thousands of accounts, and the full cost is deliberate. Logins
still verify real argon2 hashes. `edc` commands the tests start as processes hash at full cost,
and tests/accounts/test_passwords.py checks a fresh process does.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import pytest

from edc import passwords

if TYPE_CHECKING:
    from tests.web.live_demo import LiveDemo

pytest_plugins = ["tests.pg"]

_CHEAP_HASHES = contextlib.ExitStack()


def pytest_configure(config: pytest.Config) -> None:
    _CHEAP_HASHES.enter_context(passwords.throwaway_hashes())


def pytest_unconfigure(config: pytest.Config) -> None:
    _CHEAP_HASHES.close()


@pytest.fixture(scope="session")
def live_demo_store(tmp_path_factory: pytest.TempPathFactory) -> LiveDemo:
    """The demo trial on its day (tests/web/live_demo.py), built once per test process for the
    web and browser tests that read it; each test works on a copy (`copy_to`)."""
    from tests.web import live_demo

    return live_demo.build(tmp_path_factory.mktemp("live") / "var")
