"""`python -m bench.exports_figures [--events N]`: every export and report, both views, timed.

Each `edc export` / `edc report` runs in its own process (`bench.procs.run_measured`: wall time
and the process's own peak RSS), at a tenth of the store and at the whole store, next to the
raw baseline measured in the same run: one process that reads and decodes every event through
the library (`bench.raw_scan`). Streaming exports keep the same peak RSS at both sizes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bench.procs import edc_env, run_measured
from bench.workspace import DEFAULT_WORKDIR, generated_store, working_copy
from edc.config import Settings

TIMEOUT_S = 3600
EXPORTS = (
    ("csv", "zip"),
    ("odm", "xml"),
    ("odm-snapshot", "xml"),
    ("audit", "ndjson"),
    ("dictionary", "csv"),
)
REPORTS = (("consort", "svg"), ("enrolment", "svg"), ("visits", "csv"), ("missing", "csv"))


def measure(
    settings: Settings, command: str, kind: str, suffix: str, view: str, as_of: int, out_dir: Path
) -> dict[str, Any]:
    out = out_dir / f"{command}-{kind}-{view}-{as_of}.{suffix}"
    args = [command, kind, "--view", view, "--as-of", str(as_of), "--out", str(out)]
    done = run_measured("cli", args, edc_env(settings), timeout=TIMEOUT_S)
    if done.returncode != 0:
        raise RuntimeError(f"edc {' '.join(args)}: exit {done.returncode}: {done.stderr[-500:]}")
    figures = {
        "seconds": round(done.seconds, 2),
        "peak_rss_mb": round(done.peak_rss_mb, 1),
        "bytes": out.stat().st_size,
    }
    out.unlink()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.exports_figures", description=__doc__)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    args = parser.parse_args(argv)
    workdir = args.workdir.absolute()
    store, info = generated_store(workdir, args.events, args.seed, rebuild=False)
    settings = working_copy(workdir, store)
    raw = run_measured("bench.raw_scan", [], edc_env(settings), timeout=TIMEOUT_S)
    results: dict[str, Any] = {
        "events": info.events,
        "raw_scan": {
            "seconds": round(raw.seconds, 2),
            "peak_rss_mb": round(raw.peak_rss_mb, 1),
            "output": raw.stdout.strip(),
        },
    }
    print(
        f"store: {info.events} events; raw read + decode: {raw.seconds:.1f} s, "
        f"peak RSS {raw.peak_rss_mb:.0f} MB"
    )
    print(
        f"{'what':<34} {'view':<10} {'s (100%)':>9} {'x raw':>6} {'RSS MB 10%->100%':>18} "
        f"{'growth':>7} {'MB out':>8}"
    )
    for command, items in (("export", EXPORTS), ("report", REPORTS)):
        for kind, suffix in items:
            for view in ("blinded", "unblinded"):
                tenth = measure(
                    settings, command, kind, suffix, view, max(1, info.events // 10), workdir
                )
                whole = measure(settings, command, kind, suffix, view, info.events, workdir)
                results[f"{command} {kind} {view}"] = {"tenth": tenth, "whole": whole}
                growth = whole["peak_rss_mb"] / tenth["peak_rss_mb"]
                print(
                    f"{command + ' ' + kind:<34} {view:<10} {whole['seconds']:>9.1f} "
                    f"{whole['seconds'] / raw.seconds:>6.1f} "
                    f"{tenth['peak_rss_mb']:>8.0f} -> {whole['peak_rss_mb']:>6.0f} "
                    f"{growth:>7.2f} {whole['bytes'] / 1e6:>8.1f}",
                    flush=True,
                )
    (workdir / "exports-figures.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
