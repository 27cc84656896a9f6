"""(4) Export time and peak memory: `edc export` in its own process, read with wait4.

Each export runs at a tenth of the store and at the whole store: streaming exports keep the
same peak RSS at both sizes. The baseline is `bench.raw_scan`, a process that only reads and
decodes every event through the library.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.procs import Finished, edc_env, run_measured
from edc.config import Settings

KINDS = (("csv", "zip"), ("odm-snapshot", "xml"), ("odm", "xml"))
TIMEOUT_S = 3600


def _figures(done: Finished, out: Path | None = None) -> dict[str, Any]:
    if done.returncode != 0:
        raise RuntimeError(f"exit {done.returncode}: {done.stderr.strip()[-500:]}")
    figures: dict[str, Any] = {
        "seconds": round(done.seconds, 2),
        "peak_rss_mb": round(done.peak_rss_mb, 1),
    }
    if out is not None:
        figures["bytes"] = out.stat().st_size
    return figures


def raw_scan(settings: Settings) -> dict[str, Any]:
    done = run_measured("bench.raw_scan", [], edc_env(settings), timeout=TIMEOUT_S)
    return _figures(done)


def export(settings: Settings, kind: str, suffix: str, as_of: int, out_dir: Path) -> dict[str, Any]:
    out = out_dir / f"export-{kind}-{as_of}.{suffix}"
    args = ["export", kind, "--view", "blinded", "--as-of", str(as_of), "--out", str(out)]
    done = run_measured("cli", args, edc_env(settings), timeout=TIMEOUT_S)
    figures = _figures(done, out)
    out.unlink(missing_ok=True)
    return figures
