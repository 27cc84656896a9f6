"""Password hashing with argon2 (argon2-cffi), kept out of the domain because salts are random."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from domain.errors import EdcError

MIN_PASSWORD_LENGTH = 10
_hasher = PasswordHasher()


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise EdcError(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
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
