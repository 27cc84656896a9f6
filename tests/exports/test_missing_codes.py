"""Exports of the corrected CRF: missing-answer codes beside their items (CSV and ODM, valid
against the ODM 1.3.2 schema), adverse events as a long table, and the dictionary explaining
both the codes and the undefined scores."""

from __future__ import annotations

import io

from lxml import etree

from projections.exports import ExportKind, View
from projections.exports.odm.checks import check_odm
from projections.exports.odm.xml import q
from tests import factories
from tests.exports.conftest import Built, export_bytes
from tests.exports.test_snapshot import rows, unzip

ODM_KINDS = (ExportKind.ODM, ExportKind.ODM_SNAPSHOT)


def _add_coded_visit_and_adverse_events(fresh: Built) -> None:
    trial, ids = fresh.trial, fresh.small.ids
    staff, assessor = fresh.actors["site_staff"], fresh.actors["assessor"]
    month12 = factories.outcomes(
        "month12",
        ASSESS_DATE="2025-03-24",
        LBP_NOW={"missing": "ND"},
        RMDQ_05={"missing": "ANS"},
        RMDQ_01="Y",
    )
    trial.record_form(assessor, ids["H"], "month12", month12, expected_version=0)
    for number, term in ((1, "Back pain flare"), (2, "Fall")):
        trial.record_form(
            staff,
            ids["F"],
            "adverse_event",
            factories.adverse_event(AE_TERM=term, AE_ONSET="2024-02-01", AE_END="2024-02-03"),
            expected_version=number - 1,
        )


def test_csv_carries_codes_beside_numeric_items_and_aes_as_a_long_table(fresh: Built) -> None:
    _add_coded_visit_and_adverse_events(fresh)
    files = unzip(export_bytes(fresh.reader, ExportKind.CSV, View.UNBLINDED))
    month12 = rows(files["month12.csv"])
    header = list(month12[0])
    assert header.index("LBP_NOW_NC") == header.index("LBP_NOW") + 1
    coded = next(row for row in month12 if row["LBP_NOW_NC"])
    assert (coded["LBP_NOW"], coded["LBP_NOW_NC"]) == ("", "ND")
    assert (coded["RMDQ_05"], coded["RMDQ_05_NC"]) == ("", "ANS")
    assert coded["LBP_MEAN3"] == ""  # undefined: an input is missing
    assert coded["RMDQ_SCORE"] == "1"  # 1 Y of 22 answered, prorated: 23/22 -> 1
    events = rows(files["adverse_event.csv"])
    assert [(row["AE_NO"], row["AE_TERM"]) for row in events] == [
        ("1", "Back pain flare"),
        ("2", "Fall"),
    ]
    assert {row["visit"] for row in events} == {"anytime"}
    blinded = unzip(export_bytes(fresh.reader, ExportKind.CSV, View.BLINDED))
    assert "adverse_event.csv" not in blinded and "discontinuation.csv" not in blinded
    assert "AE_TERM" not in blinded["dictionary.csv"].decode()


def test_dictionary_explains_missing_codes_and_undefined_scores(fresh: Built) -> None:
    files = unzip(export_bytes(fresh.reader, ExportKind.CSV, View.BLINDED))
    entries = {(row["file"], row["item"]): row for row in rows(files["dictionary.csv"])}
    companion = entries[("week10", "LBP_NOW_NC")]
    assert "ANS=Asked, not answered" in companion["codes"]
    assert "ND=" in companion["codes"] and "UNK=" in companion["codes"]
    assert "never both" in companion["note"]
    assert "prorated" in entries[("baseline", "RMDQ_SCORE")]["derivation"]
    assert "undefined" in entries[("month12", "LBP_MEAN3")]["derivation"]
    assert "undefined" in entries[("month12", "EQ5D_INDEX_DK")]["derivation"]


def test_odm_carries_codes_in_companion_item_data_and_stays_valid(
    fresh: Built, odm_schema: etree.XMLSchema
) -> None:
    _add_coded_visit_and_adverse_events(fresh)
    for view in View:
        for kind in ODM_KINDS:
            data = export_bytes(fresh.reader, kind, view)
            root = etree.fromstring(data)
            assert odm_schema.validate(root), odm_schema.error_log
            assert check_odm(io.BytesIO(data)).problems == []
            values = {
                item.get("ItemOID"): item.get("Value")
                for subject in root.iter(q("SubjectData"))
                if subject.get("SubjectKey") == "RINGE-0008"  # H, whose 1-year visit is coded
                for form in subject.iter(q("FormData"))
                if form.get("FormOID") == "F.MONTH12"
                for item in form.iter(q("ItemData"))
            }
            assert values["I.LBP_NOW_NC"] == "ND" and "I.LBP_NOW" not in values
            assert values["I.RMDQ_05_NC"] == "ANS" and values["I.RMDQ_01"] == "Y"
            forms = {form.get("FormOID") for form in root.iter(q("FormData"))}
            assert ("F.ADVERSE_EVENT" in forms) is (view is View.UNBLINDED)
            defs = {d.get("OID") for d in root.iter(q("ItemDef"))}
            assert "I.LBP_NOW_NC" in defs
            assert ("I.AE_TERM" in defs) is (view is View.UNBLINDED)
