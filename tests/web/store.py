"""A seeded event store built once per test session and copied for each test.

Hashing passwords with argon2 is deliberately slow, so the accounts (one per role, with an API
token each) and a few participants at known protocol stages are made once; every test gets its
own copy of the SQLite file, so tests never see each other's writes.
"""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from edc.application import SYSTEM
from edc.bootstrap import build_trial
from edc.config import Settings
from tests.app.conftest import NAMES, PASSWORD, SITE_ROLES, StepClock
from tests.app.journeys import randomised, ready_to_randomise, screened

BUILT_AT = datetime(2024, 1, 15, 9, 0, tzinfo=UTC)
ROLES = tuple(NAMES)


@dataclass(frozen=True)
class Seeded:
    """What the template store holds: tokens per role and participant ids by stage."""

    root: Path
    tokens: dict[str, str]
    screened: str
    ready: str
    randomised: str
    arm: str

    def copy_to(self, target: Path) -> Settings:
        shutil.copytree(self.root, target)
        return Settings(data_dir=target)


def build_template(root: Path) -> Seeded:
    settings = Settings(data_dir=root)
    trial = build_trial(settings, clock=StepClock(BUILT_AT), draw=random.Random(3).random)
    try:
        tokens = {}
        for role, name in NAMES.items():
            trial.add_user(
                SYSTEM, name, role, PASSWORD, site="RINGE" if role in SITE_ROLES else None
            )
            tokens[role] = trial.issue_token(SYSTEM, name, "tests")
        staff = trial.actor_for(NAMES["site_staff"])
        first = screened(trial, staff)
        ready = ready_to_randomise(trial, staff)
        done, arm = randomised(trial, staff)
    finally:
        trial.close()
    seeded = Seeded(root, tokens, str(first), str(ready), str(done), str(arm))
    (root / "seeded.json").write_text(json.dumps(seeded.__dict__, default=str))
    return seeded
