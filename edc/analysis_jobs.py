"""Analyses run as background jobs: started by a request, never run inside one.

A job takes the snapshot at its cut (read in the job's thread), runs the pre-specified
analysis and keeps the report files in memory for the account that started it; the account
follows its progress on a page. One analysis runs at a time (the machine's cores serve the
clinical work first), others wait in order. Jobs belong to this server process and are
forgotten when it stops (the same `as_of` gives the same report again); at most `KEEP` jobs
are kept, the oldest finished ones dropped first.
"""

from __future__ import annotations

import io
import threading
import uuid
import zipfile
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from domain.actor import Actor
from projections.exports import Cut, View
from projections.exports.snapshot import write_snapshot

KEEP = 20
DEFAULT_DUMMY_SEED = 1
SNAPSHOT = "snapshot.zip"
ZIP_ENTRY_TIME = (1980, 1, 1, 0, 0, 0)


def dummy_allocation_seed(view: View, allocation: str, seed: int | None) -> int | None:
    """The seed of the dummy allocation an analysis runs on, or None for the real arms.

    A blinded snapshot holds no arms, so a blinded run always uses a dummy allocation;
    an unblinded run uses the real arms unless a dummy allocation ("dummy") or a seed is
    asked for, and "real" asks for the real arms whatever seed is given."""
    if view.blinded or allocation == "dummy":
        return DEFAULT_DUMMY_SEED if seed is None else seed
    if allocation == "real":
        return None
    return seed


def analysis_purpose(seed: int | None) -> str:
    """What the unblinded-export log records for an analysis run on these arms."""
    return "analysis" if seed is None else "analysis, dummy allocation"


@dataclass
class AnalysisJob:
    id: str
    owner: str
    view: str
    as_of: int
    dummy_seed: int | None
    status: str = "waiting"  # waiting, running, done, failed
    step: str = "waiting for the previous analysis"
    fraction: float = 0.0
    files: dict[str, bytes] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)
    error: str = ""

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    def bundle(self) -> bytes:
        """Every file of the report in one zip, with fixed entry times (reproducible)."""
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for name, data in sorted(self.files.items()):
                info = zipfile.ZipInfo(name, date_time=ZIP_ENTRY_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data)
        return out.getvalue()


Runner = Callable[[Cut, int | None, Callable[[str, float], None]], tuple[dict[str, bytes], Any]]


def run_report(
    cut: Cut, dummy_seed: int | None, progress: Callable[[str, float], None]
) -> tuple[dict[str, bytes], dict[str, Any]]:
    """The report files of the analysis at `cut` (with the snapshot read) and the manifest."""
    from projections.analysis.report import report_files, report_manifest
    from projections.analysis.run import run_analysis

    progress("reading the snapshot", 0.0)
    snapshot = io.BytesIO()
    write_snapshot(cut, snapshot)
    results = run_analysis(snapshot.getvalue(), dummy_seed=dummy_seed, progress=progress)
    progress("writing the report", 0.95)
    files = report_files(results) | {SNAPSHOT: snapshot.getvalue()}
    manifest = report_manifest(results, files)
    import json

    files["manifest.json"] = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
    return files, manifest


class AnalysisJobs:
    """The jobs of one server process."""

    def __init__(self, runner: Runner = run_report) -> None:
        self._runner = runner
        self._jobs: OrderedDict[str, AnalysisJob] = OrderedDict()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="analysis")

    def start(self, actor: Actor, cut: Cut, dummy_seed: int | None) -> AnalysisJob:
        job = AnalysisJob(uuid.uuid4().hex, actor.user, cut.view.value, cut.as_of, dummy_seed)
        with self._lock:
            self._jobs[job.id] = job
            self._forget_old()
        self._pool.submit(self._run, job, cut)
        return job

    def get(self, actor: Actor, job_id: str) -> AnalysisJob | None:
        """The job, if it exists and belongs to `actor` (nobody sees another's jobs)."""
        with self._lock:
            job = self._jobs.get(job_id)
        return job if job is not None and job.owner == actor.user else None

    def of(self, actor: Actor) -> list[AnalysisJob]:
        with self._lock:
            return [job for job in reversed(self._jobs.values()) if job.owner == actor.user]

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self, job: AnalysisJob, cut: Cut) -> None:
        def progress(step: str, fraction: float) -> None:
            job.step, job.fraction = step, fraction

        job.status = "running"
        try:
            job.files, job.manifest = self._runner(cut, job.dummy_seed, progress)
        except Exception as error:  # a failed analysis is shown on its page, not lost
            job.status, job.error = "failed", f"{type(error).__name__}: {error}"
            return
        job.status, job.step, job.fraction = "done", "done", 1.0

    def _forget_old(self) -> None:
        while len(self._jobs) > KEEP:
            for job_id, job in self._jobs.items():
                if job.finished:
                    del self._jobs[job_id]
                    break
            else:
                return
