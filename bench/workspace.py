"""Where the bench works: a generated store kept between runs, and a fresh copy per run.

The generated store (`var/bench/store-<events>-s<seed>/`) is built once and reused, since a
million events take minutes to write. Each run measures on a copy of it (`var/bench/run/`),
so its writes and read models never leak into the next run.
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from bench.store import StoreInfo, build_store
from edc.application import SYSTEM
from edc.bootstrap import build_trial
from edc.config import Settings

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WORKDIR = ROOT / "var" / "bench"


@dataclass(frozen=True)
class Participants:
    """Disjoint sets of randomised participants, one per measurement, so none interferes."""

    busiest: str
    form_save: list[str]
    http: list[str]

    @classmethod
    def split(cls, info: StoreInfo, form_save: int, http: int) -> Participants:
        pool = info.randomised
        if len(pool) < 1 + form_save + http:
            raise SystemExit(
                f"bench: the store has only {len(pool)} randomised participants; "
                f"{1 + form_save + http} are needed (use more --events)"
            )
        return cls(
            busiest=pool[0],
            form_save=pool[1 : 1 + form_save],
            http=pool[1 + form_save : 1 + form_save + http],
        )


def generated_store(workdir: Path, events: int, seed: int, rebuild: bool) -> tuple[Path, StoreInfo]:
    """The generated SQLite store for `events`, built now if missing (or if `rebuild`)."""
    directory = workdir / f"store-{events}-s{seed}"
    info = None if rebuild else StoreInfo.read(directory)
    if info is not None and (directory / "trial.sqlite").exists():
        print(
            f"bench: reusing {directory} ({info.events} events, built "
            f"at {info.events_per_second:.0f} events/s)",
            file=sys.stderr,
        )
        return directory, info
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    print(f"bench: generating a store of {events} events ...", file=sys.stderr)
    info = build_store(Settings(data_dir=directory), events, seed=seed)
    info.write(directory)
    print(
        f"bench: {info.events} events in {info.seconds:.1f} s "
        f"({info.events_per_second:.0f} events/s, batches of {info.batch_events})",
        file=sys.stderr,
    )
    return directory, info


def working_copy(workdir: Path, store: Path, name: str = "run") -> Settings:
    """A fresh copy of the generated store to measure on (the store itself stays as built)."""
    target = workdir / name
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    # SQLite's backup API, not a file copy: it includes anything still in the write-ahead log.
    source = sqlite3.connect(f"file:{store / 'trial.sqlite'}?mode=ro", uri=True)
    copy = sqlite3.connect(target / "trial.sqlite")
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    return Settings(data_dir=target)


def issue_tokens(settings: Settings, names: list[str]) -> dict[str, str]:
    """API tokens for the demo accounts the generator created."""
    trial = build_trial(settings)
    try:
        return {name: trial.issue_token(SYSTEM, name, "bench") for name in names}
    finally:
        trial.close()


def weekly_state(settings: Settings, pids: list[str]) -> dict[str, tuple[int, int, int | None]]:
    """For each participant: (week to write, weekly form version, its LBP_DAYS or None)."""
    trial = build_trial(settings)
    state = {}
    try:
        for pid in pids:
            participant = trial.load_participant(UUID(pid))
            sheets = participant.sheets_of("weekly")
            version = participant.form_version("weekly")
            if sheets:
                key = min(sheets)
                state[pid] = (int(key.split(":")[1]), version, int(sheets[key]["LBP_DAYS"]))
            else:
                state[pid] = (1, version, None)
    finally:
        trial.close()
    return state
