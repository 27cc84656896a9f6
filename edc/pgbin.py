"""Where PostgreSQL's programs are (pg_dump, pg_restore): next to the server's pg_ctl.

Debian keeps each major version's programs in `/usr/lib/postgresql/N/bin` and puts only a
version-picking wrapper on PATH. pg_dump refuses a server newer than itself, so the newest
installed version is the safe choice; `pg_config --bindir` (when installed) wins, then the
Debian layout, then PATH.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
from pathlib import Path

from domain.errors import EdcError


def _version(bindir: str) -> tuple[int, ...]:
    name = Path(bindir).parent.name  # /usr/lib/postgresql/15/bin -> "15"
    return tuple(int(part) for part in name.split(".") if part.isdigit()) or (-1,)


def _candidates() -> list[Path]:
    found: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            ).stdout.strip()
            if out:
                found.append(Path(out))
    found.extend(
        Path(d) for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True)
    )
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl:
        found.append(Path(pg_ctl).resolve().parent)
    return found


def pg_program(name: str) -> Path:
    """The path of PostgreSQL program `name`; EdcError when it is not installed."""
    for bindir in _candidates():
        if os.access(bindir / name, os.X_OK):
            return bindir / name
    on_path = shutil.which(name)
    if on_path:
        return Path(on_path)
    raise EdcError(
        f"{name} is not installed: install the PostgreSQL client programs "
        "(Debian: apt-get install postgresql-client)."
    )
