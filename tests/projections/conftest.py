"""Read-model fixtures, on SQLite and on a real PostgreSQL like the application fixtures.

`demo_store` is one demo trial (built through the real use cases) per back end for the whole
session, read by many tests; each test that builds read models from it gets a fresh, empty
read-model database of its own (`view_db`), so tests never see each other's tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from edc.application import Trial
from edc.config import Settings
from edc.demo.build import build_demo
from edc.read_model_wiring import build_projections, open_view_database
from projections.db import ViewDatabase
from projections.reading import ReadModels
from projections.service import Projections
from tests.app.conftest import actors, clock, settings, trial

__all__ = [
    "actors",
    "clock",
    "demo_store",
    "projections",
    "read_models",
    "settings",
    "trial",
    "view_db",
]

DEMO_PARTICIPANTS = 150  # about 2,600 events
DEMO_SEED = 3


@dataclass
class DemoStore:
    settings: Settings
    trial: Trial
    backend: str


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def demo_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoStore]:
    data_dir = tmp_path_factory.mktemp("demo")
    if request.param == "sqlite":
        settings = Settings(data_dir=data_dir)
    else:
        server = request.getfixturevalue("postgres_server")
        url = server.create_database(server.unique_name("projections_demo"))
        settings = Settings(data_dir=data_dir, database_url=url)
    trial = build_demo(settings, DEMO_PARTICIPANTS, seed=DEMO_SEED, progress=False)
    yield DemoStore(settings, trial, request.param)
    trial.close()


@pytest.fixture
def view_db(
    demo_store: DemoStore, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[ViewDatabase]:
    """An empty read-model database for one test (a file, or a PostgreSQL database)."""
    if demo_store.backend == "sqlite":
        db = ViewDatabase.sqlite(tmp_path / "readmodels.sqlite")
    else:
        server = request.getfixturevalue("postgres_server")
        db = ViewDatabase.postgres(server.create_database(server.unique_name("views")))
    yield db
    db.close()


def fresh_view_db(
    demo_store: DemoStore, where: Path, request: pytest.FixtureRequest
) -> ViewDatabase:
    """Another empty read-model database, for tests that compare two builds."""
    if demo_store.backend == "sqlite":
        return ViewDatabase.sqlite(where / "other-readmodels.sqlite")
    server = request.getfixturevalue("postgres_server")
    return ViewDatabase.postgres(server.create_database(server.unique_name("views")))


def demo_projections(demo_store: DemoStore, db: ViewDatabase, page_size: int = 5000) -> Projections:
    projections = Projections(db, demo_store.trial, page_size=page_size)
    projections.ensure_schema()
    return projections


def reset_deployed_read_models(settings: Settings) -> None:
    """Drop the read models where `edc projections` keeps them for these settings."""
    db = open_view_database(settings)
    try:
        with db.transaction() as cur:
            for table in db.tables():
                if table.startswith(("blinded_", "unblinded_", "projection_tracking")):
                    cur.execute(f"DROP TABLE {table}")
    finally:
        db.close()


@pytest.fixture
def projections(settings: Settings, trial: Trial) -> Iterator[Projections]:
    built = build_projections(settings, trial)
    yield built
    built.db.close()


@pytest.fixture
def read_models(projections: Projections) -> ReadModels:
    return projections.read_models()
