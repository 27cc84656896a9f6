"""Enrolment over time, visit status and missing data by item, at a cut-off."""

from __future__ import annotations

import csv
import io

from lxml import etree

from projections.exports import Cut, View
from projections.reports.enrolment import Month, enrolment_at
from projections.reports.missing import missing_report
from projections.reports.output import ReportKind, render_report
from projections.reports.visits import visit_report, visit_summary
from tests.exports.conftest import Built


def test_enrolment_counts_screened_and_randomised_by_month(built: Built) -> None:
    series = enrolment_at(Cut.of(built.reader, View.BLINDED))
    assert series == [Month("2024-01", 8, 3, 8, 3)]
    svg = render_report(ReportKind.ENROLMENT, Cut.of(built.reader, View.BLINDED), "e.svg")
    root = etree.fromstring(svg.encode())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "screened (8)" in svg and "randomised (3)" in svg


def test_visit_status_on_the_cut_off_date(built: Built) -> None:
    lines = visit_report(Cut.of(built.reader, View.BLINDED))
    by_person = {(line.screening_number, line.visit): (line.status, line.done_on) for line in lines}
    assert by_person == {
        ("RINGE-0006", "baseline"): ("done", "2024-01-14"),
        ("RINGE-0006", "week10"): ("done", "2024-03-25"),
        ("RINGE-0006", "month12"): ("done", "2025-03-24"),
        ("RINGE-0007", "baseline"): ("done", "2024-01-14"),
        # G ended (lost to follow-up) before these windows closed.
        ("RINGE-0007", "week10"): ("cancelled", None),
        ("RINGE-0007", "month12"): ("cancelled", None),
        ("RINGE-0008", "baseline"): ("done", "2024-01-14"),
        ("RINGE-0008", "week10"): ("done", "2024-03-25"),
        # The cut-off is 2025-03-25: past the target day 434 (2025-03-24), window still open.
        ("RINGE-0008", "month12"): ("overdue", None),
    }
    summary = {row[0]: row for row in visit_summary(lines)}
    assert summary["month12"][-1] == 3
    page = render_report(ReportKind.VISITS, Cut.of(built.reader, View.BLINDED), "v.html")
    assert "<h2>Summary</h2>" in page and "RINGE-0008" in page


def test_missing_data_by_item_over_the_forms_entered(built: Built) -> None:
    lines = {
        (line.form, line.item): line for line in missing_report(Cut.of(built.reader, View.BLINDED))
    }
    modic_type = lines[("mri", "MODIC_TYPE")]
    assert (modic_type.forms_entered, modic_type.missing) == (6, 1)  # C had no Modic changes
    assert modic_type.required == "when MODIC_PRESENT = Y"
    assert (lines[("weekly", "LBP_DAYS")].forms_entered, lines[("weekly", "LBP_DAYS")].missing) == (
        2,
        0,
    )
    assert lines[("screening", "AGE")].missing_percent == "0.0"
    assert ("adherence", "EXERCISE_SESSIONS") not in lines  # blinded view
    text = render_report(ReportKind.MISSING, Cut.of(built.reader, View.UNBLINDED), "m.csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    adherence = [row for row in rows if row["form"] == "adherence"]
    assert adherence and adherence[0]["forms_entered"] == "2"
