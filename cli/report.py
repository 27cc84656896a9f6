"""`edc report consort|enrolment|visits|missing --view ... [--as-of N] --out PATH`.

Reports at an event position, written and announced like exports (cli.export): CONSORT
flow diagram (SVG, or the checked counts as JSON), enrolment over time (SVG or CSV), visit
status and missing data by item (CSV or HTML).
"""

from __future__ import annotations

import argparse

from cli.export import common_arguments, write_file
from domain.actor import Actor
from edc.application import Trial
from edc.config import Settings
from edc.permissions import Action, authorize
from projections.reports.output import ReportKind, write_report


def register(commands: argparse._SubParsersAction) -> None:
    reports = commands.add_parser(
        "report",
        help="reports at an event position: CONSORT diagram, enrolment, visits, missing data",
        description="consort: SVG (JSON counts with --out *.json); enrolment: SVG (CSV with "
        "--out *.csv); visits and missing: CSV (HTML with --out *.html).",
    )
    reports.add_argument("kind", choices=[kind.value for kind in ReportKind])
    common_arguments(reports)
    reports.set_defaults(handler=cmd_report)


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    kind = ReportKind(args.kind)
    return write_file(
        args,
        settings,
        f"Report {kind}",
        lambda cut, out, name: write_report(kind, cut, out, name),
        check=_may_read_reports,
    )


def _may_read_reports(trial: Trial, actor: Actor) -> None:
    authorize(actor, Action.VIEW_CLINICAL)
