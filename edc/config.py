"""Configuration from the environment: which event store, where, and whether it is encrypted."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from edc.pgurl import postgres_env

DEFAULT_DATA_DIR = "./var"


@dataclass(frozen=True)
class Settings:
    """Where the trial's data lives: SQLite files under `data_dir`, or a PostgreSQL database."""

    data_dir: Path
    database_url: str | None = None
    cipher_key: str | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        return cls(
            data_dir=Path(environ.get("EDC_DATA_DIR") or DEFAULT_DATA_DIR),
            database_url=environ.get("EDC_DATABASE_URL") or None,
            cipher_key=environ.get("EDC_CIPHER_KEY") or None,
        )

    @property
    def backend(self) -> str:
        return "postgres" if self.database_url else "sqlite"

    def sqlite_path(self, name: str) -> Path:
        return self.data_dir / f"{name}.sqlite"

    def event_store_env(self) -> dict[str, str]:
        """The eventsourcing settings for the trial's event store."""
        if self.database_url:
            env = postgres_env(self.database_url)
        else:
            self.data_dir.mkdir(parents=True, exist_ok=True)
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
