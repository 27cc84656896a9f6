"""`python -m bench.chain_bench [--events N]`: how fast `edc audit verify` checks a large store.

Building the store: participants are made with the real domain aggregates and validated
eCRF items (screening, MRI, consent, baseline, then corrections of the baseline with a
reason: 10 events each) and written through `Trial.save(*aggregates)`, 100 participants (1,000
events) per call, so every event goes through the sealing recorder exactly as in production;
only the use-case layer (permissions, per-command validation) is skipped, which is what makes
200,000 events take seconds rather than the demo's minutes. Item values are validated once per
form and reused with varying pain scores; event times advance one second per event.

Measured in the same run, on the same store:
- sealing cost: the same batched writes with the library's plain recorder (no chain);
- verify: `edc.audit.verify` (read, decode nothing, hash, compare with the stored links);
- read baseline: the library's `select_notifications` in pages of 1,000, reading only;
- hash baseline: sha256 of the same canonical bytes, in memory, no database;
- peak RSS of a separate process running verify, next to one that only opens the store.

SQLite by default (files under a temporary directory, or --dir); `--database-url` for
PostgreSQL. Kept out of `make test`: this is a measurement, not a check.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

from domain import crf
from domain.actor import Actor
from domain.participant import Participant
from domain.protocol import ReasonCode
from domain.reasons import Reason
from edc import audit
from edc.application import Trial
from edc.audit.links import event_digest
from edc.config import Settings
from edc.demo import people

EVENTS_PER_PARTICIPANT = 10
PARTICIPANTS_PER_SAVE = 100
START = datetime(2024, 1, 15, 8, 0, tzinfo=UTC)
STAFF = Actor(user="bench", role="site_staff", site="RINGE", blinded=False)
ROOT = Path(__file__).resolve().parents[1]


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def templates(seed: int) -> dict[str, dict[str, Any]]:
    """Validated items for each form, from the demo's generators (an eligible, included person)."""
    rng = random.Random(seed)
    on = START.date()
    context = crf.FormContext(today=on + timedelta(days=30), screening_date=on)
    while True:
        screening = crf.validate_form(
            "screening", people.screening_items(rng, on, "RINGE"), context
        )
        mri = crf.validate_form("mri", people.mri_items(rng, on), context)
        if crf.inclusion(screening, mri).eligible:
            break
    return {
        "screening": screening,
        "mri": mri,
        "consent": crf.validate_form("consent", people.consent_items(on), context),
        "baseline": crf.validate_form(
            "baseline", people.outcome_items(rng, "baseline", on, 0.6), context
        ),
    }


def participant(forms: dict[str, dict[str, Any]], number: int, clock: Clock) -> Participant:
    """Ten events: screened, MRI, consent, baseline, and six corrections with reasons."""
    p = Participant.screen(uuid4(), f"RINGE-{number:06d}", forms["screening"], STAFF, clock())
    for form in ("mri", "consent", "baseline"):
        p.record_form(form, forms[form], expected_version=0, reason=None, actor=STAFF, at=clock())
    baseline = dict(forms["baseline"])
    reason = Reason(ReasonCode.TRANSCRIPTION_ERROR, "Checked against the source document")
    for step in range(EVENTS_PER_PARTICIPANT - 4):
        baseline["LBP_NOW"] = (baseline["LBP_NOW"] + 1 + step) % 11
        p.record_form(
            "baseline",
            baseline,
            expected_version=p.form_version("baseline"),
            reason=reason,
            actor=STAFF,
            at=clock(),
        )
    return p


