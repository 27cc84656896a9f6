"""`edc audit verify|head|adopt|accept-restore|migrate-chain`: check, show and (explicitly)
amend the chain.

`verify` checks the chain against every head anchored outside the store (the head log of
`EDC_ANCHOR_DIR`, which also holds the heads of backups) and any `--expect`. `adopt` seals
events the chain does not cover (a store older than the chain) and `accept-restore` records
that an older backup was restored on purpose; both say who, when and why in the head log.
`migrate-chain` reseals a store sealed in the older chain format (`edc.audit.migration`), after
it verified under that format, and records it in the head log and in the trail.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from domain.errors import EdcError
from edc.audit import anchors
from edc.audit.chain import DEFAULT_PAGE_SIZE, ChainHead, head, head_at, seal, verify
from edc.audit.migration import migrate_chain
from edc.bootstrap import build_trial
from edc.config import Settings
from edc.operator import operator_actor

EXIT_OK, EXIT_TAMPERED = 0, 1
# Not tampered, but sealed in the older chain format: `edc audit migrate-chain` is the step.
EXIT_OLDER_FORMAT = 3


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
    adopt = actions.add_parser(
        "adopt",
        help="seal stored events the chain does not cover (a store older than the chain)",
        description="Seal the events stored after the chain's last link, as they are now, and "
        "record who did it, when and why in the head log. Only for a store written before the "
        "chain existed: on any other store the missing links are a finding.",
    )
    adopt.add_argument("--reason", required=True, type=_reason, help="why (recorded)")
    adopt.set_defaults(handler=cmd_adopt)
    accept = actions.add_parser(
        "accept-restore",
        help="record that an older backup was restored on purpose",
        description="After `edc restore` of a backup older than the newest anchored head: "
        "check the store against every anchor up to its own head, then record that the "
        "newer heads are given up on purpose (who, when, why), so verify no longer reports "
        "them as deleted events.",
    )
    accept.add_argument("--reason", required=True, type=_reason, help="why (recorded)")
    accept.set_defaults(handler=cmd_accept_restore)
    migrate = actions.add_parser(
        "migrate-chain",
        help="reseal a store sealed in the older chain format, after verifying it under that",
        description="For a store sealed by an earlier version, whose links do not cover the "
        "participant locator: verify the whole chain under the older format (against every "
        "anchored head) and refuse if it does not verify; else reseal it in the current "
        "format and record who, when and why, with the heads before and after, in the head "
        "log and in the audit trail.",
    )
    migrate.add_argument("--reason", required=True, type=_reason, help="why (recorded)")
    migrate.add_argument(
        "--operator", help="who runs the command (default: EDC_OPERATOR, else the OS user)"
    )
    migrate.set_defaults(handler=cmd_migrate_chain)


def cmd_verify(args: argparse.Namespace, settings: Settings) -> int:
    _require_store(settings)
    trial = build_trial(settings)
    found, damaged = anchors.anchors_for(settings)
    try:
        with _progress_bar() as progress:
            result = verify(
                trial,
                page_size=args.page_size,
                progress=progress,
                expect=args.expect,
                anchors=found,
            )
    finally:
        trial.close()
    if result.ok and damaged:
        print(f"TAMPERED: {'; '.join(damaged)}.")
        return EXIT_TAMPERED
    if result.ok:
        print(f"OK: {result.events_checked} events verified.")
        print(f"Chain head: {result.head}")
        return EXIT_OK
    if result.problem == "older-format":
        print(
            f"OLDER CHAIN FORMAT: {result.events_checked} events verified under the format "
            "of an earlier version; nothing was found tampered."
        )
        print(result.message)
        return EXIT_OLDER_FORMAT
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
    if result.head.position:
        good = f"last good head: {result.head}"
    else:
        good = "no head after the empty chain is known good"
    print(f"{result.events_checked} events before it verified; {good}")
    return EXIT_TAMPERED


def cmd_adopt(args: argparse.Namespace, settings: Settings) -> int:
    _require_store(settings)
    trial = build_trial(settings)
    try:
        before = head(trial)
        after = seal(trial)
        sealed = trial.recorder.max_notification_id() or 0
    finally:
        trial.close()
    if after == before:
        print(f"Nothing to adopt: every stored event is sealed (chain head {after}).")
        return EXIT_OK
    note = f"sealed the events after position {before.position} as stored; reason: {args.reason}"
    anchors.record(settings, "adopted", after, note)
    print(f"Adopted: the events after position {before.position} up to {sealed} are sealed.")
    print(f"Chain head: {after}")
    print(f"Recorded in {anchors.log_for(settings).path}: {note}")
    return EXIT_OK


def cmd_accept_restore(args: argparse.Namespace, settings: Settings) -> int:
    _require_store(settings)
    trial = build_trial(settings)
    try:
        current = head(trial)
        found, damaged = anchors.anchors_for(settings)
        within = [a for a in found if a.head.position <= current.position]
        result = verify(trial, anchors=within)
    finally:
        trial.close()
    if damaged or not result.ok:
        print(
            "REFUSED: the restored store does not verify against the heads anchored up to "
            f"its own ({'; '.join(damaged) or result.message})"
        )
        return EXIT_TAMPERED
    given_up = [a for a in found if a.head.position > current.position]
    note = f"restored store at {current}; reason: {args.reason}"
    anchors.record(settings, "restore-accepted", current, note)
    print(
        f"Restore accepted at chain head {current}: {len(given_up)} newer anchored heads "
        "are superseded."
    )
    print(f"Recorded in {anchors.log_for(settings).path}: {note}")
    return EXIT_OK


def cmd_migrate_chain(args: argparse.Namespace, settings: Settings) -> int:
    _require_store(settings)
    trial = build_trial(settings)
    try:
        done = migrate_chain(trial, settings, operator_actor(args.operator), args.reason)
    finally:
        trial.close()
    if done.refused:
        print(f"REFUSED: {done.message}")
        return EXIT_TAMPERED
    if not done.migrated:
        print(done.message)
        return EXIT_OK
    print(
        f"Migrated: {done.links_resealed} links from position {done.resealed_from} resealed "
        "in the current chain format."
    )
    print(f"Old head: {done.old_head}")
    print(f"Chain head: {done.new_head}")
    print(f"Recorded in {anchors.log_for(settings).path} and in the audit trail.")
    return EXIT_OK


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


def _reason(text: str) -> str:
    reason = " ".join(text.split())
    if not reason:
        raise argparse.ArgumentTypeError("give a reason: it is recorded")
    return reason


def _page_size(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("the page size is at least 1")
    return value
