"""`edc demo`: build a deterministic synthetic trial through the real use cases."""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from uuid import UUID

from tqdm import tqdm

from edc.application import Trial
from edc.bootstrap import build_trial
from edc.config import Settings
from edc.demo.clock import SimulatedClock
from edc.demo.planted import PlantedEffect
from edc.demo.scenario import TRIAL_START, DemoTrial
from edc.demo.users import ensure_demo_users


def seeded_ids(seed: int) -> Callable[[], UUID]:
    rng = random.Random(f"ids-{seed}")
    return lambda: UUID(int=rng.getrandbits(128), version=4)


def build_demo(
    settings: Settings,
    participants: int,
    seed: int,
    progress: bool = True,
    planted: PlantedEffect | None = None,
) -> Trial:
    """Play a synthetic trial of `participants` screened people into an empty store."""
    clock = SimulatedClock(TRIAL_START)
    draws = random.Random(f"draws-{seed}")
    trial = build_trial(settings, clock=clock, draw=draws.random, new_id=seeded_ids(seed))
    if trial.recorder.max_notification_id():
        trial.close()
        raise SystemExit("The event store is not empty: the demo only seeds an empty store.")
    actors = ensure_demo_users(trial)
    demo = DemoTrial(trial, clock, actors, seed, planted)
    demo.plan(participants)
    bar = tqdm(
        total=None,
        unit=" steps",
        disable=not progress or not sys.stderr.isatty(),
        desc="Building demo trial",
    )
    for _ in demo.run():
        bar.update()
    bar.close()
    return trial
