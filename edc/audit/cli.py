"""`edc audit verify` and `edc audit head`: check and show the audit trail's hash chain."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from domain.errors import EdcError
from edc.audit.chain import DEFAULT_PAGE_SIZE, ChainHead, head, head_at, verify
from edc.bootstrap import build_trial
from edc.config import Settings

EXIT_OK, EXIT_TAMPERED = 0, 1


def register(commands: argparse._SubParsersAction) -> None:
    audit = commands.add_parser("audit", help="tamper evidence of the audit trail")
    actions = audit.add_subparsers(dest="audit_command", required=True)
    check = actions.add_parser(
        "verify",
        help="recompute the hash chain over the stored events; exit 1 naming the first bad one",
    )
    check.add_argument(
        "--expect",
        type=_head_argument,
        metavar="POSITION:LINK",
        help="also check that the chain still has this head (e.g. from an export manifest)",
    )
    check.add_argument(
        "--page-size", type=_page_size, default=DEFAULT_PAGE_SIZE, help=argparse.SUPPRESS
    )
    check.set_defaults(handler=cmd_verify)
    show = actions.add_parser("head", help="print the chain head (POSITION:LINK)")
    show.add_argument(
        "--at", type=int, metavar="POSITION", help="the head as of this event position"
    )
    show.set_defaults(handler=cmd_head)


def cmd_verify(args: argparse.Namespace, settings: Settings) -> int:
    _require_store(settings)
    trial = build_trial(settings)
    try:
        with _progress_bar() as progress:
            result = verify(trial, page_size=args.page_size, progress=progress, expect=args.expect)
    finally:
        trial.close()
    if result.ok:
        print(f"OK: {result.events_checked} events verified.")
        print(f"Chain head: {result.head}")
        return EXIT_OK
    print(
        f"TAMPERED: {result.problem} event at position {result.first_bad_position}"
        + (
            f" (aggregate {result.originator_id}, version {result.originator_version})"
            if result.originator_id
            else ""
        )
        + "."
    )
    print(result.message)
    print(f"{result.events_checked} events before it verified; last good head: {result.head}")
    return EXIT_TAMPERED


def cmd_head(args: argparse.Namespace, settings: Settings) -> int:
    _require_store(settings)
    trial = build_trial(settings)
    try:
        if args.at is None:
            print(head(trial))
        else:
            print(f"{args.at}:{head_at(trial, args.at)}")
    finally:
        trial.close()
    return EXIT_OK


def _require_store(settings: Settings) -> None:
    # Verifying a directory that holds no store would quietly create an empty one.
    if settings.backend == "sqlite" and not settings.sqlite_path("trial").exists():
        raise EdcError(f"There is no event store at {settings.sqlite_path('trial')}.")


@contextmanager
def _progress_bar() -> Iterator[Callable[[int, int], None] | None]:
    """A tqdm bar on a terminal; nothing when stderr is redirected (scripts, CI logs)."""
    if not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    with tqdm(total=0, unit="events", unit_scale=True, desc="Verifying", file=sys.stderr) as bar:

        def update(done: int, total: int) -> None:
            bar.total = max(total, done)
            bar.update(done - bar.n)

        yield update


def _head_argument(text: str) -> ChainHead:
    try:
        return ChainHead.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _page_size(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("the page size is at least 1")
    return value
