"""The analyst snapshot: its contents, its manifest, and the same bytes for the same as_of."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest

from domain.protocol import ARM_REVEALING_FORMS, FORMS
from edc.audit.chain import head_at
from edc.bootstrap import build_trial
from edc.config import Settings
from edc.exports import store_reader
from projections.exports import Cut, ExportError, ExportKind, View
from tests import factories
from tests.app import journeys
from tests.exports.conftest import Built, export_bytes


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def mri_levels(form: str) -> list[str]:
    return ["mri_level.csv"] if form == "mri" else []


def rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


@pytest.mark.parametrize("view", list(View))
def test_the_same_as_of_gives_the_same_bytes_after_more_data_arrived(
    fresh: Built, view: View
) -> None:
    trial, staff, small = fresh.trial, fresh.actors["site_staff"], fresh.small
    as_of = trial.recorder.max_notification_id()
    before = {kind: export_bytes(fresh.reader, kind, view, as_of) for kind in ExportKind}

    # More data of every kind: a new person, a correction, adherence, a signature.
    journeys.screened(trial, staff)
    trial.correct_form(
        staff,
        small.ids["F"],
        "baseline",
        factories.outcomes(LBP_NOW=7),
        expected_version=1,
        reason={"code": "late_source", "text": "from the paper CRF"},
    )
    trial.record_form(
        staff,
        small.ids["H"],
        "adherence",
        {"EXERCISE_SESSIONS": 3} if small.arms["H"] == "exercise" else {"REST_HOURS_PER_DAY": 2.5},
        expected_version=0,
    )
    assert (trial.recorder.max_notification_id() or 0) > (as_of or 0)

    after = {kind: export_bytes(fresh.reader, kind, view, as_of) for kind in ExportKind}
    assert after == before
    assert export_bytes(fresh.reader, ExportKind.CSV, view) != before[ExportKind.CSV]


@pytest.mark.parametrize("view", list(View))
def test_the_snapshot_holds_participants_forms_dictionary_and_manifest(
    built: Built, view: View
) -> None:
    files = unzip(export_bytes(built.reader, ExportKind.CSV, view))
    # CRF.md changed: adverse events and discontinuation are arm-revealing too.
    forms = [f for f in FORMS if not (view is View.BLINDED and f in ARM_REVEALING_FORMS)]
    # The allocation decisions are for unblinded reviewers only (issue "The trial as it ran").
    decisions = [] if view is View.BLINDED else ["allocation.csv"]
    # The MRI form's repeating group follows it as a long table (CRF.md).
    form_files = [name for form in forms for name in (f"{form}.csv", *mri_levels(form))]
    assert list(files) == [
        "participants.csv",
        *form_files,
        *decisions,
        "dictionary.csv",
        "manifest.json",
    ]
    participants = rows(files["participants.csv"])
    assert [p["screening_number"] for p in participants] == [f"RINGE-{n:04d}" for n in range(1, 9)]
    columns = list(participants[0])
    expected = ["participant_id", "screening_number", "site", "status", "randomised_on"]
    # The minimisation factor levels the randomisation used (for the analysis as randomised).
    expected += ["RAND_SEX", "RAND_AGE", "RAND_SMOKING", "RAND_PHYSICAL_LOAD", "RAND_MODIC_TYPE"]
    assert columns == (expected if view is View.BLINDED else [*expected, "ARM"])
    statuses = [p["status"] for p in participants]
    assert statuses == [
        "screen failure",
        "screen failure",
        "excluded at MRI",
        "ended: withdrew consent",
        "awaiting consent",
        "randomised",
        "ended: lost to follow-up",
        "randomised",
    ]
    if view is View.UNBLINDED:
        assert [p["ARM"] for p in participants[5:]] == [built.small.arms[n] for n in "FGH"]

    weekly = rows(files["weekly.csv"])
    assert [(w["screening_number"], w["WEEK"], w["LBP_DAYS"]) for w in weekly] == [
        ("RINGE-0006", "1", "3"),
        ("RINGE-0006", "2", "2"),
    ]
    month12 = rows(files["month12.csv"])
    assert len(month12) == 1 and month12[0]["LBP_NOW"] == "2"
    assert month12[0]["visit"] == "month12"
    # Derived scores follow the items: mean of 2, 8, 5; no RMDQ item is Y; EQ-5D 11221.
    assert (month12[0]["LBP_MEAN3"], month12[0]["RMDQ_SCORE"], month12[0]["EQ5D_INDEX_DK"]) == (
        "5.0",
        "0",
        "0.776",
    )
    mri = rows(files["mri.csv"])
    assert [(m["MODIC_PRESENT"], m["INCLUDED"]) for m in mri][:2] == [("N", "N"), ("Y", "Y")]


def test_the_manifest_states_position_time_view_chain_head_and_digests(built: Built) -> None:
    as_of = built.small.after_randomisation
    data = export_bytes(built.reader, ExportKind.CSV, View.BLINDED, as_of)
    files = unzip(data)
    manifest = json.loads(files.pop("manifest.json"))
    assert manifest["as_of"] == as_of
    assert manifest["view"] == "blinded"
    assert manifest["chain_head"] == f"{as_of}:{head_at(built.trial, as_of)}"
    assert manifest["files"] == {
        name: {"sha256": hashlib.sha256(content).hexdigest(), "bytes": len(content)}
        for name, content in files.items()
    }
    # The time of the last event included: in the blinded view, the last blinded-safe one.
    last = max(
        (
            n
            for n in built.trial.recorder.select_notifications(start=1, limit=as_of, stop=as_of)
            if "Allocation" not in n.topic and "Adherence" not in n.topic
        ),
        key=lambda n: n.id,
    )
    assert manifest["as_of_time"] == built.trial.mapper.to_domain_event(last).timestamp.isoformat()
    # No wall-clock time anywhere: every zip entry carries the same fixed time.
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_an_earlier_position_shows_the_trial_as_it_stood_then(built: Built) -> None:
    files = unzip(
        export_bytes(built.reader, ExportKind.CSV, View.UNBLINDED, built.small.after_randomisation)
    )
    assert rows(files["weekly.csv"]) == []
    assert rows(files["week10.csv"]) == []
    assert rows(files["adherence.csv"]) == []
    statuses = [p["status"] for p in rows(files["participants.csv"])]
    assert statuses[5:] == ["randomised", "randomised", "randomised"]


def test_a_position_outside_the_store_is_refused_with_a_clear_message(built: Built) -> None:
    head = built.trial.recorder.max_notification_id()
    for as_of in (0, (head or 0) + 1):
        with pytest.raises(ExportError, match=f"out of range: the store holds events 1 to {head}"):
            Cut.of(built.reader, View.BLINDED, as_of)


def test_an_empty_store_has_nothing_to_export(tmp_path: Path) -> None:
    empty = build_trial(Settings(data_dir=tmp_path / "var"))
    try:
        with pytest.raises(ExportError, match="empty"):
            Cut.of(store_reader(empty), View.BLINDED)
    finally:
        empty.close()


def test_the_dictionary_is_generated_from_the_protocol_as_csv_and_html(built: Built) -> None:
    entries = rows(
        export_bytes(
            built.reader, ExportKind.DICTIONARY, View.UNBLINDED, file_name="dictionary.csv"
        )
    )
    by_item = {(e["file"], e["item"]): e for e in entries}
    age = by_item[("screening", "AGE")]
    assert (age["type"], age["range"], age["required"]) == ("integer", "0..120", "yes")
    assert by_item[("baseline", "BOTHER")]["codes"].startswith("1=Not at all; 2=Slightly")
    assert by_item[("mri", "MODIC_TYPE")]["required"] == "when MODIC_PRESENT = Y"
    assert "mean of LBP_NOW" in by_item[("baseline", "LBP_MEAN3")]["derivation"]
    assert by_item[("participants", "ARM")]["codes"].startswith("exercise=")
    page = export_bytes(
        built.reader, ExportKind.DICTIONARY, View.BLINDED, file_name="dictionary.html"
    ).decode()
    assert page.startswith("<!DOCTYPE html>") and "<td>LBP_MEAN3</td>" in page
    with pytest.raises(ExportError, match=r"\.csv or \.html"):
        export_bytes(built.reader, ExportKind.DICTIONARY, View.BLINDED, file_name="d.pdf")


def test_the_mri_levels_are_a_long_table_keyed_by_level(fresh: Built) -> None:
    trial, staff = fresh.trial, fresh.actors["site_staff"]
    pid = journeys.screened(trial, staff)
    trial.record_mri(
        staff,
        pid,
        factories.mri(
            MODIC_LEVELS=["L4/L5", "L5/S1"],
            LEVEL_MODIC_TYPE_L5S1="2",
            LEVEL_MODIC_LARGE_L5S1="Y",
            LEVEL_PFIRRMANN_L5S1=4,
            LEVEL_HERNIATION_L5S1="extrusion",
        ),
    )
    files = unzip(export_bytes(fresh.reader, ExportKind.CSV, View.BLINDED))
    mine = [r for r in rows(files["mri_level.csv"]) if r["participant_id"] == str(pid)]
    assert [
        (r["LEVEL"], r["LEVEL_MODIC_TYPE"], r["LEVEL_MODIC_LARGE"], r["LEVEL_PFIRRMANN"])
        for r in mine
    ] == [("L4/L5", "1", "N", ""), ("L5/S1", "2", "Y", "4")]
    assert mine[1]["LEVEL_HERNIATION"] == "extrusion" and mine[0]["visit"] == "screening"
    described = {r["item"] for r in rows(files["dictionary.csv"]) if r["file"] == "mri_level"}
    assert described == {
        "LEVEL",
        "LEVEL_MODIC_TYPE",
        "LEVEL_MODIC_LARGE",
        "LEVEL_PFIRRMANN",
        "LEVEL_HERNIATION",
    }
