"""The demo trial as it stands on its default day (`edc demo --today`), with the accounts the
attack tests need besides the demo's own: a blinded site staff account, and site accounts of
another site (ODENSE, which has no participants). A web app on a copy of it runs on a clock
set to that day."""

from __future__ import annotations

import random
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest
from aiohttp.test_utils import TestClient

from edc.application import SYSTEM, Trial
from edc.bootstrap import build_trial
from edc.config import Settings
from edc.demo.build import build_demo
from edc.demo.today import DEFAULT_TODAY, start_of
from tests.app.conftest import PASSWORD, StepClock
from web.app import init_app
from web.config import WebConfig

TODAY = DEFAULT_TODAY
RECORDED_DEVIATION = "Re-consented after a wrong template was signed"
BLINDED_STAFF = "bella"
OTHER_SITE = {"site_staff": "olga", "assessor": "otto", "investigator": "oscar"}
# Every blinded account of the store, by role.
BLINDED = {
    "site_staff": BLINDED_STAFF,
    "assessor": "anna",
    "investigator": "ivan",
    "monitor": "mona",
    "data_manager": "dana",
    "analyst": "alex",
}


@dataclass(frozen=True)
class LiveDemo:
    root: Path
    screening_numbers: tuple[str, ...]

    def copy_to(self, target: Path) -> Settings:
        shutil.copytree(self.root, target)
        return Settings(data_dir=target)


def build(root: Path) -> LiveDemo:
    settings = Settings(data_dir=root)
    trial = build_demo(settings, 120, seed=1, progress=False, today=TODAY)
    trial.close()
    trial = open_trial(settings)
    try:
        trial.add_user(SYSTEM, BLINDED_STAFF, "site_staff", PASSWORD, site="RINGE", blinded=True)
        for role, name in OTHER_SITE.items():
            trial.add_user(SYSTEM, name, role, PASSWORD, site="ODENSE", blinded=True)
        participants = trial.list_participants(trial.actor_for("mona"))
        numbers = tuple(p["screening_number"] for p in participants)
        first = next(p for p in participants if p["randomised_on"])
        trial.record_deviation(
            trial.actor_for("sara"),
            UUID(first["id"]),
            {
                "kind": "consent",
                "description": RECORDED_DEVIATION,
                "occurred_on": (TODAY - timedelta(days=1)).isoformat(),
            },
        )
    finally:
        trial.close()
    return LiveDemo(root, numbers)


def open_trial(settings: Settings) -> Trial:
    # Mid-morning of the demo's day.
    clock = StepClock(start_of(TODAY) + timedelta(hours=9))
    return build_trial(settings, clock=clock, draw=random.Random(3).random)


@pytest.fixture
def demo(live_demo_store: LiveDemo) -> LiveDemo:
    return live_demo_store  # tests/conftest.py: built once, copied by each test


@pytest.fixture
async def client(
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    demo: LiveDemo,
    tmp_path: Path,
    web_config: WebConfig,
) -> TestClient:
    """The web app on a copy of the demo store, on its clock (a test module takes this fixture
    and `demo` in place of tests/web/conftest.py's seeded store by naming them:
    `client = live_demo.client`)."""
    settings = demo.copy_to(tmp_path / "var")
    return await aiohttp_client(init_app(settings, config=web_config, trial_factory=open_trial))