def write(trial: Trial, events: int, seed: int) -> float:
    """Write about `events` events in batched saves; returns events per second."""
    forms, clock = templates(seed), Clock()
    batches = max(1, events // (EVENTS_PER_PARTICIPANT * PARTICIPANTS_PER_SAVE))
    started, written = time.perf_counter(), 0
    for batch in range(batches):
        aggregates = [
            participant(forms, batch * PARTICIPANTS_PER_SAVE + n, clock)
            for n in range(PARTICIPANTS_PER_SAVE)
        ]
        written += len(trial.save(*aggregates))
        if batch % 20 == 0:
            print(f"  wrote {written} events", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    return written / (time.perf_counter() - started)


def read_baseline(trial: Trial, page: int = 1000) -> tuple[int, float, float]:
    """The library's paged read of the whole sequence: (events, per second, per CPU second)."""
    started, cpu, count, after = time.perf_counter(), time.process_time(), 0, 0
    while rows := trial.recorder.select_notifications(start=after + 1, limit=page):
        count += len(rows)
        after = rows[-1].id
    return (count, count / (time.perf_counter() - started), count / (time.process_time() - cpu))


def hash_baseline(trial: Trial, limit: int = 50_000) -> float:
    rows = trial.recorder.select_notifications(start=1, limit=limit)
    started, link = time.perf_counter(), b"\0" * 32
    for n in rows:
        digest = event_digest(n.originator_id, n.originator_version, n.topic, n.state)
        link = hashlib.sha256(link + n.id.to_bytes(8, "big") + digest).digest()
    return len(rows) / (time.perf_counter() - started)


def peak_rss_mb(settings: Settings, mode: str) -> float:
    """Peak RSS of a fresh process that opens the store and (mode 'verify') verifies it."""
    env_args = ["--dir", str(settings.data_dir)]
    if settings.database_url:
        env_args += ["--database-url", settings.database_url]
    done = subprocess.run(
        [sys.executable, "-m", "bench.chain_bench", "--child", mode, *env_args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(json.loads(done.stdout.strip().splitlines()[-1])["peak_rss_mb"])


def child(mode: str, settings: Settings) -> None:
    trial = Trial(settings.event_store_env())
    try:
        if mode == "verify":
            result = audit.verify(trial)
            assert result.ok, result.message
    finally:
        trial.close()
    print(json.dumps({"peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def measure(settings: Settings, events: int, seed: int) -> dict[str, Any]:
    plain_topic = (
        "eventsourcing.postgres:PostgresApplicationRecorder"
        if settings.database_url
        else "eventsourcing.sqlite:SQLiteApplicationRecorder"
    )
    results: dict[str, Any] = {"backend": settings.backend, "events_requested": events}
    # The sealing cost: the same writes into a separate store without the chain (SQLite only:
    # on PostgreSQL both would share one database and its tables).
    if not settings.database_url:
        plain_dir = Path(tempfile.mkdtemp(prefix="chain-bench-plain-"))
        plain = Trial(
            {
                **Settings(data_dir=plain_dir).event_store_env(),
                "APPLICATION_RECORDER_TOPIC": plain_topic,
            }
        )
        sample = min(events, 50_000)
        results["write_plain_events_per_s"] = write(plain, sample, seed)
        plain.close()
        shutil.rmtree(plain_dir, ignore_errors=True)
        sealed_dir = Path(tempfile.mkdtemp(prefix="chain-bench-sealed-"))
        sealed = Trial(Settings(data_dir=sealed_dir).event_store_env())
        results["write_sealed_events_per_s"] = write(sealed, sample, seed)
        sealed.close()
        shutil.rmtree(sealed_dir, ignore_errors=True)
    trial = Trial(settings.event_store_env())
    try:
        results["write_events_per_s"] = write(trial, events, seed)
        results["events"], results["read_events_per_s"], results["read_events_per_cpu_s"] = (
            read_baseline(trial)
        )
        results["hash_events_per_s"] = hash_baseline(trial)
        started, cpu = time.perf_counter(), time.process_time()
        result = audit.verify(trial)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert result.ok, result.message
        assert result.events_checked == results["events"]
        results["verify_seconds"] = elapsed
        results["verify_events_per_s"] = result.events_checked / elapsed
        results["verify_events_per_cpu_s"] = result.events_checked / cpu
        results["chain_head"] = str(result.head)
    finally:
        trial.close()
    results["rss_open_mb"] = peak_rss_mb(settings, "open")
    results["rss_verify_mb"] = peak_rss_mb(settings, "verify")
    return results


def report(results: dict[str, Any]) -> Iterator[str]:
    yield f"Audit chain on {results['backend']}: {results['events']} events"
    if "write_plain_events_per_s" in results:
        plain, sealed = results["write_plain_events_per_s"], results["write_sealed_events_per_s"]
        yield (
            f"  batched writes: {sealed:,.0f} ev/s sealed vs {plain:,.0f} ev/s without the "
            f"chain (x{sealed / plain:.2f})"
        )
    yield f"  store built at {results['write_events_per_s']:,.0f} ev/s"
    verify, read = results["verify_events_per_s"], results["read_events_per_s"]
    yield (
        f"  verify: {verify:,.0f} events/s ({results['verify_seconds']:.1f} s), "
        f"{verify / read:.0%} of the library's read-only rate ({read:,.0f} ev/s)"
    )
    yield (
        f"  per CPU second: verify {results['verify_events_per_cpu_s']:,.0f} ev, "
        f"library read {results['read_events_per_cpu_s']:,.0f} ev"
    )
    yield f"  sha256 chain alone, in memory: {results['hash_events_per_s']:,.0f} ev/s"
    yield (
        f"  peak RSS: {results['rss_verify_mb']:.0f} MB verifying vs "
        f"{results['rss_open_mb']:.0f} MB only opening the store"
    )
    yield f"  chain head {results['chain_head']}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chain_bench")
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, help="where the SQLite store goes (default: temp)")
    parser.add_argument("--database-url", help="measure on this (empty) PostgreSQL database")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--child", choices=["open", "verify"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    data_dir = args.dir or Path(tempfile.mkdtemp(prefix="chain-bench-"))
    settings = Settings(data_dir=data_dir, database_url=args.database_url)
    if args.child:
        child(args.child, settings)
        return 0
    try:
        results = measure(settings, args.events, args.seed)
    finally:
        if args.dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)
    print("\n".join(report(results)))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
