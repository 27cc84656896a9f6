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

from domain.protocol import VISIT_BY_KEY, WINDOW_DEVIATION
from projections.exports.casebook_words import ENGLISH, Words
from projections.exports.manifest import DigestingWriter, build_manifest
from projections.exports.source import Cut, ExportError
from projections.reports import enrolment, missing, visits
from projections.reports.consort import consort_counts
from projections.reports.consort_svg import consort_svg
from projections.reports.tables import page_html, table_csv
from projections.visits import VISIT_STATUSES


class ReportKind(StrEnum):
    CONSORT = "consort"
    ENROLMENT = "enrolment"
    VISITS = "visits"
    MISSING = "missing"


def caption(cut: Cut, w: Words = ENGLISH) -> str:
    at = cut.last_event_time()
    text = w.gettext("%(study)s, %(view)s view, events up to position %(position)s (%(at)s)")
    return text % {
        "study": "NCT00454792",
        "view": w.word(cut.view.value),
        "position": cut.as_of,
        # English keeps the ISO time it always had; another language writes it its own way.
        "at": at.isoformat(timespec="seconds") if w.lang == ENGLISH.lang else w.time(at),
    }


def _deviation(text: str | None, w: Words) -> str | None:
    """A visit out of its window, as recorded (in English), in the reader's language; another
    deviation's description is shown as it was written."""
    found = WINDOW_DEVIATION.match(text or "")
    if found is None:
        return text
    message = w.gettext(
        "%(visit)s on study day %(day)s is %(side)s: the window is day %(low)s to day %(high)s"
    )
    return message % {
        **found.groupdict(),
        "visit": w.crf(found["visit"]),
        "side": w.gettext(found["side"]),
    }


def visits_html(cut: Cut, w: Words = ENGLISH) -> str:
    """The visit status report as a page for people, in the reader's language: headings,
    statuses, visit and reason labels and dates translated; codes and numbers as they are."""
    lines = visits.visit_report(cut, w.crf)
    day = visits.cut_off_date(cut)
    summary_columns = [w.gettext("visit"), *map(w.word, VISIT_STATUSES), w.gettext("total")]
    summary = [
        (w.crf(VISIT_BY_KEY[row[0]].label), *row[1:]) if row[0] in VISIT_BY_KEY else row
        for row in visits.visit_summary(lines)
    ]
    # For people, the columns are words (the CSV keeps the field names).
    columns = [
        w.gettext("participant"),
        w.gettext("screening number"),
        w.gettext("visit"),
        w.gettext("target date"),
        w.gettext("window opens"),
        w.gettext("window closes"),
        w.gettext("done on"),
        w.gettext("status"),
        w.gettext("deviation"),
        w.gettext("reason missed"),
    ]
    rows = [
        (
            line.participant_id,
            line.screening_number,
            w.crf(VISIT_BY_KEY[line.visit].label) if line.visit in VISIT_BY_KEY else line.visit,
            w.date(line.target_on),
            w.date(line.window_start),
            w.date(line.window_end),
            w.date(line.done_on),
            w.word(line.status),
            _deviation(line.deviation, w),
            line.missed_reason,
        )
        for line in lines
    ]
    subtitle = w.gettext("%(caption)s; status on %(day)s") % {
        "caption": caption(cut, w),
        "day": w.date(day),
    }
    return page_html(
        w.gettext("Visit status"),
        subtitle,
        [
            (w.gettext("Summary"), summary_columns, summary),
            (w.gettext("By participant"), columns, rows),
        ],
        lang=w.lang,
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


def render_report(kind: ReportKind, cut: Cut, file_name: str, w: Words = ENGLISH) -> str:
    """The report as text; the pages for people (HTML) are worded in `w`'s language."""
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
        if html_out:
            return visits_html(cut, w)
        return table_csv(visits.COLUMNS, visits.as_rows(visits.visit_report(cut)))
    lines_missing = missing.missing_report(cut)
    if html_out:
        return page_html(
            "Missing data by item",
            caption(cut),
            [("", missing.COLUMNS, missing.as_rows(lines_missing))],
        )
    return table_csv(missing.COLUMNS, missing.as_rows(lines_missing))


def write_report(
    kind: ReportKind, cut: Cut, out: IO[bytes], file_name: str, w: Words = ENGLISH
) -> dict[str, Any]:
    """Write one report of the cut to `out`; returns its manifest."""
    target = DigestingWriter(out)
    target.write(render_report(kind, cut, file_name, w).encode("utf-8"))
    return build_manifest(cut, f"report:{kind}", {file_name: target.digest})
