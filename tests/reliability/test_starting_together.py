"""Server processes starting together: on one PostgreSQL database each creates the tables it
needs, and on a fresh key directory each reads or makes the session and phone keys, all at the
same moment; none fails, and they all end up with the same keys.

`CREATE TABLE IF NOT EXISTS` alone does not make that safe on PostgreSQL: two sessions that
both find the table missing both create it, and one fails on the catalogue's unique index
("duplicate key value violates unique constraint pg_type_typname_nsp_index"). A server that
fails there does not start. Each connection here is its own session, as a process's would be;
a barrier lets them all go at once, many times over on fresh databases.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from edc.application import Trial
from edc.bootstrap import build_trial
from edc.config import Settings
from edc.rate_limit_store import SqlMovingWindowStorage
from edc.read_model_wiring import build_projections
from edc.unsaved_typing import UnsavedTyping
from projections.db import ViewDatabase
from projections.tracking import ensure_tracking_table
from tests.pg import PostgresServer
from web.session_key import KEY_FILE, PHONE_KEY_FILE, phone_key, session_key

AT_ONCE = 6
ROUNDS = 4
KEY_ROUNDS = 50

Create = Callable[[ViewDatabase], object]


def _unsaved_typing(db: ViewDatabase) -> None:
    UnsavedTyping(db, Fernet.generate_key().decode(), lambda: 0.0).ensure_schema()


CREATORS: dict[str, Create] = {
    "unsaved typing": _unsaved_typing,
    "rate limits": SqlMovingWindowStorage,
    "read-model tracking": ensure_tracking_table,
}


def _all_at_once(url: str, create: Create) -> list[BaseException]:
    dbs = [ViewDatabase.postgres(url) for _ in range(AT_ONCE)]
    # Connected before the barrier, so the race is in the DDL and not in connecting.
    for db in dbs:
        db.query("SELECT 1")
    barrier = threading.Barrier(AT_ONCE)
    failures: list[BaseException] = []

    def start(db: ViewDatabase) -> None:
        barrier.wait()
        try:
            create(db)
        except Exception as exc:  # the failure is what the test reports
            failures.append(exc)

    with ThreadPoolExecutor(AT_ONCE) as pool:
        list(pool.map(start, dbs))
    for db in dbs:
        db.close()
    return failures


@pytest.mark.postgres
@pytest.mark.parametrize("store", sorted(CREATORS))
def test_tables_created_by_servers_starting_together(
    store: str, postgres_server: PostgresServer
) -> None:
    for round_ in range(ROUNDS):
        url = postgres_server.create_database(postgres_server.unique_name(f"at_once{round_}"))
        assert _all_at_once(url, CREATORS[store]) == []
        # Opening once more afterwards finds its tables there, made once.
        db = ViewDatabase.postgres(url)
        try:
            CREATORS[store](db)
        finally:
            db.close()


@pytest.mark.postgres
def test_read_models_created_by_servers_starting_together(
    postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    for round_ in range(ROUNDS):
        url = postgres_server.create_database(postgres_server.unique_name(f"views{round_}"))
        settings = Settings(data_dir=tmp_path_factory.mktemp("at_once"), database_url=url)
        trial = build_trial(settings)
        try:
            # Each server opens the read models on its own connections (`build_projections`).
            failures = _all_at_once(url, partial(_open_read_models, settings, trial))
        finally:
            trial.close()
        assert failures == []


def _open_read_models(settings: Settings, trial: Trial, _db: ViewDatabase) -> None:
    build_projections(settings, trial).db.close()


@pytest.mark.parametrize(
    ("make_key", "file_name"),
    [(session_key, KEY_FILE), (phone_key, PHONE_KEY_FILE)],
    ids=["session", "phone"],
)
def test_servers_starting_together_share_one_key(
    make_key: Callable[[Path], str], file_name: str, tmp_path: Path
) -> None:
    # A process that found the key file created but not yet written read an empty key and
    # refused to start. Each round is a fresh key directory.
    for round_ in range(KEY_ROUNDS):
        keys = tmp_path / f"keys{round_}"
        barrier = threading.Barrier(AT_ONCE)

        def start(_: int, keys: Path = keys, barrier: threading.Barrier = barrier) -> str:
            barrier.wait()
            return make_key(keys)

        with ThreadPoolExecutor(AT_ONCE) as pool:
            got = set(pool.map(start, range(AT_ONCE)))
        assert len(got) == 1
        # The one key every process uses is the one kept, and no draft is left beside it.
        assert [path.name for path in keys.iterdir()] == [file_name]
        assert make_key(keys) in got
