"""The secret that encrypts session cookies: EDC_SESSION_KEY, or a key kept in EDC_DATA_DIR.

A key generated once and stored next to the data means a restart keeps everyone logged in;
several processes sharing one PostgreSQL database should set EDC_SESSION_KEY to the same value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from cryptography.fernet import Fernet

from domain.errors import EdcError

KEY_FILE = "session.key"
PHONE_KEY_FILE = "phone.key"


def _checked(key: str, origin: str) -> str:
    try:
        Fernet(key)
    except (ValueError, TypeError):
        raise EdcError(
            f"{origin} is not a valid session key: it must be 32 url-safe base64-encoded bytes "
            "(make one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())')."
        ) from None
    return key


def session_key(data_dir: Path, environ: Mapping[str, str] | None = None) -> str:
    """The session secret from EDC_SESSION_KEY, else from (or newly written to) the data dir."""
    return secret_key(data_dir, "EDC_SESSION_KEY", KEY_FILE, environ)


def phone_key(data_dir: Path, environ: Mapping[str, str] | None = None) -> str:
    """The key of the phone-number digests (EDC_PHONE_KEY or phone.key in the data dir)."""
    return secret_key(data_dir, "EDC_PHONE_KEY", PHONE_KEY_FILE, environ)


def secret_key(
    data_dir: Path, variable: str, file_name: str, environ: Mapping[str, str] | None = None
) -> str:
    """A Fernet-format secret from the environment, else from (or newly made in) the data dir."""
    environ = os.environ if environ is None else environ
    given = environ.get(variable)
    if given:
        return _checked(given.strip(), variable)
    path = data_dir / file_name
    if path.exists():
        return _checked(path.read_text().strip(), str(path))
    data_dir.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key().decode()
    # Create with owner-only permissions; O_EXCL so two starting processes cannot race.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _checked(path.read_text().strip(), str(path))
    with os.fdopen(fd, "w") as file:
        file.write(key + "\n")
    return key
