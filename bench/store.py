"""The big store for `make bench`: a synthetic trial written through the application layer.

How it is built (see bench/README.md): the demo's scenario (`edc.demo.scenario.DemoTrial`:
screenings, MRI, consent, baseline, minimisation, weekly reports, adherence, follow-ups,
corrections with reasons, withdrawals) is played against a `BatchedTrial`. That is the real
`Trial` application, running its real use cases (permission checks, strict form validation,
domain commands, presenters), except that `save()` only remembers the aggregates it was given.
Every `batch_events` events the remembered aggregates go to the event store in ONE
`Application.save(*aggregates)` call, one transaction. Aggregates a use case touches again
before the flush are the same objects in memory, so their pending events stay in order.

Screenings are spaced more closely than in the demo (minutes rather than days), so that at a
million events many timelines overlap, as in a busy multi-year trial; event times follow the
event sequence.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.application import Recording
from eventsourcing.domain import Aggregate
from tqdm import tqdm

from domain.protocol import SITES
from edc import passwords
from edc.application import Trial
from edc.config import Settings
from edc.demo.build import seeded_ids
from edc.demo.clock import SimulatedClock
from edc.demo.scenario import TRIAL_START, DemoTrial, Person
from edc.demo.users import ensure_demo_users
from edc.repository import CopySafeRepository

# Aggregates kept in memory between batches; older ones are reloaded from the store if the
# scenario reaches them again (rare: a timeline runs about 430 days).
LIVE_AGGREGATES = 4000
STORE_INFO = "store.json"
# Bumped whenever the generator writes something different: older stores are then rebuilt.
GENERATOR_VERSION = 3
EVENTS_PER_PERSON = 17
YEARS_OF_SCREENING = timedelta(days=3 * 365)


class BatchedTrial(Trial):
    """The trial application with deferred saves: use cases run for real, writes are batched."""

    name = Trial.name  # the library names tables (PostgreSQL) and settings after the app

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deferring = False
        self.unsaved: dict[UUID, Any] = {}
        self.counted: dict[UUID, int] = {}  # pending events of each unsaved aggregate, seen
        self.pending_events = 0
        self.live: OrderedDict[UUID, Any] = OrderedDict()
        self.saved_events = 0
        # Every use case loads through the repository: while deferring it must hand out the
        # aggregates in memory, whose latest events are not stored yet.
        stored_get = self.repository.get

        def get(aggregate_id: UUID, *args: Any, **kwargs: Any) -> Any:
            found = self.live.get(aggregate_id)
            if found is not None and not args and kwargs.get("version") is None:
                return found
            return stored_get(aggregate_id, *args, **kwargs)

        self.repository.get = get  # type: ignore[method-assign]
        # A form save takes its participant in place (CopySafeRepository.take): the same.
        repository = self.repository
        if isinstance(repository, CopySafeRepository):
            stored_take = repository.take

            def take(aggregate_id: UUID) -> Any:
                found = self.live.get(aggregate_id)
                return found if found is not None else stored_take(aggregate_id)

            repository.take = take  # type: ignore[method-assign]

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        if not self.deferring:
            return super().save(*objs, **kwargs)
        if any(not isinstance(obj, Aggregate) for obj in objs):
            # A bare event (the refusal log): its version was read from the store, so the
            # batch must be stored first; then it is saved at once.
            self.flush()
            recordings = super().save(*objs, **kwargs)
            self.saved_events += len(recordings)
            return recordings
        for aggregate in objs:
            now = len(aggregate.pending_events)
            self.pending_events += now - self.counted.get(aggregate.id, 0)
            self.counted[aggregate.id] = now
            self.unsaved[aggregate.id] = aggregate
            self.live[aggregate.id] = aggregate
            self.live.move_to_end(aggregate.id)
        return []

    def flush(self) -> int:
        """Write every remembered aggregate in one save (one transaction); return the events."""
        if not self.unsaved:
            return 0
        recordings = super().save(*self.unsaved.values())
        self.unsaved.clear()
        self.counted.clear()
        self.pending_events = 0
        while len(self.live) > LIVE_AGGREGATES:
            self.live.popitem(last=False)
        self.saved_events += len(recordings)
        return len(recordings)


class BusyTrial(DemoTrial):
    """The demo scenario with screenings spaced so that the store spans about three years."""

    spacing = timedelta(hours=32)  # the mean time between two screenings

    def plan(self, participants: int) -> None:
        rng = random.Random(self.seed)
        at = TRIAL_START
        for number in range(participants):
            person = Person(number, random.Random(rng.getrandbits(64)), rng.uniform(0.35, 0.8))
            self.schedule(person, at, self.screen)
            at += self.spacing * rng.uniform(0.2, 1.8)


@dataclass(frozen=True)
class StoreInfo:
    """What was built, how fast, and which participants the measurements use."""

    events: int
    people: int
    seconds: float
    events_per_second: float
    batch_events: int
    seed: int
    backend: str
    # Randomised participants with the most events (the largest audit trails) first.
    busiest: list[str]
    randomised: list[str]
    generator: int = GENERATOR_VERSION

    def write(self, directory: Path) -> None:
        (directory / STORE_INFO).write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def read(cls, directory: Path) -> StoreInfo | None:
        path = directory / STORE_INFO
        if not path.exists():
            return None
        data = json.loads(path.read_text())
        return cls(**data) if data.get("generator") == GENERATOR_VERSION else None


def build_store(
    settings: Settings,
    events: int,
    *,
    seed: int = 1,
    batch_events: int = 2000,
    progress: bool = True,
    on_batch: Callable[[int], None] | None = None,
) -> StoreInfo:
    """Write a synthetic trial of about `events` events (never fewer) into an empty store."""
    clock = SimulatedClock(TRIAL_START)
    trial = BatchedTrial(
        settings.event_store_env(),
        clock=clock,
        draw=random.Random(f"draws-{seed}").random,
        new_id=seeded_ids(seed),
    )
    try:
        if trial.recorder.max_notification_id():
            raise SystemExit("bench: the store is not empty; the generator only fills new ones")
        # The scenario's investigator re-enters a password for every signature, and argon2
        # costs what its hash says; full-cost hashes would add an hour of hashing to building
        # a million events and measure nothing of interest. Signing still verifies for real.
        with passwords.throwaway_hashes():
            actors = ensure_demo_users(trial)
        scenario = BusyTrial(trial, clock, actors, seed)  # type: ignore[arg-type]
        # The demo's mix makes about 17 events per person screened: about `events / 17` people
        # over three years, and more planned than needed, since the generator stops at `events`.
        scenario.spacing = YEARS_OF_SCREENING / max(1, events / EVENTS_PER_PERSON)
        scenario.plan(max(20, 2 * events // EVENTS_PER_PERSON))
        started = time.perf_counter()
        trial.deferring = True
        base = trial.recorder.max_notification_id() or 0
        bar = tqdm(
            total=events,
            unit=" events",
            unit_scale=True,
            desc="bench store",
            disable=not progress or not sys.stderr.isatty(),
        )
        pending = 0
        for _ in scenario.run():
            pending = trial.pending_events
            if pending >= batch_events:
                written = trial.flush()
                bar.update(written)
                if on_batch:
                    on_batch(written)
                if base + trial.saved_events >= events:
                    break
        bar.update(trial.flush())
        bar.close()
        seconds = time.perf_counter() - started
        total = trial.recorder.max_notification_id() or 0
        randomised = _randomised_by_history(trial)
        return StoreInfo(
            events=total,
            people=sum(len(trial._site_register(site, clock()).participants) for site in SITES),
            seconds=round(seconds, 2),
            events_per_second=round(trial.saved_events / seconds, 1),
            batch_events=batch_events,
            seed=seed,
            backend=settings.backend,
            busiest=randomised[:20],
            randomised=randomised,
        )
    finally:
        trial.close()


def _randomised_by_history(trial: Trial) -> list[str]:
    """Randomised participants, those with the longest histories (most events) first."""
    allocation = trial.load_allocation()
    if allocation is None:
        return []
    versions = {}
    for pid in allocation.arms:
        last = trial.recorder.select_events(pid, desc=True, limit=1)
        versions[pid] = last[0].originator_version if last else 0
    return [str(pid) for pid in sorted(versions, key=lambda pid: -versions[pid])]
