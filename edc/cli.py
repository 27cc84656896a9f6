"""The `edc` command line (DESIGN.md, "Contract: command line")."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence

from domain.errors import EdcError
from edc.application import SYSTEM
from edc.bootstrap import build_trial
from edc.config import Settings

Handler = Callable[[argparse.Namespace, Settings], int]


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from edc.demo.build import build_demo
    from edc.demo.summary import trial_summary

    started = time.perf_counter()
    trial = build_demo(settings, args.participants, args.seed)
    elapsed = time.perf_counter() - started
    events = trial.recorder.max_notification_id() or 0
    print(trial_summary(trial))
    print(f"{events} events recorded in {elapsed:.1f} s ({events / elapsed:.0f} events/s).")
    trial.close()
    return 0


def read_password() -> str:
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass("Password: ")
    return sys.stdin.readline().rstrip("\n")


def cmd_users_add(args: argparse.Namespace, settings: Settings) -> int:
    trial = build_trial(settings)
    try:
        user = trial.add_user(
            SYSTEM, args.name, args.role, read_password(), site=args.site, blinded=args.blinded
        )
    finally:
        trial.close()
    print(f"Added {user['name']}: {user['role']}, site {user['site'] or '-'}, "
          f"{'blinded' if user['blinded'] else 'unblinded'}.")
    return 0


def cmd_users_list(args: argparse.Namespace, settings: Settings) -> int:
    trial = build_trial(settings)
    try:
        users = trial.list_users()
    finally:
        trial.close()
    print(f"{'name':<20} {'role':<14} {'site':<8} {'blinded':<8} active")
    for user in users:
        print(f"{user['name']:<20} {user['role']:<14} {user['site'] or '-':<8} "
              f"{'yes' if user['blinded'] else 'no':<8} {'yes' if user['active'] else 'no'}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="edc", description="Modic EDC (NCT00454792)")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="build a synthetic trial through the use cases")
    demo.add_argument("--participants", type=int, default=200,
                      help="number of people screened (about 40%% end up randomised)")
    demo.add_argument("--seed", type=int, default=1)
    demo.set_defaults(handler=cmd_demo)

    users = commands.add_parser("users", help="manage accounts").add_subparsers(
        dest="users_command", required=True)
    add = users.add_parser("add", help="add an account (password read from stdin)")
    add.add_argument("name")
    add.add_argument("--role", required=True)
    add.add_argument("--site")
    blinding = add.add_mutually_exclusive_group()
    blinding.add_argument("--blinded", dest="blinded", action="store_true", default=None)
    blinding.add_argument("--unblinded", dest="blinded", action="store_false")
    add.set_defaults(handler=cmd_users_add)
    users.add_parser("list", help="list accounts").set_defaults(handler=cmd_users_list)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args, Settings.from_environ())
    except EdcError as error:
        print(f"edc: {error.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
