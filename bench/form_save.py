"""(0) One validated form save through the application layer, against one raw insert.

The EDC side is `Trial.record_form` as the web handler calls it: load the participant (from
the cache when warm), check permission, validate the weekly report, record the correction
(with its reason) or first entry as an event, seal it into the audit chain, save, present.
The baseline is one `INSERT` of a row of the same size into the library's `stored_events`
table in its own transaction, with the same connection settings (autocommit, WAL).
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import time
import uuid
from pathlib import Path
from typing import Any
from uuid import UUID

from bench.load import Writer, percentile
from bench.workspace import weekly_state
from edc.bootstrap import build_trial
from edc.config import Settings

ROW_BYTES = 400  # about the size of a stored weekly-report correction


def measure_app(settings: Settings, pids: list[str], samples: int) -> dict[str, Any]:
    state = weekly_state(settings, pids)
    writers = [Writer(pid, *state[pid]) for pid in pids]
    trial = build_trial(settings)
    try:
        actor = trial.actor_for("sara")

        def save(writer: Writer) -> float:
            _method, _path, body = writer.next_request()
            began = time.perf_counter()
            answer = trial.record_form(
                actor,
                UUID(writer.pid),
                "weekly",
                body["items"],
                expected_version=body["expected_version"],
                reason=body.get("reason"),
            )
            elapsed = time.perf_counter() - began
            writer.accepted(answer)
            return elapsed * 1000

        for writer in writers:  # warm: each participant loaded into the cache once
            save(writer)
        times = [save(writers[n % len(writers)]) for n in range(samples)]
    finally:
        trial.close()
    return _stats(times)


def measure_raw_sqlite(scratch: Path, samples: int) -> dict[str, Any]:
    path = scratch / "raw-insert.sqlite"
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(
        "CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, "
        "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))"
    )
    topic = "domain.participant:Participant.FormCorrected"
    times = []
    for n in range(samples + 20):
        row = (uuid.uuid4().hex, 1, topic, os.urandom(ROW_BYTES))
        began = time.perf_counter()
        db.execute("BEGIN")
        db.execute("INSERT INTO stored_events VALUES (?, ?, ?, ?)", row)
        db.execute("COMMIT")
        if n >= 20:
            times.append((time.perf_counter() - began) * 1000)
    db.close()
    return _stats(times)


def measure_raw_postgres(url: str, samples: int) -> dict[str, Any]:
    import psycopg

    from edc.pgurl import postgres_env

    env = postgres_env(url)
    with psycopg.connect(
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"] or None,
        dbname=env["POSTGRES_DBNAME"],
        autocommit=True,
    ) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_raw (originator_id uuid, originator_version "
            "bigint, topic text, state bytea, PRIMARY KEY (originator_id, originator_version))"
        )
        times = []
        for n in range(samples + 20):
            row = (uuid.uuid4(), 1, "bench", os.urandom(ROW_BYTES))
            began = time.perf_counter()
            with conn.transaction():
                conn.execute("INSERT INTO bench_raw VALUES (%s, %s, %s, %s)", row)
            if n >= 20:
                times.append((time.perf_counter() - began) * 1000)
    return _stats(times)


def _stats(times_ms: list[float]) -> dict[str, Any]:
    return {
        "samples": len(times_ms),
        "median_ms": round(statistics.median(times_ms), 3),
        "p95_ms": round(percentile(times_ms, 95), 3),
    }
