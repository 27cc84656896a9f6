"""`edc export csv|odm|odm-snapshot|audit|dictionary --view ... [--as-of N] --out PATH`.

Exports read the events up to a position and print the manifest (position, time of the last
event included, view, chain head, sha256 of each file). The file is written beside `--out`
under a temporary name and renamed when complete, so a failed export never leaves a
half-written file under the asked name. `edc report` (cli.report) writes the same way.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from tqdm import tqdm

from domain.actor import Actor
from domain.errors import EdcError
from domain.numbers import whole_number
from edc.application import Trial
from edc.audit import anchors
from edc.bootstrap import build_trial
from edc.config import Settings
from edc.usecases.downloads import CutWriter, Download, export_download, operator_cut
from projections.exports import ExportKind, View, export, manifest_json
from projections.exports.source import Progress

CHANNEL = "command line"
# The file an account named with --user may have (the read use case checks and cuts it).
AsUser = Callable[[Trial, Actor], Download]


def position_argument(text: str) -> int:
    """An event position on the command line: ASCII digits, within what a store can hold."""
    value = whole_number(text)
    if value is None:
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 (ASCII digits): {text!r}")
    return value


def register(commands: argparse._SubParsersAction) -> None:
    exports = commands.add_parser(
        "export",
        help="reproducible exports at an event position (prints the manifest)",
        description="Exports read only the events up to --as-of (default: the last one), so "
        "the same position always gives the same bytes.",
    )
    exports.add_argument(
        "kind",
        choices=[kind.value for kind in ExportKind],
        help="csv: snapshot zip; odm: ODM 1.3.2 Transactional; odm-snapshot: ODM Snapshot; "
        "audit: NDJSON audit trail; dictionary: CSV (HTML when --out ends in .html); "
        "analysis: the snapshot with Stata, SPSS, SAS transport, Parquet and an R reader",
    )
    common_arguments(exports)
    exports.set_defaults(handler=cmd_export)


def common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--view",
        choices=[view.value for view in View],
        default=View.BLINDED.value,
        help="blinded (the default) leaves out everything that reveals the arm",
    )
    parser.add_argument(
        "--as-of", type=position_argument, metavar="N", help="last event position included"
    )
    parser.add_argument("--out", type=Path, required=True, metavar="PATH")
    parser.add_argument(
        "--user",
        metavar="NAME",
        help="write it as this account may read it: its role's permission for the kind of "
        "data, its site's participants only (without it: the operator, who holds the store)",
    )


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    kind = ExportKind(args.kind)
    return write_file(
        args,
        settings,
        f"Exporting {kind}",
        lambda cut, out, name: export(kind, cut, out, name),
        as_user=lambda trial, actor: export_download(
            trial, actor, kind, args.view, args.as_of, CHANNEL
        ),
    )


def write_file(
    args: argparse.Namespace,
    settings: Settings,
    description: str,
    writer: CutWriter,
    *,
    as_user: AsUser,
) -> int:
    """Write the file as the operator reads it, or (--user) as that account may have it."""
    # Opening a directory that holds no store would quietly create an empty one.
    if settings.backend == "sqlite" and not settings.sqlite_path("trial").exists():
        raise EdcError(f"There is no event store at {settings.sqlite_path('trial')}.")
    out = Path(args.out)
    if out.is_dir():
        raise EdcError(f"{out} is a directory; give the path of the file to write.")
    trial = build_trial(settings)
    try:
        if getattr(args, "user", None):
            # The account's own rights, as on the web: its kind of data, view, site, release.
            download = as_user(trial, trial.actor_for(args.user))
            cut, writer = download.cut, download.writer
        else:
            cut = operator_cut(trial, args.view, args.as_of, description)
        partial = out.with_name(f".{out.name}.partial")
        try:
            with _progress_bar(cut.as_of, description) as progress, partial.open("wb") as f:
                manifest = writer(dataclasses.replace(cut, progress=progress), f, out.name)
            os.replace(partial, out)
        finally:
            partial.unlink(missing_ok=True)
    finally:
        trial.close()
    # The head the manifest states is anchored too: verify checks it by default.
    anchors.record_published(
        settings, manifest.get("chain_head"), f"{getattr(args, 'kind', '')} export {out}"
    )
    sys.stdout.write(manifest_json(manifest))
    return 0


@contextlib.contextmanager
def _progress_bar(total: int, description: str) -> Iterator[Progress | None]:
    """A tqdm bar over event positions on a terminal; nothing when stderr is redirected."""
    if not sys.stderr.isatty():
        yield None
        return
    with tqdm(total=total, desc=description, unit=" events", file=sys.stderr) as bar:

        def update(position: int) -> None:
            bar.update(max(0, position - bar.n))

        yield update
