"""`make bench-quick` must keep working: run it whole and check what it reports.

No timing is asserted (the machine decides those); the test checks that every section is
there and measured (or honestly "not available"), and that the HTTP load saw no errors and
lost no write, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.report import SECTIONS

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_bench_quick_runs_every_section_without_errors_or_lost_writes(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDC_")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--quick",
            "--workdir",
            str(tmp_path / "work"),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=580,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads(out.read_text())
    sections = results["sections"]

    assert set(sections) == {key for key, _title in SECTIONS}
    failed = {key: s["why"] for key, s in sections.items() if s["status"] == "failed"}
    assert not failed, failed
    # The parts every build has: the store, form saves, HTTP writes, start-up.
    for key in ("form_save", "http_writes", "startup", "postgres"):
        assert sections[key]["status"] == "ok", (key, sections[key]["why"])
    assert results["events"] >= 10_000

    writes = sections["http_writes"]["figures"]
    assert writes["edc"]["requests"] > 0
    assert writes["edc"]["errors"] == 0, writes["edc"]["error_samples"]
    assert writes["edc"]["ok"] == writes["edc"]["requests"]
    assert writes["edc"]["lost_writes"] == 0
    assert writes["edc"]["stored_twice_or_unacknowledged"] == 0
    assert writes["bare_aiohttp"]["errors"] == 0
    assert writes["bare_aiohttp"]["lost_writes"] == 0

    pg = sections["postgres"]["figures"]["http_writes"]
    assert pg["errors"] == 0, pg["error_samples"]
    assert pg["lost_writes"] == 0
    assert pg["stored_twice_or_unacknowledged"] == 0

    # The table printed the same sections.
    for _key, title in SECTIONS:
        assert title in done.stdout
