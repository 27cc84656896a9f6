"""Application fixtures: the same scenarios run on a SQLite file and on a real PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from domain.actor import Actor
from edc.application import SYSTEM, Trial
from edc.bootstrap import build_trial
from edc.config import Settings

PASSWORD = "correct horse battery"


class StepClock:
    """A clock that moves one second per reading, so event times are distinct and ordered."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        self.current += timedelta(seconds=1)
        return self.current


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "sqlite":
        return Settings(data_dir=tmp_path / "var")
    return Settings(data_dir=tmp_path / "var", database_url=request.getfixturevalue("postgres_url"))


@pytest.fixture
def clock() -> StepClock:
    return StepClock(datetime(2024, 1, 15, 9, 0, tzinfo=UTC))


@pytest.fixture
def trial(settings: Settings, clock: StepClock) -> Iterator[Trial]:
    app = build_trial(settings, clock=clock, draw=random.Random(7).random)
    yield app
    app.close()


NAMES = {
    "site_staff": "sara",
    "assessor": "anna",
    "investigator": "ivan",
    "monitor": "mona",
    "data_manager": "dana",
    "analyst": "alex",
    "admin": "adam",
}
SITE_ROLES = {"site_staff", "assessor", "investigator"}


class Accounts(dict[str, Actor]):
    """One account per role at site RINGE, created through the use case when first used
    (argon2 hashing is deliberately slow, so tests create only the accounts they need)."""

    def __init__(self, trial: Trial) -> None:
        super().__init__()
        self.trial = trial

    def __missing__(self, role: str) -> Actor:
        name = NAMES[role]
        self.trial.add_user(
            SYSTEM, name, role, PASSWORD, site="RINGE" if role in SITE_ROLES else None
        )
        self[role] = actor = self.trial.actor_for(name)
        return actor


@pytest.fixture
def actors(trial: Trial) -> dict[str, Actor]:
    return Accounts(trial)
