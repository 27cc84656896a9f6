"""`edc users ...`: accounts from the command line, acting as the system (an administrator).

These are the system operator's tools (someone who holds the files anyway); every event they
write names the operator (`--operator`, else EDC_OPERATOR, else the OS user). Passwords are
read from standard input (a prompt without echo on a terminal) so they never appear in the
process list or the shell history; a password set here is one-time (changed at the first
login) unless `--no-change-at-login`. An API token is printed once and never again.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from domain.actor import Actor
from edc.application import Trial
from edc.bootstrap import build_trial
from edc.config import Settings
from edc.operator import operator_actor

Handler = Callable[[argparse.Namespace, Settings], int]


@contextmanager
def opened(settings: Settings) -> Iterator[Trial]:
    trial = build_trial(settings)
    try:
        yield trial
    finally:
        trial.close()


def read_password(prompt: str = "Password: ") -> str:
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass(prompt)
    return sys.stdin.readline().rstrip("\n")


def _operator(args: argparse.Namespace) -> Actor:
    return operator_actor(getattr(args, "operator", None))


def cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as trial:
        user = trial.add_user(
            _operator(args), args.name, args.role, read_password(), site=args.site,
            blinded=args.blinded, full_name=args.full_name, blinding_reason=args.reason,
            one_time=not args.no_change_at_login,
        )  # fmt: skip
    print(
        f"Added {user['name']}: {user['role']}, site {user['site'] or '-'}, "
        f"{'blinded' if user['blinded'] else 'unblinded'}."
    )
    if user["password_change_required"]:
        print("The password must be changed at the first login.")
    return 0


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as trial:
        users = trial.list_users()
    print(f"{'name':<20} {'role':<14} {'site':<8} {'blinded':<8} {'active':<7} {'locked':<7} "
          "last login")  # fmt: skip
    for user in users:
        print(
            f"{user['name']:<20} {user['role']:<14} {user['site'] or '-':<8} "
            f"{_yes(user['blinded']):<8} {_yes(user['active']):<7} "
            f"{_yes(user['locked_out']):<7} {user['last_login'] or '-'}"
        )
    return 0


def cmd_token(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as trial:
        token = trial.issue_token(_operator(args), args.name, args.label)
    # Only the token on stdout, so scripts can capture it; the advice goes to stderr.
    print(token)
    print("Keep this token secret: it is shown only once.", file=sys.stderr)
    return 0


def cmd_revoke_tokens(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as trial:
        if args.token_id:
            trial.revoke_token(_operator(args), args.name, args.token_id)
            revoked = 1
        else:
            revoked = trial.revoke_all_tokens(_operator(args), args.name)
    print(f"Revoked {revoked} token{'' if revoked == 1 else 's'} of {args.name}.")
    return 0


def cmd_deactivate(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as trial:
        trial.deactivate_user(_operator(args), args.name, args.reason)
    print(f"Deactivated {args.name}; its API tokens are revoked.")
    return 0


def cmd_reactivate(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as trial:
        trial.reactivate_user(_operator(args), args.name, args.reason)
    print(f"Reactivated {args.name}.")
    return 0


def cmd_unlock(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as trial:
        trial.unlock_user(_operator(args), args.name)
    print(f"Unlocked {args.name}.")
    return 0


def cmd_set_password(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as trial:
        trial.set_password(
            _operator(args),
            args.name,
            read_password("New password: "),
            one_time=not args.no_change_at_login,
        )
    print(f"Set a new password for {args.name}; its sessions and API tokens are ended.")
    if not args.no_change_at_login:
        print("The password must be changed at the next login.")
    return 0


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def register_users(users: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `edc users` subcommands to the `users` subparsers."""
    add = users.add_parser("add", help="add an account (password read from stdin)")
    add.add_argument("name")
    add.add_argument("--role", required=True)
    add.add_argument("--site")
    add.add_argument("--full-name", help="printed name shown with signatures")
    blinding = add.add_mutually_exclusive_group()
    blinding.add_argument("--blinded", dest="blinded", action="store_true", default=None)
    blinding.add_argument("--unblinded", dest="blinded", action="store_false")
    add.add_argument("--reason", default="", help="why the account is unblinded (required then)")
    _no_change_at_login(add)
    add.set_defaults(handler=cmd_add)

    users.add_parser("list", help="list accounts").set_defaults(handler=cmd_list)

    token = users.add_parser("token", help="issue an API token (printed once)")
    token.add_argument("name")
    token.add_argument("--label", default="", help="what the token is for")
    token.set_defaults(handler=cmd_token)

    revoke = users.add_parser("revoke-tokens", help="revoke an account's API tokens")
    revoke.add_argument("name")
    revoke.add_argument("--token-id", help="revoke only this token (default: all)")
    revoke.set_defaults(handler=cmd_revoke_tokens)

    deactivate = users.add_parser("deactivate", help="deactivate an account")
    deactivate.add_argument("name")
    deactivate.add_argument("--reason", required=True)
    deactivate.set_defaults(handler=cmd_deactivate)

    reactivate = users.add_parser("reactivate", help="reactivate a deactivated account")
    reactivate.add_argument("name")
    reactivate.add_argument("--reason", default="")
    reactivate.set_defaults(handler=cmd_reactivate)

    unlock = users.add_parser("unlock", help="unlock an account locked by failed logins")
    unlock.add_argument("name")
    unlock.set_defaults(handler=cmd_unlock)

    password = users.add_parser("set-password", help="set a password (read from stdin)")
    password.add_argument("name")
    _no_change_at_login(password)
    password.set_defaults(handler=cmd_set_password)


def _no_change_at_login(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-change-at-login",
        action="store_true",
        help="the password need not be changed at the next login",
    )


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `edc users` to the top-level commands."""
    parser = commands.add_parser("users", help="manage accounts")
    parser.add_argument(
        "--operator", help="who runs the command, for the trail (default: EDC_OPERATOR or OS user)"
    )
    register_users(parser.add_subparsers(dest="users_command", required=True))
