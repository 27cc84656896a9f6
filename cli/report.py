"""`edc report consort|enrolment|visits|missing --view ... [--as-of N] --out PATH`.

Reports at an event position, written and announced like exports (cli.export): CONSORT
flow diagram (SVG, or the checked counts as JSON), enrolment over time (SVG or CSV), visit
status and missing data by item (CSV or HTML).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.export import CHANNEL, common_arguments, write_file
from edc.config import Settings
from edc.usecases.downloads import ReportKind, report_download
from projections.reports.output import write_report


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
        as_user=lambda trial, actor: report_download(
            trial, actor, kind, Path(args.out).suffix, args.view, args.as_of, CHANNEL
        ),
    )
