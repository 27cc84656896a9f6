"""The suite's plugins, and cheap password hashes for its throwaway accounts.

Every test process hashes with argon2's cheapest parameters (edc.passwords.throwaway_hashes):
the suite creates and logs into thousands of accounts, and the full cost is deliberate. Logins
still verify real argon2 hashes. `edc` commands the tests start as processes hash at full cost,
and tests/accounts/test_passwords.py checks a fresh process does.
"""

import contextlib

import pytest

from edc import passwords

pytest_plugins = ["tests.pg"]

_CHEAP_HASHES = contextlib.ExitStack()


def pytest_configure(config: pytest.Config) -> None:
    _CHEAP_HASHES.enter_context(passwords.throwaway_hashes())


def pytest_unconfigure(config: pytest.Config) -> None:
    _CHEAP_HASHES.close()
