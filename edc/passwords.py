"""Password hashing with argon2 (argon2-cffi), kept out of the domain because salts are random."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from domain.errors import EdcError
from domain.wording import Message

MIN_PASSWORD_LENGTH = 10
# argon2-cffi's defaults, the RFC 9106 low-memory profile: what every real account gets.
_hasher = PasswordHasher()


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise EdcError(
            Message("A password needs at least %(limit)s characters.", limit=MIN_PASSWORD_LENGTH)
        )
    if password.strip() != password:
        raise EdcError("A password may not start or end with spaces.")


def hash_password(password: str) -> str:
    check_password_policy(password)
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _hash_of_nobody() -> str:
    return _hasher.hash("no account has this password")


def spend_verification_time(password: str) -> None:
    """Check a password against nobody's hash: a login for a name that does not exist takes as
    long as one that does, so timing does not tell which names are accounts."""
    password_matches(_hash_of_nobody(), password)


@contextmanager
def throwaway_hashes() -> Iterator[None]:
    """Hash with argon2's cheapest parameters while inside: only for stores of throwaway
    accounts that nobody logs into for real (the test suite and the bench build thousands).

    argon2 costs what it is set to cost, by design; a hash records its own parameters, so a
    cheap hash still verifies for real, and hashes made outside keep the full cost. Nothing in
    the application calls this: a server or command hashes with the full cost always.
    """
    global _hasher
    saved = _hasher
    _hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    try:
        yield
    finally:
        _hasher = saved
