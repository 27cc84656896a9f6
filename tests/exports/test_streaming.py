"""Exports stream: their peak memory does not grow with the number of events in the store.

Two synthetic stores (the benchmark's generator: the demo's scenario through the real use
cases), one four times the other; the peak of Python memory while exporting (tracemalloc)
must stay within 1.5 times. A ratio, not a time: it holds on a slow machine too.
"""

from __future__ import annotations

import tempfile
import tracemalloc
from pathlib import Path

import pytest

from bench.store import build_store
from edc.bootstrap import build_trial
from edc.config import Settings
from edc.exports import store_reader
from projections.exports import Cut, ExportKind, View, export

SIZES = (1_000, 4_000)
STREAMING = (ExportKind.CSV, ExportKind.ODM, ExportKind.ODM_SNAPSHOT, ExportKind.AUDIT)


def peak_bytes(settings: Settings, kind: ExportKind) -> int:
    trial = build_trial(settings)
    try:
        cut = Cut.of(store_reader(trial), View.UNBLINDED)
        with tempfile.TemporaryFile() as out:
            tracemalloc.start()
            try:
                export(kind, cut, out)
                return tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
    finally:
        trial.close()


@pytest.mark.slow
def test_export_memory_stays_flat_when_the_store_grows_fourfold(tmp_path: Path) -> None:
    stores = []
    for size in SIZES:
        settings = Settings(data_dir=tmp_path / f"store-{size}")
        # Small batches: the generator stops at the first batch past `size`, so sizes track it.
        info = build_store(settings, size, batch_events=100, progress=False)
        stores.append((settings, info.events))
    (small, small_events), (large, large_events) = stores
    assert large_events >= 3.9 * small_events
    peaks = {kind: (peak_bytes(small, kind), peak_bytes(large, kind)) for kind in STREAMING}
    grown = {kind: round(b / a, 2) for kind, (a, b) in peaks.items() if b >= 1.5 * a}
    assert grown == {}, f"peak memory grew with the store: {peaks}"
