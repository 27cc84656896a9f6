"""`edc allocation recheck`: re-check every allocation against its stored decision record.

For the operator (the shell has the store, and with it every arm): each allocation is decided
again from the ones before it, its stored factor levels and draw, and its levels are compared
with the participant's values as they stood when randomised. Exit 0 when every allocation
agrees, 1 naming each one that does not.
"""

from __future__ import annotations

import argparse
import json

from cli.users import opened
from edc.config import Settings


def register(commands: argparse._SubParsersAction) -> None:
    allocation = commands.add_parser("allocation", help="the allocation sequence")
    actions = allocation.add_subparsers(dest="allocation_command", required=True)
    recheck = actions.add_parser(
        "recheck",
        help="re-check every allocation against its stored minimisation decision",
        description="Exit 0 when every allocation agrees with its stored decision, 1 otherwise.",
    )
    recheck.add_argument("--json", action="store_true", help="print the full re-check as JSON")
    recheck.set_defaults(handler=cmd_recheck)


def cmd_recheck(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as trial:
        result = trial.allocation_recheck()
    if args.json:
        print(json.dumps(result, indent=2, sort_keys=True))
    else:
        for check in result["mismatches"]:
            problems = []
            if not check["agrees"]:
                problems.append("minimisation gives another decision than the one stored")
            if check["levels_as_randomised"] is False:
                problems.append("stored levels differ from the participant's values")
            print(
                f"MISMATCH {check['randomisation_number']} {check['screening_number']}: "
                + "; ".join(problems)
            )
        print(
            f"{result['agree']} of {result['allocations']} allocations agree with their "
            "stored decision."
        )
    return 0 if result["agree"] == result["allocations"] else 1
