"""Configuration from the environment: which event store, where, and whether it is encrypted."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from edc.pgurl import postgres_env
from edc.private_files import private_directory, private_file
from projections.db import prepare_sqlite_file

DEFAULT_DATA_DIR = "./var"


@dataclass(frozen=True)
class Settings:
    """Where the trial's data lives: SQLite files under `data_dir`, or a PostgreSQL database."""

    data_dir: Path
    database_url: str | None = None
    cipher_key: str | None = None
    # Outside the data directory and its backups (see `anchor_path` and `key_path`).
    anchor_dir: Path | None = None
    key_dir: Path | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        return cls(
            data_dir=Path(environ.get("EDC_DATA_DIR") or DEFAULT_DATA_DIR),
            database_url=environ.get("EDC_DATABASE_URL") or None,
            cipher_key=environ.get("EDC_CIPHER_KEY") or None,
            anchor_dir=_path(environ.get("EDC_ANCHOR_DIR")),
            key_dir=_path(environ.get("EDC_KEY_DIR")),
        )

    @property
    def backend(self) -> str:
        return "postgres" if self.database_url else "sqlite"

    def sqlite_path(self, name: str) -> Path:
        return self.data_dir / f"{name}.sqlite"

    @property
    def anchor_path(self) -> Path:
        """Where chain heads are anchored: EDC_ANCHOR_DIR, else `<data dir>.anchors` beside
        the data directory (outside it, so no restore into it replaces the anchors)."""
        return self.anchor_dir or _beside(self.data_dir, "anchors")

    @property
    def key_path(self) -> Path:
        """Where key files are kept: EDC_KEY_DIR, else `<data dir>.keys` beside the data
        directory (outside it, so no backup of it carries them)."""
        return self.key_dir or _beside(self.data_dir, "keys")

    def event_store_env(self) -> dict[str, str]:
        """The eventsourcing settings for the trial's event store."""
        if self.database_url:
            env = postgres_env(self.database_url)
        else:
            private_directory(self.data_dir)
            # Created owner-only before SQLite opens it; its side files take its mode.
            private_file(self.sqlite_path("trial"))
            prepare_sqlite_file(self.sqlite_path("trial"))
            env = {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(self.sqlite_path("trial")),
                # Several processes may write the same file; wait rather than fail.
                "SQLITE_LOCK_TIMEOUT": "30",
            }
        if self.cipher_key:
            env["CIPHER_TOPIC"] = "eventsourcing.cryptography:AESCipher"
            env["CIPHER_KEY"] = self.cipher_key
        return env


def _path(text: str | None) -> Path | None:
    return Path(text) if text else None


def _beside(data_dir: Path, what: str) -> Path:
    absolute = data_dir.absolute()
    return absolute.with_name(f"{absolute.name}.{what}")
