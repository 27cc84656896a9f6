"""A store for the blinding attack tests: a blinded account of every role, a rest and an
exercise participant with every arm-revealing form entered, and one randomised without them;
and site accounts of another site (ODENSE), which has no participants."""

from __future__ import annotations

import json
import random
import secrets
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from aiohttp.test_utils import TestClient
from cryptography.fernet import Fernet

from edc.application import SYSTEM, Trial
from edc.bootstrap import build_trial
from edc.config import Settings
from tests import factories
from tests.app.conftest import PASSWORD, StepClock
from tests.app.journeys import randomised
from web.app import COOKIE_NAME
from web.config import WebConfig

BUILT_AT = datetime(2024, 1, 15, 9, 0, tzinfo=UTC)
TODAY = date(2024, 1, 20)
# Every role, blinded; site staff are unblinded by default, so theirs is created blinded.
BLINDED = {
    "site_staff": "blindsara",
    "assessor": "anna",
    "investigator": "ivan",
    "monitor": "mona",
    "data_manager": "dana",
    "analyst": "alex",
}
UNBLINDED_STAFF = "sara"
OTHER_SITE = {"site_staff": "olga", "assessor": "otto", "investigator": "oscar"}
SITE_ROLES = {"site_staff", "assessor", "investigator"}


def adherence_for(arm: str) -> dict[str, Any]:
    return {"EXERCISE_SESSIONS": 8} if arm == "exercise" else {"REST_HOURS_PER_DAY": 2.0}


@dataclass(frozen=True)
class BlindStore:
    root: Path
    tokens: dict[str, str]
    rest: str
    exercise: str
    without_forms: str

    def copy_to(self, target: Path) -> Settings:
        shutil.copytree(self.root, target)
        return Settings(data_dir=target)

    @property
    def participants(self) -> dict[str, str]:
        return {"rest": self.rest, "exercise": self.exercise, "without": self.without_forms}


def build(root: Path) -> BlindStore:
    settings = Settings(data_dir=root)
    trial = build_trial(settings, clock=StepClock(BUILT_AT), draw=random.Random(5).random)
    tokens: dict[str, str] = {}
    try:
        trial.add_user(SYSTEM, UNBLINDED_STAFF, "site_staff", PASSWORD, site="RINGE")
        for role, name in BLINDED.items():
            site = "RINGE" if role in SITE_ROLES else None
            blinded = True if role == "site_staff" else None
            trial.add_user(SYSTEM, name, role, PASSWORD, site=site, blinded=blinded)
        for role, name in OTHER_SITE.items():
            trial.add_user(SYSTEM, name, role, PASSWORD, site="ODENSE", blinded=True)
        for name in [UNBLINDED_STAFF, *BLINDED.values(), *OTHER_SITE.values()]:
            tokens[name] = trial.issue_token(SYSTEM, name, "tests")
        staff = trial.actor_for(UNBLINDED_STAFF)
        by_arm: dict[str, UUID] = {}
        spare: UUID | None = None
        while len(by_arm) < 2 or spare is None:
            pid, arm = randomised(trial, staff)
            if arm in by_arm:
                spare = spare or pid
                continue
            by_arm[arm] = pid
            trial.record_form(staff, pid, "adherence", adherence_for(arm), expected_version=0)
            trial.record_form(
                staff,
                pid,
                "adverse_event",
                factories.adverse_event(AE_ONSET="2024-01-15", AE_END="2024-01-15"),
                expected_version=0,
            )
            trial.record_form(
                staff,
                pid,
                "discontinuation",
                factories.discontinuation(DISC_DATE="2024-01-15"),
                expected_version=0,
            )
    finally:
        trial.close()
    return BlindStore(root, tokens, str(by_arm["rest"]), str(by_arm["exercise"]), str(spare))


def open_trial(settings: Settings) -> Trial:
    return build_trial(settings, clock=StepClock(BUILT_AT), draw=random.Random(7).random)


def sign_in_as(client: TestClient, config: WebConfig, name: str) -> str:
    """A browser session of `name` (as tests/web/conftest.sign_in, for any account)."""
    csrf = secrets.token_urlsafe(32)
    data = {
        "created": int(time.time()),
        "session": {
            "user": name,
            "seen": config.now(),
            "started": config.now(),
            "sid": secrets.token_urlsafe(16),
            "epoch": 0,
            "csrf": csrf,
        },
    }
    sealed = Fernet(config.session_key).encrypt(json.dumps(data).encode()).decode()
    client.session.cookie_jar.update_cookies({COOKIE_NAME: sealed}, client.make_url("/"))
    return csrf
