"""Fixtures for exports and reports: the small trial (built once per module and back end, for
tests that only read it, or per test, for tests that add data), and the official ODM schema."""

from __future__ import annotations

import contextlib
import io
import os
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from domain.actor import Actor
from edc.application import Trial
from edc.bootstrap import build_trial
from edc.config import Settings
from edc.exports import store_reader
from projections.exports import Cut, ExportKind, StoreReader, View, export
from tests.app.conftest import Accounts, StepClock, settings  # noqa: F401
from tests.exports.scenario import SmallTrial, build_small_trial

# The repository's parent holds `shared/` (in CI, `../shared` is beside the clone).
ODM_XSD = Path(__file__).resolve().parents[2].parent / "shared" / "odm" / "v1.3.2" / "ODM1-3-2.xsd"


@pytest.fixture(scope="session")
def odm_schema() -> etree.XMLSchema:
    """The official CDISC ODM 1.3.2 schema; its absence fails in CI and skips elsewhere."""
    if not ODM_XSD.exists():
        message = f"The official ODM 1.3.2 schema is not at {ODM_XSD}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return etree.XMLSchema(etree.parse(str(ODM_XSD)))


@dataclass
class Built:
    """The small trial in a store, with what the tests need to read it."""

    settings: Settings
    trial: Trial
    clock: StepClock
    actors: dict[str, Actor]
    small: SmallTrial
    reader: StoreReader


def _build(store: Settings) -> Built:
    step_clock = StepClock(datetime(2024, 1, 15, 9, 0, tzinfo=UTC))
    app = build_trial(store, clock=step_clock, draw=random.Random(7).random)
    accounts = Accounts(app)
    small = build_small_trial(app, step_clock, accounts)
    return Built(store, app, step_clock, accounts, small, store_reader(app))


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def built(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Built]:
    """The small trial, built once for the module: for tests that only read it."""
    data_dir = tmp_path_factory.mktemp("exports") / "var"
    name = None
    if request.param == "sqlite":
        store_settings = Settings(data_dir=data_dir)
    else:
        server = request.getfixturevalue("postgres_server")
        name = server.unique_name(f"exports_{request.module.__name__.rsplit('.', 1)[-1]}")
        store_settings = Settings(data_dir=data_dir, database_url=server.create_database(name))
    result = _build(store_settings)
    yield result
    result.trial.close()
    if name is not None:
        with contextlib.suppress(Exception):
            server.drop_database(name)


@pytest.fixture
def fresh(settings: Settings) -> Iterator[Built]:  # noqa: F811
    """The small trial in a store of its own: for tests that add data."""
    result = _build(settings)
    yield result
    result.trial.close()


def export_bytes(
    reader: StoreReader,
    kind: ExportKind,
    view: View,
    as_of: int | None = None,
    file_name: str | None = None,
) -> bytes:
    out = io.BytesIO()
    export(kind, Cut.of(reader, view, as_of), out, file_name)
    return out.getvalue()
