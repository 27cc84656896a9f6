"""(1) Projection catch-up, against the library's raw decode rate over the same store.

Raw: `recorder.select_notifications` in pages plus `mapper.to_domain_event` for every event,
nothing done with them. EDC: `edc.read_model_wiring.build_projections(...).rebuild()`, every read
model dropped and rebuilt from the first event, as `edc projections rebuild` does. Both rates
are events of the store per second of wall time (the read models together, however many
passes they make).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from edc.bootstrap import build_trial
from edc.config import Settings

RAW_PAGE = 1000


def measure_raw(settings: Settings) -> dict[str, Any]:
    trial = build_trial(settings)
    try:
        recorder, decode = trial.recorder, trial.mapper.to_domain_event
        head = recorder.max_notification_id() or 0
        began = time.perf_counter()
        position, decoded = 0, 0
        while position < head:
            page = recorder.select_notifications(
                start=position, limit=RAW_PAGE, inclusive_of_start=False
            )
            if not page:
                break
            for notification in page:
                decode(notification)
            decoded += len(page)
            position = page[-1].id
        seconds = time.perf_counter() - began
    finally:
        trial.close()
    return {
        "events": decoded,
        "seconds": round(seconds, 3),
        "events_per_s": round(decoded / seconds, 1),
    }


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def _reset_peak_rss() -> bool:
    """Start this process's peak RSS (VmHWM) again from its present size (Linux)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def measure_projections(settings: Settings) -> dict[str, Any]:
    """Rebuild every read model; raises ImportError while the projections do not exist.

    Also the process's peak RSS during the rebuild, and its RSS before it (the bench's own
    size), without a profiler: the high-water mark is reset just before the rebuild."""
    from edc.read_model_wiring import build_projections

    trial = build_trial(settings)
    try:
        head = trial.recorder.max_notification_id() or 0
        projections = build_projections(settings, trial)
        try:
            peak_known = _reset_peak_rss()
            before_kb = _status_kb("VmRSS")
            began = time.perf_counter()
            applied = projections.rebuild()
            seconds = time.perf_counter() - began
            peak_kb = _status_kb("VmHWM")
            positions = {status.name: status.position for status in projections.status()}
        finally:
            projections.db.close()
    finally:
        trial.close()
    behind = {name: head - position for name, position in positions.items() if position < head}
    if behind:
        raise RuntimeError(f"read models stopped short of the head {head}: {behind}")
    return {
        "events": head,
        "seconds": round(seconds, 3),
        "events_per_s": round(head / seconds, 1),
        "applied_per_view": applied,
        "rss_before_mb": round(before_kb / 1024, 1),
        "peak_rss_mb": round(peak_kb / 1024, 1) if peak_known else None,
    }
