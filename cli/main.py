"""The `edc` command line (DESIGN.md, "Contract: command line")."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta

from cli import (
    allocation,
    analysis,
    audit,
    backup,
    casebook,
    export,
    projections,
    report,
    serve,
    users,
)
from domain.errors import EdcError
from edc.audit.links import ChainBroken
from edc.config import Settings
from edc.demo.today import DEFAULT_TODAY

Handler = Callable[[argparse.Namespace, Settings], int]


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from edc.demo.build import build_demo
    from edc.demo.planted import PlantedEffect
    from edc.demo.summary import trial_summary
    from edc.demo.users import demo_logins

    started = time.perf_counter()
    planted = PlantedEffect() if args.plant_effect else None
    trial = build_demo(settings, args.participants, args.seed, planted=planted, today=args.today)
    elapsed = time.perf_counter() - started
    events = trial.recorder.max_notification_id() or 0
    print(f"The demo trial as it stands at the start of {args.today.isoformat()}.")
    print(trial_summary(trial))
    print("Demo logins:")
    print("\n".join(demo_logins()))
    print(f"{events} events recorded in {elapsed:.1f} s ({events / elapsed:.0f} events/s).")
    trial.close()
    return 0


def demo_day(text: str) -> date:
    """A `--today` for the demo: an ISO date, not in the future (events never are)."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None
    if day > datetime.now(UTC).date() + timedelta(days=1):
        raise argparse.ArgumentTypeError(
            f"{text} is in the future: the demo records only what has already happened"
        )
    return day


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="edc", description="Modic EDC (NCT00454792)")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="build a synthetic trial through the use cases")
    demo.add_argument(
        "--participants",
        type=int,
        default=200,
        help="number of people screened (about 40%% end up randomised)",
    )
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument(
        "--today",
        type=demo_day,
        default=DEFAULT_TODAY,
        metavar="YYYY-MM-DD",
        help="the day the demo trial is live on: people screened up to the day before, visits "
        f"due, queries and signatures waiting (default {DEFAULT_TODAY.isoformat()}, so a seed "
        "always gives the same store)",
    )
    demo.add_argument(
        "--plant-effect",
        action="store_true",
        help="plant a known effect to check the analysis: rest lowers LBP now at week 10 by "
        "1.5 points in Modic type 1 or 1/2, and nowhere else",
    )
    demo.set_defaults(handler=cmd_demo)

    users.register(commands)
    serve.register(commands)
    projections.register(commands)
    backup.register(commands)
    audit.register(commands)
    export.register(commands)
    report.register(commands)
    analysis.register(commands)
    allocation.register(commands)
    casebook.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Whatever the store, exports or backups write is for the owner only (any local user
    # could otherwise read every arm).
    os.umask(0o077)
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args, Settings.from_environ())
    except EdcError as error:
        print(f"edc: {error.message}", file=sys.stderr)
        return 2
    except ChainBroken as error:
        print(f"edc: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
