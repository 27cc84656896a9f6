"""`edc casebook participant|archive|blank-crf --user NAME [--as-of N] --out PATH`.

Casebooks on paper, written like exports (cli.export): read up to a position, written under
a temporary name and renamed when complete, the manifest printed. The account named with
`--user` is the reader: its blind chooses the view and its role and site what it may have, as
on the web. The archive (one PDF per participant of the site, the annotated blank CRF and a
manifest, in a zip) is made by unblinded accounts only; it shows progress on a terminal.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any
from uuid import UUID

from tqdm import tqdm

from cli.export import position_argument
from domain.errors import EdcError, NotFound
from edc.application import Trial
from edc.audit import anchors
from edc.bootstrap import build_trial
from edc.config import Settings
from edc.usecases.downloads import annotated_crf_download, casebook_download
from projections.exports import manifest_json
from projections.exports.manifest import DigestingWriter, build_manifest

Writer = Callable[[Trial, IO[bytes], str], dict[str, Any]]
CHANNEL = "command line"


def register(commands: argparse._SubParsersAction) -> None:
    casebook = commands.add_parser(
        "casebook",
        help="casebooks on paper: a participant's PDF, the site archive, the annotated CRF",
        description="Each file is read up to --as-of (default: the last event) as the account "
        "named with --user may see it, so the same position always gives the same bytes.",
    )
    kinds = casebook.add_subparsers(dest="casebook_kind", required=True)
    one = kinds.add_parser("participant", help="one participant's casebook (PDF)")
    one.add_argument("participant", help="screening number (RINGE-0007) or participant id")
    _common(one)
    one.set_defaults(handler=cmd_participant)
    archive = kinds.add_parser(
        "archive", help="every casebook of a site, unblinded, for the investigator's archive (zip)"
    )
    archive.add_argument("--site", help="the site (site roles: their own, the default)")
    _common(archive)
    archive.set_defaults(handler=cmd_archive)
    blank = kinds.add_parser("blank-crf", help="the annotated blank CRF (PDF)")
    _common(blank)
    blank.set_defaults(handler=cmd_blank_crf)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--user",
        required=True,
        metavar="NAME",
        help="the reader: the account's blind chooses the view, its role and site what it gets",
    )
    parser.add_argument(
        "--as-of", type=position_argument, metavar="N", help="last event position included"
    )
    parser.add_argument("--out", type=Path, required=True, metavar="PATH")


# The PDF modules are imported by the commands that print (here and in edc.usecases.downloads):
# the PDF library is slow to load, and every `edc` command loads this module.


def cmd_participant(args: argparse.Namespace, settings: Settings) -> int:
    def write(trial: Trial, out: IO[bytes], name: str) -> dict[str, Any]:
        actor = trial.actor_for(args.user)
        pid = find_participant(trial, args.participant)
        paper, data = casebook_download(trial, actor, pid, args.as_of, CHANNEL)
        target = DigestingWriter(out)
        target.write(data)
        cut = trial.casebook_cut(actor, paper.as_of)
        manifest = build_manifest(cut, "casebook", {name: target.digest})
        return {**manifest, "participant": paper.participant["screening_number"]}

    return _write(args, settings, write)


def cmd_archive(args: argparse.Namespace, settings: Settings) -> int:
    from projections.exports.casebook_pdf_archive import write_archive

    def write(trial: Trial, out: IO[bytes], name: str) -> dict[str, Any]:
        archive = trial.site_archive(trial.actor_for(args.user), args.site, args.as_of, CHANNEL)
        with _progress(archive.count, f"Casebooks of {archive.site}") as done:
            return write_archive(archive.cut, archive.site, archive.papers, out, done)

    return _write(args, settings, write)


def cmd_blank_crf(args: argparse.Namespace, settings: Settings) -> int:
    def write(trial: Trial, out: IO[bytes], name: str) -> dict[str, Any]:
        cut, data = annotated_crf_download(trial, trial.actor_for(args.user), args.as_of)
        target = DigestingWriter(out)
        target.write(data)
        return build_manifest(cut, "annotated blank crf", {name: target.digest})

    return _write(args, settings, write)


def find_participant(trial: Trial, text: str) -> UUID:
    """A participant by id or screening number (case-insensitive)."""
    if text.isascii():
        with contextlib.suppress(ValueError):
            return UUID(text)
    for pid in trial.participant_ids():
        if trial.repository.get(pid).screening_number.lower() == text.strip().lower():
            return pid
    raise NotFound(f"No participant has the screening number {text!r}.")


def _write(args: argparse.Namespace, settings: Settings, writer: Writer) -> int:
    if settings.backend == "sqlite" and not settings.sqlite_path("trial").exists():
        raise EdcError(f"There is no event store at {settings.sqlite_path('trial')}.")
    out = Path(args.out)
    if out.is_dir():
        raise EdcError(f"{out} is a directory; give the path of the file to write.")
    trial = build_trial(settings)
    partial = out.with_name(f".{out.name}.partial")
    try:
        with partial.open("wb") as f:
            manifest = writer(trial, f, out.name)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
        trial.close()
    anchors.record_published(settings, manifest.get("chain_head"), f"casebook {out}")
    sys.stdout.write(manifest_json(manifest))
    return 0


@contextlib.contextmanager
def _progress(total: int, description: str) -> Iterator[Callable[[int], None] | None]:
    """A tqdm bar over casebooks on a terminal; nothing when stderr is redirected."""
    if not sys.stderr.isatty():
        yield None
        return
    with tqdm(total=total, desc=description, unit=" casebooks", file=sys.stderr) as bar:

        def update(count: int) -> None:
            bar.update(max(0, count - bar.n))

        yield update
