"""Writing a report of a cut to a file, with the same manifest as the exports.

- consort: the flow diagram as SVG (or the checked counts as JSON when the file ends .json);
- enrolment: the chart as SVG (or the monthly series as CSV when the file ends .csv);
- visits: visit status per participant and visit as CSV (or HTML with a summary table);
- missing: missing data by item as CSV (or HTML).
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import IO, Any

from projections.exports.manifest import DigestingWriter, build_manifest
from projections.exports.source import Cut, ExportError
from projections.reports import enrolment, missing, visits
from projections.reports.consort import consort_counts
from projections.reports.consort_svg import consort_svg
from projections.reports.tables import page_html, table_csv


class ReportKind(StrEnum):
    CONSORT = "consort"
    ENROLMENT = "enrolment"
    VISITS = "visits"
    MISSING = "missing"


def caption(cut: Cut) -> str:
    return (
        f"NCT00454792, {cut.view} view, events up to position {cut.as_of} "
        f"({cut.last_event_time().isoformat(timespec='seconds')})"
    )


SUFFIXES: dict[ReportKind, tuple[str, ...]] = {
    ReportKind.CONSORT: (".svg", ".json"),
    ReportKind.ENROLMENT: (".svg", ".csv"),
    ReportKind.VISITS: (".csv", ".html"),
    ReportKind.MISSING: (".csv", ".html"),
}


def check_file_name(kind: ReportKind, file_name: str) -> None:
    if not file_name.lower().endswith(SUFFIXES[kind]):
        raise ExportError(
            f"The {kind} report is written as "
            + " or ".join(SUFFIXES[kind])
            + f"; {file_name!r} has neither ending."
        )


def render_report(kind: ReportKind, cut: Cut, file_name: str) -> str:
    check_file_name(kind, file_name)
    file_name = file_name.lower()
    html_out = file_name.endswith(".html")
    if kind is ReportKind.CONSORT:
        counts = consort_counts(cut)
        if file_name.endswith(".json"):
            return json.dumps(counts, indent=2, sort_keys=True) + "\n"
        return consort_svg(counts, blinded=cut.view.blinded, caption=caption(cut))
    if kind is ReportKind.ENROLMENT:
        series = enrolment.enrolment_at(cut)
        if file_name.endswith(".csv"):
            return enrolment.enrolment_csv(series)
        return enrolment.enrolment_svg(series, caption(cut))
    if kind is ReportKind.VISITS:
        lines = visits.visit_report(cut)
        if html_out:
            return page_html(
                "Visit status",
                f"{caption(cut)}; status on {visits.cut_off_date(cut).isoformat()}",
                [
                    ("Summary", visits.SUMMARY_COLUMNS, visits.visit_summary(lines)),
                    ("By participant", visits.COLUMNS, visits.as_rows(lines)),
                ],
            )
        return table_csv(visits.COLUMNS, visits.as_rows(lines))
    lines_missing = missing.missing_report(cut)
    if html_out:
        return page_html(
            "Missing data by item",
            caption(cut),
            [("", missing.COLUMNS, missing.as_rows(lines_missing))],
        )
    return table_csv(missing.COLUMNS, missing.as_rows(lines_missing))


def write_report(kind: ReportKind, cut: Cut, out: IO[bytes], file_name: str) -> dict[str, Any]:
    """Write one report of the cut to `out`; returns its manifest."""
    target = DigestingWriter(out)
    target.write(render_report(kind, cut, file_name).encode("utf-8"))
    return build_manifest(cut, f"report:{kind}", {file_name: target.digest})
