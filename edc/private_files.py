"""The trial's files are for its owner only: directories 0700, files 0600.

Every arm, every key and every head anchor is in these files; any other local user must read
none of them. SQLite makes its -wal, -shm and -journal files with the mode of the database
file, so a database created 0600 keeps its side files private too.
"""

from __future__ import annotations

import os
from pathlib import Path

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600


def private_directory(path: Path) -> Path:
    """Make `path` (and missing parents, the same way) owner-only; tighten it if it exists."""
    path.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
    _tighten(path, DIRECTORY_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create `path` empty and owner-only if missing; tighten its mode if it exists."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        _tighten(path, FILE_MODE)
    return path


def tighten_tree(path: Path) -> None:
    """Owner-only modes for a directory and everything in it (a backup, a restored store)."""
    if path.is_file():
        _tighten(path, FILE_MODE)
        return
    _tighten(path, DIRECTORY_MODE)
    for item in path.rglob("*"):
        if not item.is_symlink():
            _tighten(item, DIRECTORY_MODE if item.is_dir() else FILE_MODE)


def _tighten(path: Path, mode: int) -> None:
    if path.stat().st_mode & 0o777 & ~mode:
        os.chmod(path, mode)
