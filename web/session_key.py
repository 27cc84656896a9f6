"""The secrets of the web application: EDC_SESSION_KEY / EDC_PHONE_KEY, or key files.

Key files live in the key directory (`Settings.key_path`: EDC_KEY_DIR, else `<data dir>.keys`
beside the data directory), never in the data directory: a backup of the data must not carry
the keys that forge a session or recover a phone number. A key generated once and kept means a
restart keeps everyone logged in; several processes sharing one PostgreSQL database should set
EDC_SESSION_KEY (and EDC_PHONE_KEY) to the same values. Keep a copy of the key directory apart
from the backups: a restore needs the same phone key for the phone digests to match.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from cryptography.fernet import Fernet

from domain.errors import EdcError
from edc.config import Settings
from edc.private_files import private_directory, private_file

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


def key_directory(settings: Settings) -> Path:
    """The key directory, with key files an older version kept in the data dir moved in."""
    keys = private_directory(settings.key_path)
    for name in (KEY_FILE, PHONE_KEY_FILE):
        legacy, kept = settings.data_dir / name, keys / name
        if legacy.is_file() and not kept.exists():
            # Processes starting together all see it there; the first to move it wins, and
            # the others find it moved in, where they look next.
            with contextlib.suppress(FileNotFoundError):
                os.replace(legacy, kept)
            private_file(kept)
    return keys


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
        private_file(path)
        return _checked(path.read_text().strip(), str(path))
    private_directory(data_dir)
    key = Fernet.generate_key().decode()
    # Written whole to a file of its own, then linked in under the key's name: a process
    # starting at the same moment finds either no key file or a complete one, never an empty
    # one, and `link` (unlike a rename) refuses to replace a key another process put there.
    fd, draft = tempfile.mkstemp(dir=data_dir, prefix=f".{file_name}.")
    try:
        with os.fdopen(fd, "w") as file:
            file.write(key + "\n")
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(draft, path)
        except FileExistsError:
            return _checked(path.read_text().strip(), str(path))
    finally:
        os.unlink(draft)
    return key
