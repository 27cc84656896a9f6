"""`python -m bench.projection_bench [--events N]`: read-model catch-up against raw decoding.

The store is the bench harness's generated trial (`bench/store.py`: the demo scenario played
through the real use cases, saved in batches of 2,000 events with `Trial.save(*aggregates)`;
see bench/README.md), kept under `var/bench/store-<events>-s<seed>/` and reused; every run
measures on a fresh copy.

Measured in one run, on the same store, interleaved so that a change in the machine's load
shows up in the raw figures too:
- raw decode: `recorder.select_notifications` in pages of 1,000 plus `mapper.to_domain_event`
  for every event, nothing else (before and after the read models);
- each read model rebuilt from scratch (`ProjectionRunner.rebuild`: tables dropped, every
  event read, decoded, applied, written with its tracking position) into a new SQLite file;
- both read models, as `edc projections rebuild` does.
Rates are events of the store per second of wall time; CPU seconds of this process are given
too, as the machine may be shared. Kept out of `make test`: a measurement, not a check.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.workspace import DEFAULT_WORKDIR, generated_store
from edc.bootstrap import build_trial
from edc.config import Settings
from projections.db import ViewDatabase
from projections.runner import DEFAULT_PAGE_SIZE, ProjectionRunner
from projections.service import Projections
from projections.spec import blinded_view, unblinded_view

RAW_PAGE = 1000


def timed(work: Callable[[], int]) -> dict[str, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    count = work()
    return {
        "events": count,
        "wall_s": time.perf_counter() - wall,
        "cpu_s": time.process_time() - cpu,
    }


def raw_decode(settings: Settings) -> dict[str, float]:
    trial = build_trial(settings)
    try:
        recorder, decode = trial.recorder, trial.mapper.to_domain_event

        def work() -> int:
            position, count = 0, 0
            while True:
                page = recorder.select_notifications(
                    start=position, limit=RAW_PAGE, inclusive_of_start=False
                )
                if not page:
                    return count
                for notification in page:
                    decode(notification)
                count += len(page)
                position = page[-1].id

        return timed(work)
    finally:
        trial.close()


def rebuild(
    settings: Settings, directory: Path, page_size: int, names: list[str]
) -> dict[str, float]:
    """Rebuild the named read models into a new file; events applied and time taken."""
    target = directory / "readmodels-bench.sqlite"
    for leftover in directory.glob("readmodels-bench.sqlite*"):
        leftover.unlink()
    trial = build_trial(settings)
    db = ViewDatabase.sqlite(target)
    try:
        views = [v for v in (blinded_view(), unblinded_view()) if v.name in names]
        projections = Projections(db, trial, views=views, page_size=page_size)
        projections.ensure_schema()
        runners: list[ProjectionRunner] = list(projections.runners.values())
        figures = timed(lambda: sum(runner.rebuild() for runner in runners))
        head = trial.recorder.max_notification_id() or 0
        behind = [r.name for r in runners if r.position() != head]
        if behind:
            raise RuntimeError(f"read models short of the head {head}: {behind}")
        figures["head"] = head
        return figures
    finally:
        db.close()
        trial.close()


def _working_copy(workdir: Path, store: Path) -> Settings:
    """A copy of the generated store of our own (the harness measures in `run/`)."""
    target = workdir / "projection-run"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    shutil.copy2(store / "trial.sqlite", target / "trial.sqlite")
    return Settings(data_dir=target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.projection_bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--page-size", type=int, default=DEFAULT_PAGE_SIZE)
    parser.add_argument("--rounds", type=int, default=2, help="raw/rebuild rounds (default 2)")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--rebuild-store", action="store_true")
    parser.add_argument("--out", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)

    store, _info = generated_store(args.workdir, args.events, args.seed, args.rebuild_store)
    settings = _working_copy(args.workdir, store)
    raw: list[dict[str, float]] = []
    views: dict[str, list[dict[str, float]]] = {"blinded": [], "unblinded": [], "both": []}
    for round_ in range(args.rounds):
        print(f"round {round_ + 1}/{args.rounds} ...", file=sys.stderr)
        raw.append(raw_decode(settings))
        for name, names in (
            ("blinded", ["blinded"]),
            ("unblinded", ["unblinded"]),
            ("both", ["blinded", "unblinded"]),
        ):
            views[name].append(rebuild(settings, settings.data_dir, args.page_size, names))
    raw.append(raw_decode(settings))

    head = int(raw[0]["events"])
    raw_rate = statistics.median(head / r["wall_s"] for r in raw)
    raw_cpu = statistics.median(head / r["cpu_s"] for r in raw)
    result: dict[str, Any] = {
        "store_events": head,
        "page_size": args.page_size,
        "raw_decode": {
            "median_events_per_s": round(raw_rate),
            "median_events_per_cpu_s": round(raw_cpu),
            "runs": raw,
        },
    }
    runs = ", ".join(f"{head / r['wall_s']:,.0f}" for r in raw)
    print(
        f"\nstore: {head} events; raw decode (select_notifications + to_domain_event): "
        f"median {raw_rate:,.0f} ev/s wall, {raw_cpu:,.0f} ev/s CPU "
        f"(runs: {runs})"
    )
    print(
        f"{'read model(s)':<14} {'applied':>9} {'wall s':>8} {'ev/s':>9} {'vs raw':>7} "
        f"{'CPU s':>7} {'ev/CPU s':>9} {'vs raw':>7}"
    )
    for name, runs in views.items():
        best = min(runs, key=lambda r: r["wall_s"])
        rate, cpu_rate = head / best["wall_s"], head / best["cpu_s"]
        result[name] = {
            "events_per_s": round(rate),
            "ratio_to_raw": round(rate / raw_rate, 3),
            "events_per_cpu_s": round(cpu_rate),
            "cpu_ratio_to_raw": round(cpu_rate / raw_cpu, 3),
            "runs": runs,
        }
        print(
            f"{name:<14} {int(best['events']):>9} {best['wall_s']:>8.1f} {rate:>9,.0f} "
            f"{rate / raw_rate:>7.0%} {best['cpu_s']:>7.1f} {cpu_rate:>9,.0f} "
            f"{cpu_rate / raw_cpu:>7.0%}"
        )
    print("(rates are events of the store per second; the quality bar is >= 50% of raw)")
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
