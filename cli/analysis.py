"""`edc analysis --view blinded|unblinded [--as-of N] [--dummy-seed S] --out DIR`.

Runs the pre-specified analysis on the snapshot at `--as-of` and writes the report (HTML, PDF,
forest plot, results as JSON), the snapshot it read and a manifest into DIR, then prints the
manifest. A blinded view always runs on a seeded dummy allocation (the real arms are not in a
blinded snapshot); `--dummy-seed` makes an unblinded run use one too. The directory is written
beside DIR under a temporary name and renamed when complete.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import sys
from pathlib import Path

from domain.errors import EdcError
from edc.analysis_jobs import DEFAULT_DUMMY_SEED, analysis_purpose, dummy_allocation_seed
from edc.bootstrap import build_trial
from edc.config import Settings
from edc.usecases.downloads import operator_cut
from projections.exports import View
from projections.exports.snapshot import write_snapshot

SNAPSHOT = "snapshot.zip"


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "analysis",
        help="the pre-specified analysis of the snapshot at a position (report as HTML and PDF)",
        description="Blinded runs use a seeded dummy allocation and leave harms out; the same "
        "position gives the same bytes.",
    )
    parser.add_argument("--view", choices=[v.value for v in View], default=View.BLINDED.value)
    parser.add_argument("--as-of", type=int, metavar="N", help="last event position included")
    parser.add_argument(
        "--dummy-seed",
        type=int,
        metavar="S",
        help=f"seed of the dummy allocation (blinded runs: default {DEFAULT_DUMMY_SEED})",
    )
    parser.add_argument(
        "--imputations", type=int, default=20, metavar="K", help="multiple imputations (20)"
    )
    parser.add_argument("--out", type=Path, required=True, metavar="DIR")
    parser.set_defaults(handler=cmd_analysis)


def cmd_analysis(args: argparse.Namespace, settings: Settings) -> int:
    try:
        from projections.analysis.report import write_report
        from projections.analysis.run import run_analysis
    except ImportError as error:
        raise EdcError(
            f"The analysis needs the 'analysis' extra ({error.name} is missing): "
            "pip install 'modic-edc[analysis]'."
        ) from None
    if not 1 <= args.imputations <= 200:
        raise EdcError("--imputations is a number from 1 to 200.")
    if settings.backend == "sqlite" and not settings.sqlite_path("trial").exists():
        raise EdcError(f"There is no event store at {settings.sqlite_path('trial')}.")
    out = Path(args.out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise EdcError(f"{out} exists and is not an empty directory.")
    view = View(args.view)
    dummy_seed = dummy_allocation_seed(view, "", args.dummy_seed)
    trial = build_trial(settings)
    try:
        cut = operator_cut(trial, view.value, args.as_of, analysis_purpose(dummy_seed))
        snapshot = io.BytesIO()
        write_snapshot(cut, snapshot)
    finally:
        trial.close()

    def progress(text: str, done: float) -> None:
        if sys.stderr.isatty():
            print(f"\r{text} ({done:.0%})".ljust(40), end="", file=sys.stderr, flush=True)

    results = run_analysis(
        snapshot.getvalue(),
        dummy_seed=dummy_seed,
        imputations=args.imputations,
        progress=progress,
    )
    partial = out.with_name(f".{out.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        manifest = write_report(results, partial, {SNAPSHOT: snapshot.getvalue()})
        if out.exists():
            out.rmdir()
        partial.rename(out)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    sys.stdout.write(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return 0
