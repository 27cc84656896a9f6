"""(2) form writes over HTTP, (3) audit trail and participant page, (5) server start-up.

The EDC is `edc serve` in its own process (as deployed); the baseline is `bench.bare_server`
in its own process. The load comes from this process: `clients` concurrent aiohttp clients on
127.0.0.1. After the writes the server is stopped and the event store is read directly to
count lost writes (acknowledged but not stored) and doubled ones (stored twice).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
from collections import Counter
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from bench.load import LoadResult, Writer, percentile, run_writers, sample_gets
from bench.procs import Server, edc_command, edc_env, free_port
from domain.participant import Participant
from edc.bootstrap import build_trial
from edc.config import Settings

CLIENTS = 32
WRITE_TOPICS = {
    get_topic(Participant.WeeklyReportReceived),
    get_topic(Participant.FormEntered),
    get_topic(Participant.FormCorrected),
}


def edc_server(settings: Settings, log_dir: Path, name: str = "edc-serve") -> Server:
    port = free_port()
    return Server(
        # Deployed as the README's speed advice says: the read models in a process of their
        # own, beside the server.
        edc_command(
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--read-models",
            "process",
            "--processes",
            str(SERVING_PROCESSES),
        ),
        edc_env(settings),
        port,
        log_dir / f"{name}.log",
    )


# The EDC's processes answering requests, as a site would deploy it: one per core, the read
# models' follower beside them (it sleeps between small pages; BENCH_SERVING_PROCESSES to try
# another count). The serving processes take turns at the SQLite file (edc.audit.write_turns).
# The bare server gets as many processes as the EDC runs in all, follower included.
SERVING_PROCESSES = int(os.environ.get("BENCH_SERVING_PROCESSES", str(os.cpu_count() or 2)))
EDC_PROCESSES = SERVING_PROCESSES + 1


def bare_server(write_db: Path, read_db: Path | None, log_dir: Path) -> Server:
    port = free_port()
    argv = [sys.executable, "-m", "bench.bare_server", "--port", str(port)]
    argv += ["--processes", str(EDC_PROCESSES)]
    argv += ["--write-db", str(write_db)]
    if read_db is not None:
        argv += ["--read-db", str(read_db)]
    return Server(argv, edc_env(Settings(data_dir=log_dir)), port, log_dir / "bare.log")


def startup(make: Any, repeats: int) -> dict[str, Any]:
    """Start a fresh server `repeats` times (stopping it each time); seconds until /login."""
    times = []
    for _ in range(repeats):
        server: Server = make()
        try:
            times.append(server.start())
        finally:
            server.stop()
    return {"runs": [round(t, 3) for t in times], "median_s": round(statistics.median(times), 3)}


def split(items: list[Any], parts: int) -> list[list[Any]]:
    return [items[n::parts] for n in range(parts) if items[n::parts]]


def edc_writes(
    url: str, token: str, writers: list[Writer], per_client: int
) -> tuple[LoadResult, list[Writer]]:
    result = asyncio.run(
        run_writers(
            url,
            split(writers, CLIENTS),
            per_client,
            {"Authorization": f"Bearer {token}"},
            request_of=lambda w: w.next_request(),
            on_success=lambda w, answer: w.accepted(answer),
        )
    )
    return result, writers


def bare_writes(url: str, pids: list[str], per_client: int) -> LoadResult:
    writers = [Writer(pid, 1, 0, None) for pid in pids]

    def request_of(writer: Writer) -> tuple[str, str, Any]:
        _method, path, body = writer.next_request()
        return "PUT", path.replace("/api/v1/participants/", "/raw/"), body

    return asyncio.run(
        run_writers(
            url,
            split(writers, CLIENTS),
            per_client,
            {},
            request_of=request_of,
            on_success=lambda w, _answer: w.acknowledged.append(0),
        )
    )


def count_lost(settings: Settings, writers: list[Writer], after: int) -> dict[str, int]:
    """Acknowledged writes missing from the store, and writes stored more than once.

    Only these participants' weekly reports were written during the run, so every form event
    of theirs after position `after` is one of the run's writes.
    """
    trial = build_trial(settings)
    try:
        stored: Counter[UUID] = Counter()
        position = after
        while True:
            page = trial.recorder.select_notifications(
                start=position, limit=1000, topics=sorted(WRITE_TOPICS), inclusive_of_start=False
            )
            if not page:
                break
            stored.update(n.originator_id for n in page)
            position = page[-1].id
        lost = doubled = 0
        for writer in writers:
            found = stored.get(UUID(writer.pid), 0)
            lost += max(0, len(writer.acknowledged) - found)
            doubled += max(0, found - len(writer.acknowledged))
            version = trial.load_participant(UUID(writer.pid)).form_version("weekly")
            if writer.acknowledged and version != writer.acknowledged[-1]:
                lost += 1
    finally:
        trial.close()
    return {"lost_writes": lost, "stored_twice_or_unacknowledged": doubled}


def count_bare_rows(write_db: Path) -> int:
    import sqlite3

    db = sqlite3.connect(write_db)
    try:
        return int(db.execute("SELECT count(*) FROM submissions").fetchone()[0])
    finally:
        db.close()


def sample(url: str, path: str, count: int, token: str | None) -> dict[str, Any]:
    """p50/p95 of `count` sequential GETs of `path` (after a short warm-up)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    latencies, errors = asyncio.run(sample_gets(url, path, count, headers))
    return {
        "path": path,
        "samples": len(latencies),
        "errors": len(errors),
        "error_statuses": sorted(set(errors)),
        "p50_ms": round(percentile(latencies, 50), 2),
        "p95_ms": round(percentile(latencies, 95), 2),
    }
