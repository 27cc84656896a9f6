"""`edc demo`: build a deterministic synthetic trial through the real use cases."""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from datetime import date, timedelta
from uuid import UUID

from tqdm import tqdm

from domain.errors import StateConflict
from edc.application import Trial
from edc.bootstrap import build_trial
from edc.config import Settings
from edc.demo.clock import SimulatedClock
from edc.demo.planted import PlantedEffect
from edc.demo.scenario import TRIAL_START, DemoTooEarly, DemoTrial
from edc.demo.today import start_of
from edc.demo.users import add_demo_users

NOT_EMPTY = "The event store is not empty: the demo only seeds an empty store."


class StoreNotEmpty(SystemExit):
    """The store holds data, so no demo was seeded (`edc demo` ends with this message)."""


def seeded_ids(seed: int) -> Callable[[], UUID]:
    rng = random.Random(f"ids-{seed}")
    return lambda: UUID(int=rng.getrandbits(128), version=4)


def build_demo(
    settings: Settings,
    participants: int,
    seed: int,
    progress: bool = True,
    planted: PlantedEffect | None = None,
    today: date | None = None,
) -> Trial:
    """Play a synthetic trial of `participants` screened people into an empty store.

    Without `today` every timeline is played to its end on the trial's own calendar (2007 on).
    With `today` the calendar is shifted so that people are still being screened the day
    before, and only what happened before `today` is played: visits fall due, queries wait for
    answers and forms for signatures on that day.
    """
    until = start_of(today) if today is not None else None
    clock = SimulatedClock(TRIAL_START)
    draws = random.Random(f"draws-{seed}")
    trial = build_trial(settings, clock=clock, draw=draws.random, new_id=seeded_ids(seed))
    if trial.recorder.max_notification_id():
        trial.close()
        raise StoreNotEmpty(NOT_EMPTY)
    demo = DemoTrial(trial, clock, {}, seed, planted)
    try:
        # The last person is screened in the working hours of the day before `today`.
        start = demo.plan(participants, until - timedelta(hours=14) if until is not None else None)
    except DemoTooEarly as error:
        trial.close()
        raise SystemExit(
            f"--today {today} is too early for {participants} people screened: the demo would "
            f"start on {error.start.date()}, before the trial's first day "
            f"({TRIAL_START.date()}). Give a later day or fewer participants."
        ) from None
    # Accounts only once the plan is known to fit, so a refused demo leaves the store empty;
    # they are made on the trial's first day.
    clock.advance_to(start)
    try:
        # Every account is made here, none taken as found: one that exists was made by a
        # process seeding the demo at the same moment, so the store is its demo, not ours.
        demo.actors = add_demo_users(trial)
    except StateConflict:
        trial.close()
        raise StoreNotEmpty(NOT_EMPTY) from None
    bar = tqdm(
        total=None,
        unit=" steps",
        disable=not progress or not sys.stderr.isatty(),
        desc="Building demo trial",
    )
    for _ in demo.run(until):
        bar.update()
    bar.close()
    return trial
