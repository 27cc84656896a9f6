"""`edc backup PATH` and `edc restore PATH [--force]` (see `edc.backup`)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from edc.config import Settings

if TYPE_CHECKING:
    from edc.backup import Outcome


def _summary(verb: str, outcome: Outcome) -> str:
    manifest = outcome.manifest
    size = sum(int(f["bytes"]) for f in manifest.files.values())
    return (
        f"{verb} {outcome.path}: {manifest.backend}, {manifest.events} events, "
        f"chain head {manifest.chain_head or '-'}, {len(manifest.files)} files, "
        f"{size / 1e6:.1f} MB (made {manifest.created_at})."
    )


# edc.backup is imported by the two commands that use it: it loads the rate-limit library,
# which every other `edc` command would load for nothing.


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    from edc.backup import backup

    print(_summary("Backed up to", backup(settings, Path(args.path))))
    return 0


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    from edc.backup import restore

    outcome = restore(settings, Path(args.path), force=args.force)
    print(_summary("Restored from", outcome))
    if outcome.notice:
        print(outcome.notice)
    print("Run `edc audit verify` to check the whole chain; read models catch up on start.")
    print(
        "Keys are not in backups: put the key files back into the key directory "
        "(EDC_KEY_DIR) or set EDC_SESSION_KEY and EDC_PHONE_KEY as before."
    )
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    made = commands.add_parser(
        "backup",
        help="copy the event store and read models (SQLite online backup, or pg_dump)",
        description="Back up the trial into PATH: a new directory, or a .tar/.tar.gz archive.",
    )
    made.add_argument("path", metavar="PATH")
    made.set_defaults(handler=cmd_backup)
    back = commands.add_parser(
        "restore",
        help="restore a backup into EDC_DATA_DIR or EDC_DATABASE_URL",
        description="Restore the backup at PATH. The target must be empty unless --force; "
        "stop every server and projection runner on it first.",
    )
    back.add_argument("path", metavar="PATH")
    back.add_argument(
        "--force", action="store_true", help="replace everything the target already holds"
    )
    back.set_defaults(handler=cmd_restore)
