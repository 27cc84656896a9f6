"""`python -m bench [--events N | --quick]`: the EDC against raw baselines, in one run.

`make bench` runs it on a store of 1,000,000 events, `make bench-quick` on a small one (under two
minutes). Every figure is measured next to a raw baseline in the same run, on the same machine,
and printed as a table; `bench/results.json` holds every number. A part of the EDC that does not
exist yet is reported as "not available", never estimated. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import catch_up, exports_bench, form_save, http_bench
from bench.load import Writer
from bench.report import SECTIONS, NotAvailable, Section, fmt, ratio, run_section, table, write_json
from bench.workspace import (
    DEFAULT_WORKDIR,
    Participants,
    generated_store,
    issue_tokens,
    weekly_state,
    working_copy,
)
from edc.config import Settings

RESULTS = Path(__file__).resolve().parent / "results.json"
QUICK_EVENTS = 10_000
QUICK_PG_EVENTS = 5_000
# Writing through the use cases on PostgreSQL is slower (a round trip per load); the PostgreSQL
# figures are rates and latencies, which a store of this size already shows.
FULL_PG_EVENTS = 50_000


class Plan:
    """How much to measure: the full run, or the quick one that keeps every code path."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.quick = bool(args.quick)
        self.events = QUICK_EVENTS if self.quick else args.events
        default_pg = QUICK_PG_EVENTS if self.quick else min(self.events, FULL_PG_EVENTS)
        self.pg_events = args.pg_events or default_pg
        self.seed = args.seed
        self.form_saves = 60 if self.quick else 400
        self.form_save_participants = 10 if self.quick else 40
        self.http_participants = 64
        self.pg_http_participants = 32 if self.quick else 64
        self.per_client = 10 if self.quick else 100
        self.read_samples = 30 if self.quick else 200
        self.startups = 1 if self.quick else 3
        self.skip_postgres = args.no_postgres
        self.workdir: Path = args.workdir.absolute()
        self.scratch: Path = self.workdir / "run"
        self.keep = bool(args.keep)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_EVENTS} events, fewer samples"
    )
    parser.add_argument("--pg-events", type=int, help="store size on PostgreSQL (default: same)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rebuild-store", action="store_true", help="regenerate the store")
    parser.add_argument("--no-postgres", action="store_true", help="leave out section 6")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--workdir", type=Path, default=DEFAULT_WORKDIR, help="where stores are kept (var/bench)"
    )
    parser.add_argument("--keep", action="store_true", help="keep this run's copy and logs")
    parser.add_argument(
        "--only",
        type=_section_keys,
        default=None,
        help=f"measure only these sections, comma-separated: {', '.join(KEYS)}",
    )
    args = parser.parse_args(argv)
    plan = Plan(args)
    started = time.perf_counter()

    plan.workdir.mkdir(parents=True, exist_ok=True)
    store_dir, info = generated_store(plan.workdir, plan.events, plan.seed, args.rebuild_store)
    # This run's own directory: other benches may use the same workdir at the same time.
    plan.scratch = plan.workdir / f"run-{os.getpid()}"
    settings = working_copy(plan.scratch, store_dir, "data")
    people = Participants.split(info, plan.form_save_participants, plan.http_participants)
    sections = {key: Section(key, title) for key, title in SECTIONS}
    shared: dict[str, Any] = {}

    wanted = _with_prerequisites(args.only)

    def step(key: str, body: Any) -> None:
        if key not in wanted:
            sections[key].status, sections[key].why = "not available", "left out by --only"
            return
        print(f"bench: {sections[key].title} ...", file=sys.stderr, flush=True)
        run_section(sections[key], body)

    step("form_save", lambda s: measure_form_save(s, settings, people, plan))
    step("catch_up", lambda s: measure_catch_up(s, settings, info.events))
    step("startup", lambda s: measure_startup(s, settings, plan, shared))
    step("http_writes", lambda s: measure_http(s, settings, people, plan, shared))
    step("reads", lambda s: measure_reads(s, settings, people, plan, shared))
    stop_servers(shared)
    if "http_writes" in wanted:
        run_section(sections["http_writes"], lambda s: check_lost_writes(s, settings, shared))
    step("exports", lambda s: measure_exports(s, settings, info.events, plan.scratch))
    step("postgres", lambda s: measure_postgres(s, plan, shared))

    ordered = [sections[key] for key, _ in SECTIONS]
    print()
    print(
        f"Modic EDC bench: {info.events:,} events ({'quick' if plan.quick else 'full'}), "
        f"store generated at {info.events_per_second:,.0f} events/s in batches of "
        f"{info.batch_events}; {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(table(ordered))
    meta = {
        "made_at": datetime.now(tz=UTC).isoformat(),
        "quick": plan.quick,
        "events": info.events,
        "store": info.__dict__ | {"randomised": len(info.randomised), "busiest": info.busiest[:3]},
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "seconds": round(time.perf_counter() - started, 1),
    }
    write_json(args.out, meta, ordered)
    print(f"\n{args.out} written; the whole run took {meta['seconds']:.0f} s.")
    if plan.keep:
        print(f"This run's copy of the store and the server logs: {plan.scratch}")
    else:
        shutil.rmtree(plan.scratch, ignore_errors=True)
    return 0


KEYS = tuple(key for key, _ in SECTIONS)


def _section_keys(text: str) -> frozenset[str]:
    keys = frozenset(part.strip() for part in text.split(",") if part.strip())
    unknown = sorted(keys - set(KEYS))
    if unknown or not keys:
        raise argparse.ArgumentTypeError(
            f"unknown section {', '.join(unknown) or '(none)'}; use: {', '.join(KEYS)}"
        )
    return keys


def _with_prerequisites(only: frozenset[str] | None) -> frozenset[str]:
    """The HTTP sections load the servers the start-up section starts."""
    if only is None:
        return frozenset(KEYS)
    if only & {"http_writes", "reads"}:
        return only | {"startup"}
    return only


# ---- (0) -------------------------------------------------------------------------------------


def measure_form_save(s: Section, settings: Settings, people: Participants, plan: Plan) -> None:
    edc = form_save.measure_app(settings, people.form_save, plan.form_saves)
    raw = form_save.measure_raw_sqlite(plan.scratch, plan.form_saves)
    s.figures = {"edc": edc, "raw_insert": raw}
    s.row(
        "median, weekly report correction + audit event",
        fmt(edc["median_ms"], "ms", 2),
        fmt(raw["median_ms"], "ms", 3),
        ratio(edc["median_ms"], raw["median_ms"]),
        "<= 2 ms",
        edc["median_ms"] <= 2.0,
    )
    s.row("p95", fmt(edc["p95_ms"], "ms", 2), fmt(raw["p95_ms"], "ms", 3))


# ---- (1) -------------------------------------------------------------------------------------


def measure_catch_up(s: Section, settings: Settings, events: int) -> None:
    raw = catch_up.measure_raw(settings)
    s.figures["raw_decode"] = raw
    edc = catch_up.measure_projections(settings)
    s.figures["rebuild"] = edc
    share = edc["events_per_s"] / raw["events_per_s"]
    s.row(
        "rebuild all read models, events/s",
        fmt(edc["events_per_s"], "ev/s", 0),
        fmt(raw["events_per_s"], "ev/s", 0),
        ratio(edc["events_per_s"], raw["events_per_s"]),
        ">= 50% of raw",
        share >= 0.5,
    )
    at_million = 1_000_000 / edc["events_per_s"]
    s.row(
        f"rebuild time ({events:,} events)",
        fmt(edc["seconds"], "s", 1),
        fmt(raw["seconds"], "s", 1),
        "",
        "1M in <= 20 s",
        at_million <= 20 if events >= 1_000_000 else None,
    )
    if events < 1_000_000:
        s.row("  same rate at 1,000,000 events", fmt(at_million, "s", 1), "", "", "<= 20 s")
    if edc.get("peak_rss_mb") is not None:
        s.row(
            "  rebuild peak RSS (bench process)",
            f"{edc['peak_rss_mb']:,.0f} MB",
            f"{edc['rss_before_mb']:,.0f} MB before",
        )


# ---- (5), then (2) and (3) on the server left running ----------------------------------------


def measure_startup(s: Section, settings: Settings, plan: Plan, shared: dict[str, Any]) -> None:
    logs = plan.scratch / "logs"
    write_db = plan.scratch / "bare-writes.sqlite"
    read_db = settings.data_dir / "trial.sqlite"
    edc = http_bench.startup(lambda: http_bench.edc_server(settings, logs), plan.startups)
    raw = http_bench.startup(lambda: http_bench.bare_server(write_db, read_db, logs), 1)
    s.figures = {"edc": edc, "bare_aiohttp": raw}
    s.row(
        "edc serve until /login answers (median)",
        fmt(edc["median_s"], "s", 2),
        fmt(raw["median_s"], "s", 2),
        ratio(edc["median_s"], raw["median_s"]),
        "<= 2 s",
        edc["median_s"] <= 2.0,
    )
    # The servers the next sections load, started now so their start is not measured twice.
    write_db.unlink(missing_ok=True)
    for name, server in (
        ("edc", http_bench.edc_server(settings, logs)),
        ("bare", http_bench.bare_server(write_db, read_db, logs)),
    ):
        server.start()
        shared[name] = server
    shared["bare_db"] = write_db


def stop_servers(shared: dict[str, Any]) -> None:
    for name in ("edc", "bare"):
        if name in shared:
            shared[name].stop()


def measure_http(
    s: Section, settings: Settings, people: Participants, plan: Plan, shared: dict[str, Any]
) -> None:
    if "edc" not in shared:
        raise NotAvailable("the server did not start (see section 5)")
    tokens = issue_tokens(settings, ["sara", "mona"])
    shared["tokens"] = tokens
    state = weekly_state(settings, people.http)
    writers = [Writer(pid, *state[pid]) for pid in people.http]
    shared["start_position"] = head_of(settings)
    bare = http_bench.bare_writes(shared["bare"].url, people.http, plan.per_client)
    edc, writers = http_bench.edc_writes(
        shared["edc"].url, tokens["sara"], writers, plan.per_client
    )
    shared["writers"] = writers
    shared["bare_result"] = bare
    s.figures = {"edc": edc.summary(), "bare_aiohttp": bare.summary(), "clients": 32}
    s.row(
        "throughput (successful PUT /forms/weekly)",
        fmt(edc.throughput, "req/s", 0),
        fmt(bare.throughput, "req/s", 0),
        ratio(edc.throughput, bare.throughput),
        ">= 30% of bare",
        edc.throughput >= 0.3 * bare.throughput,
    )
    for p in (50, 95, 99):
        s.row(
            f"latency p{p}",
            fmt(edc.percentile(p), "ms", 1),
            fmt(bare.percentile(p), "ms", 1),
            bar="reported" if p == 95 else "",
        )
    s.row(
        "errors (non-2xx or failed requests)",
        str(edc.errors),
        str(bare.errors),
        bar="0",
        meets=edc.errors == 0,
    )


def check_lost_writes(s: Section, settings: Settings, shared: dict[str, Any]) -> None:
    """After the servers stopped: every acknowledged write stored, none twice."""
    if s.status != "ok" or "writers" not in shared:
        return
    counts = http_bench.count_lost(settings, shared["writers"], shared["start_position"])
    rows = http_bench.count_bare_rows(shared["bare_db"])
    bare_lost = max(0, shared["bare_result"].ok - rows)
    s.figures["edc"].update(counts)
    s.figures["bare_aiohttp"]["lost_writes"] = bare_lost
    s.row(
        "lost writes / stored twice",
        f"{counts['lost_writes']} / {counts['stored_twice_or_unacknowledged']}",
        f"{bare_lost} / {max(0, rows - shared['bare_result'].ok)}",
        bar="0 / 0",
        meets=counts["lost_writes"] == 0 and counts["stored_twice_or_unacknowledged"] == 0,
    )


def measure_reads(
    s: Section, settings: Settings, people: Participants, plan: Plan, shared: dict[str, Any]
) -> None:
    if "edc" not in shared or "tokens" not in shared:
        raise NotAvailable("the server did not start (see section 5)")
    edc_url, bare_url, tokens = shared["edc"].url, shared["bare"].url, shared["tokens"]
    pid, n = people.busiest, plan.read_samples
    raw = http_bench.sample(bare_url, f"/raw/events/{pid}", n, None)
    s.figures["participant"] = pid
    s.figures["raw_events"] = raw
    probes = (
        ("audit", f"/api/v1/participants/{pid}/audit", tokens["mona"], "p95 <= 25 ms"),
        ("page", f"/participants/{pid}", tokens["sara"], ""),
        ("api_participant", f"/api/v1/participants/{pid}", tokens["sara"], ""),
    )
    for key, path, token, bar in probes:
        figures = http_bench.sample(edc_url, path, n, token)
        s.figures[key] = figures
        if figures["errors"]:
            statuses = ", ".join(map(str, figures["error_statuses"]))
            label = "not available" if figures["error_statuses"] == [404] else "failed"
            s.row(
                f"GET {path.replace(pid, '{id}')}",
                label,
                bar=f"{figures['errors']} of {n} answered {statuses}",
                meets=False if label == "failed" else None,
            )
            continue
        s.row(
            f"GET {path.replace(pid, '{id}')} p50 / p95",
            f"{fmt(figures['p50_ms'], '', 1)} / {fmt(figures['p95_ms'], 'ms', 1)}",
            f"{fmt(raw['p50_ms'], '', 1)} / {fmt(raw['p95_ms'], 'ms', 1)}",
            ratio(figures["p95_ms"], raw["p95_ms"]),
            bar,
            figures["p95_ms"] <= 25 if bar else None,
        )


# ---- (4) -------------------------------------------------------------------------------------


def measure_exports(s: Section, settings: Settings, events: int, workdir: Path) -> None:
    raw = exports_bench.raw_scan(settings)
    s.figures["raw_scan"] = raw
    s.row(
        "raw scan (read + decode all events)",
        "",
        f"{fmt(raw['seconds'], 's', 1)}, {fmt(raw['peak_rss_mb'], 'MB', 0)}",
    )
    for kind, suffix in exports_bench.KINDS:
        tenth = exports_bench.export(settings, kind, suffix, max(1, events // 10), workdir)
        whole = exports_bench.export(settings, kind, suffix, events, workdir)
        s.figures[kind] = {"tenth": tenth, "whole": whole}
        growth = whole["peak_rss_mb"] / tenth["peak_rss_mb"]
        s.row(
            f"edc export {kind}: time",
            fmt(whole["seconds"], "s", 1),
            fmt(raw["seconds"], "s", 1),
            ratio(whole["seconds"], raw["seconds"]),
        )
        s.row(
            f"edc export {kind}: peak RSS at 10% -> 100% of the store",
            f"{fmt(tenth['peak_rss_mb'], '', 0)} -> {fmt(whole['peak_rss_mb'], 'MB', 0)}",
            fmt(raw["peak_rss_mb"], "MB", 0),
            f"x{growth:.2f}",  # growth from a tenth to all of the store, not EDC / raw
            "flat (< 1.5x growth)",
            growth < 1.5,
        )


# ---- (6) -------------------------------------------------------------------------------------


def measure_postgres(s: Section, plan: Plan, shared: dict[str, Any]) -> None:
    if plan.skip_postgres:
        raise NotAvailable("left out with --no-postgres")
    from bench.pg import throwaway_database

    with throwaway_database() as (url, scratch):
        from bench.store import build_store

        settings = Settings(data_dir=scratch, database_url=url)
        print(f"bench: generating {plan.pg_events} events on PostgreSQL ...", file=sys.stderr)
        info = build_store(settings, plan.pg_events, seed=plan.seed)
        s.figures["store"] = {
            "events": info.events,
            "seconds": info.seconds,
            "events_per_s": info.events_per_second,
        }
        s.row(
            f"generator, batched saves ({info.events:,} events)",
            fmt(info.events_per_second, "ev/s", 0),
        )
        people = Participants.split(info, plan.form_save_participants, plan.pg_http_participants)

        edc = form_save.measure_app(settings, people.form_save, plan.form_saves)
        raw = form_save.measure_raw_postgres(url, plan.form_saves)
        s.figures["form_save"] = {"edc": edc, "raw_insert": raw}
        s.row(
            "form save median (app layer)",
            fmt(edc["median_ms"], "ms", 2),
            fmt(raw["median_ms"], "ms", 3),
            ratio(edc["median_ms"], raw["median_ms"]),
        )

        decode = catch_up.measure_raw(settings)
        s.figures["raw_decode"] = decode
        try:
            rebuild = catch_up.measure_projections(settings)
        except ModuleNotFoundError as error:
            s.row("rebuild all read models", f"not available: {error.name} missing")
        else:
            s.figures["rebuild"] = rebuild
            s.row(
                "rebuild all read models, events/s",
                fmt(rebuild["events_per_s"], "ev/s", 0),
                fmt(decode["events_per_s"], "ev/s", 0),
                ratio(rebuild["events_per_s"], decode["events_per_s"]),
                ">= 50% of raw",
                rebuild["events_per_s"] >= 0.5 * decode["events_per_s"],
            )

        logs = plan.scratch / "logs"
        server = http_bench.edc_server(settings, logs, "edc-serve-pg")
        s.figures["startup_s"] = round(server.start(), 3)
        try:
            tokens = issue_tokens(settings, ["sara"])
            state = weekly_state(settings, people.http)
            writers = [Writer(pid, *state[pid]) for pid in people.http]
            start = head_of(settings)
            result, writers = http_bench.edc_writes(
                server.url, tokens["sara"], writers, plan.per_client
            )
        finally:
            server.stop()
        counts = http_bench.count_lost(settings, writers, start)
        s.figures["http_writes"] = result.summary() | counts
        bare = shared.get("bare_result")
        bare_rate = bare.throughput if bare else float("nan")
        s.row(
            "HTTP writes, 32 clients: throughput",
            fmt(result.throughput, "req/s", 0),
            f"{fmt(bare_rate, 'req/s', 0)} (SQLite)",
            ratio(result.throughput, bare_rate),
            ">= 30% of bare",
            result.throughput >= 0.3 * bare_rate if bare else None,
        )
        s.row(
            "  p50 / p95 / p99",
            f"{result.percentile(50):.1f} / {result.percentile(95):.1f} / "
            f"{result.percentile(99):.1f} ms",
        )
        s.row(
            "  errors / lost / stored twice",
            f"{result.errors} / {counts['lost_writes']} / "
            f"{counts['stored_twice_or_unacknowledged']}",
            bar="0 / 0 / 0",
            meets=result.errors == 0
            and not counts["lost_writes"]
            and not counts["stored_twice_or_unacknowledged"],
        )


def head_of(settings: Settings) -> int:
    from edc.bootstrap import build_trial

    trial = build_trial(settings)
    try:
        return trial.recorder.max_notification_id() or 0
    finally:
        trial.close()


if __name__ == "__main__":
    sys.exit(main())
