"""`edc projections status|rebuild|run`: the read models from the command line."""

from __future__ import annotations

import argparse
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from tqdm import tqdm

from domain.numbers import whole_number
from edc.bootstrap import build_trial
from edc.config import Settings
from edc.read_model_wiring import build_projections
from projections.runner import DEFAULT_PAGE_SIZE, Progress
from projections.service import DEFAULT_POLL_INTERVAL, Projections
from projections.spec import VIEW_NAMES, BlindingViolation


@contextmanager
def _projections(settings: Settings, page_size: int) -> Iterator[Projections]:
    trial = build_trial(settings)
    try:
        projections = build_projections(settings, trial, page_size=page_size)
        try:
            yield projections
        finally:
            projections.db.close()
    finally:
        trial.close()


def _print_status(projections: Projections) -> None:
    print(f"{'read model':<12} {'position':>10} {'head':>10} {'behind':>10}  schema")
    for status in projections.status():
        print(
            f"{status.name:<12} {status.position:>10} {status.head:>10} {status.lag:>10}  "
            f"{'current' if status.schema_ok else 'outdated'}"
        )


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    with _projections(settings, DEFAULT_PAGE_SIZE) as projections:
        _print_status(projections)
    return 0


def _progress_bars(projections: Projections) -> tuple[Callable[[str], Progress], list[tqdm]]:
    """A progress bar per read model, shown only on a terminal."""
    bars: list[tqdm] = []
    head = projections.head()

    def for_view(name: str) -> Progress:
        bar = tqdm(
            total=head,
            unit=" events",
            unit_scale=True,
            desc=f"{name:>10}",
            disable=not sys.stderr.isatty(),
        )
        bars.append(bar)

        def update(_applied: int, position: int, _head: int) -> None:
            bar.update(position - bar.n)

        return update

    return for_view, bars


def cmd_rebuild(args: argparse.Namespace, settings: Settings) -> int:
    with _projections(settings, args.page_size) as projections:
        progress, bars = _progress_bars(projections)
        applied = projections.rebuild(args.view or None, progress=progress)
        for bar in bars:
            bar.close()
        for name, count in applied.items():
            print(f"{name}: rebuilt from {count} events")
        _print_status(projections)
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        # The page in hand finishes (or rolls back) as one transaction; then we exit.
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        with _projections(settings, args.page_size) as projections:
            if args.once:
                progress, bars = _progress_bars(projections)
                projections.catch_up(progress=progress, stop=stop)
                for bar in bars:
                    bar.close()
                _print_status(projections)
                return 0
            print(
                f"Following the event store every {args.interval:g} s (SIGTERM or Ctrl-C to stop).",
                file=sys.stderr,
            )
            try:
                projections.follow(stop, args.interval)
            except BlindingViolation as error:
                print(f"edc: stopped: {error}", file=sys.stderr)
                return 1
            print("Stopped.", file=sys.stderr)
            return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _positive_int(text: str) -> int:
    value = whole_number(text)
    if value is None:
        raise argparse.ArgumentTypeError(f"must be a whole number (ASCII digits), not {text!r}")
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _positive_float(text: str) -> float:
    # ASCII digits, finite and short: float() alone takes "٣", "inf" and "1e999".
    if not re.fullmatch(r"[0-9]{1,6}(\.[0-9]{1,6})?", text):
        raise argparse.ArgumentTypeError(
            f"must be a number such as 0.5 (ASCII digits), not {text!r}"
        )
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
    return value


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("projections", help="read models: status, rebuild, run")
    sub = parser.add_subparsers(dest="projections_command", required=True)
    sub.add_parser(
        "status", help="position of each read model against the event store"
    ).set_defaults(handler=cmd_status)

    def page_size(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--page-size",
            type=_positive_int,
            default=DEFAULT_PAGE_SIZE,
            help="events read and applied per transaction (default %(default)s)",
        )

    rebuild = sub.add_parser("rebuild", help="drop the read models and build them again")
    rebuild.add_argument(
        "--view",
        action="append",
        choices=VIEW_NAMES,
        help="only this read model (repeatable; default: all)",
    )
    page_size(rebuild)
    rebuild.set_defaults(handler=cmd_rebuild)

    run = sub.add_parser("run", help="follow the event store (for a separate process)")
    run.add_argument("--once", action="store_true", help="catch up, then exit")
    run.add_argument(
        "--interval",
        type=_positive_float,
        default=DEFAULT_POLL_INTERVAL,
        help="seconds between polls of the event store (default %(default)s)",
    )
    page_size(run)
    run.set_defaults(handler=cmd_run)
