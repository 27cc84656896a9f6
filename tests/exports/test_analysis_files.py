"""Analysis-ready files: every table of the snapshot as Stata, SPSS, SAS transport and Parquet,
and an R reader, each read back by an independent reader and compared with the CSV."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import shutil
import subprocess
import zipfile
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pyreadstat
import pytest

from projections.exports import ExportKind, View
from projections.exports.analysis_files import write_analysis_files
from projections.exports.analysis_files.columns import (
    SPSS_MISSING,
    entries_by_file,
    read_dictionary,
)
from projections.exports.analysis_files.formats import pin_timestamp
from tests.exports.conftest import Built, export_bytes

FORMATS = {
    "stata": (".dta", pyreadstat.read_dta),
    "spss": (".sav", pyreadstat.read_sav),
    "sas": (".xpt", pyreadstat.read_xport),
}


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def read_member(files: dict[str, bytes], name: str, tmp_path: Path, **options: object) -> tuple:
    path = tmp_path / name.replace("/", "_")
    path.write_bytes(files[name])
    reader = FORMATS[name.split("/")[0]][1]
    return reader(str(path), **options)


def expected_number(entry_type: str, codes: str, text: str) -> float | None:
    """What the CSV text must read as in Stata and SPSS, by the rule the dictionary states."""
    if text == "":
        return None
    if entry_type == "yesno":
        return {"Y": 1.0, "N": 0.0, "NA": 9.0}[text]
    if entry_type == "code":
        listed = [part.partition("=")[0] for part in codes.split("; ")]
        if all(code.isdigit() for code in listed):
            return float(text)
        return float(listed.index(text) + 1)
    return float(text)


def same(actual: object, expected: float | None) -> bool:
    if expected is None:
        return actual is None or (isinstance(actual, float) and math.isnan(actual))
    return isinstance(actual, int | float) and float(actual) == expected


@pytest.fixture(scope="module", params=list(View))
def analysis(request: pytest.FixtureRequest, built: Built) -> tuple[View, dict[str, bytes]]:
    view = request.param
    return view, unzip(export_bytes(built.reader, ExportKind.ANALYSIS, view))


def test_every_file_is_in_the_manifest_with_its_sha256(
    analysis: tuple[View, dict[str, bytes]],
) -> None:
    view, files = analysis[0], dict(analysis[1])
    manifest = json.loads(files.pop("manifest.json"))
    assert manifest["kind"] == "analysis-files"
    assert manifest["view"] == view.value
    assert set(manifest["files"]) == set(files)
    for name, data in files.items():
        assert manifest["files"][name]["sha256"] == hashlib.sha256(data).hexdigest(), name
    tables = [n.removesuffix(".csv") for n in files if n.endswith(".csv") and "/" not in n]
    tables.remove("dictionary")
    for table in tables:
        for folder, suffix in (
            ("stata", ".dta"),
            ("spss", ".sav"),
            ("sas", ".xpt"),
            ("parquet", ".parquet"),
        ):
            assert f"{folder}/{table}{suffix}" in files
    snapshot = json.loads(files["snapshot-manifest.json"])
    assert snapshot["as_of"] == manifest["as_of"]
    assert snapshot["chain_head"] == manifest["chain_head"]
    assert ("ARM" in files["participants.csv"].decode()) is (view is View.UNBLINDED)


def test_stata_and_spss_hold_every_value_and_label_of_the_csv(
    analysis: tuple[View, dict[str, bytes]], tmp_path: Path
) -> None:
    _view, files = analysis
    dictionary = entries_by_file(read_dictionary(files["dictionary.csv"].decode()))
    compared = 0
    for name in [n for n in files if n.endswith(".csv") and "/" not in n]:
        table = name.removesuffix(".csv")
        if table == "dictionary":
            continue
        rows = csv_rows(files[name])
        entries = dictionary[table]
        for folder in ("stata", "spss"):
            frame, meta = read_member(files, f"{folder}/{table}{FORMATS[folder][0]}", tmp_path)
            header = list(rows[0]) if rows else []
            # Stata and SPSS fold each <ITEM>_NC companion into its item and drop it.
            folded = [c for c in header if not (c.endswith("_NC") and c[:-3] in header)]
            assert list(frame.columns) == folded if rows else True
            assert len(frame) == len(rows)
            labels = meta.column_names_to_labels
            for column, entry in entries.items():
                if column not in frame.columns:
                    continue
                assert labels[column] == entry.label[: 80 if folder == "stata" else None]
                if entry.codes and entry.type in ("yesno", "code"):
                    wanted = {
                        expected_number(entry.type, entry.codes, code.partition("=")[0])
                        for code in entry.codes.split("; ")
                    }
                    labelled = set(meta.variable_value_labels[column])
                    if column + "_NC" in header:  # and the format's missing-answer values
                        labelled -= {*SPSS_MISSING.values()}
                    assert labelled == wanted, column
                for index, row in enumerate(rows):
                    actual = frame[column].iloc[index]
                    if entry.type in ("integer", "float", "decimal", "yesno", "code"):
                        expected = expected_number(entry.type, entry.codes, row[column])
                        assert same(actual, expected), (table, column, index, actual)
                    elif entry.type == "date":
                        text = row[column]
                        assert (pd.isna(actual) and not text) or actual == date.fromisoformat(text)
                    else:
                        assert (actual or "") == row[column], (table, column, index)
                    compared += 1
    assert compared > 1000


def test_sas_transport_uses_the_short_names_and_parquet_the_csv_values(
    analysis: tuple[View, dict[str, bytes]], tmp_path: Path
) -> None:
    _view, files = analysis
    dictionary = entries_by_file(read_dictionary(files["dictionary.csv"].decode()))
    for name in [n for n in files if n.endswith(".csv") and "/" not in n]:
        table = name.removesuffix(".csv")
        if table == "dictionary":
            continue
        rows = csv_rows(files[name])
        header = next(csv.reader(io.StringIO(files[name].decode())))
        short = [dictionary[table][column].short_name for column in header]
        frame, _meta = read_member(files, f"sas/{table}.xpt", tmp_path)
        assert list(frame.columns) == short
        assert all(len(s) <= 8 for s in short) and len(set(short)) == len(short)
        assert len(frame) == len(rows)
        parquet = pd.read_parquet(io.BytesIO(files[f"parquet/{table}.parquet"]))
        assert list(parquet.columns) == header
        for index, row in enumerate(rows):
            for column in header:
                value = parquet[column].iloc[index]
                text = row[column]
                if text == "":
                    assert value is None or pd.isna(value), (table, column)
                elif dictionary[table][column].type in ("integer", "float", "decimal"):
                    assert float(value) == float(text)
                elif dictionary[table][column].type == "date":
                    assert str(value) == text
                else:
                    assert value == text


def test_time_stamps_in_the_files_are_the_snapshot_time_not_the_clock(
    analysis: tuple[View, dict[str, bytes]], tmp_path: Path
) -> None:
    _view, files = analysis
    as_of_time = datetime.fromisoformat(json.loads(files["manifest.json"])["as_of_time"])
    for folder, (suffix, _reader) in FORMATS.items():
        _frame, meta = read_member(files, f"{folder}/participants{suffix}", tmp_path)
        expected = as_of_time.replace(tzinfo=None)
        if folder == "stata":  # .dta stamps carry minutes only
            expected = expected.replace(second=0, microsecond=0)
        else:
            expected = expected.replace(microsecond=0)
        assert meta.creation_time == expected, folder


def test_pinning_refuses_a_header_it_does_not_know() -> None:
    with pytest.raises(RuntimeError, match="SPSS"):
        pin_timestamp("sav", b"not a sav file", datetime(2024, 1, 1))
    with pytest.raises(RuntimeError, match="timestamp"):
        pin_timestamp("dta", b"<stata_dta><header></header>", datetime(2024, 1, 1))


def _snapshot_with_missing_codes() -> bytes:
    """A snapshot zip as the CSV export writes it, with one item skipped (`ANS`) and one not
    done (`ND`): the missing-answer codes travel in `<ITEM>_NC`."""
    dictionary = (
        "file,item,label,type,codes,range,required,derivation,note,short_name\n"
        "participants,participant_id,Participant,text,,,yes,,,PID\n"
        "(every form file),participant_id,Participant,text,,,yes,,,PID\n"
        "week10,LBP_NOW,LBP now,integer,,0..10,yes,,,LBPNOW\n"
        "week10,BOTHER,Bothersomeness,code,1=Not at all; 2=Slightly,,yes,,,BOTHER\n"
    )
    week10 = "participant_id,LBP_NOW,LBP_NOW_NC,BOTHER,BOTHER_NC\np1,4,,2,\np2,,ANS,,ND\n"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("participants.csv", "participant_id\np1\np2\n")
        archive.writestr("week10.csv", week10)
        archive.writestr("dictionary.csv", dictionary)
    return out.getvalue()


def test_missing_answer_codes_become_each_formats_own_missing_values(tmp_path: Path) -> None:
    from projections.exports.analysis_files import snapshot_tables, typed_files

    with zipfile.ZipFile(io.BytesIO(_snapshot_with_missing_codes())) as snapshot:
        tables, short = snapshot_tables(snapshot)
    week10 = next(t for t in tables if t.name == "week10")
    files = typed_files(week10, short["week10"], datetime(2024, 1, 15, 9, 0))

    frame, meta = read_member(files, "stata/week10.dta", tmp_path, user_missing=True)
    assert list(frame.columns) == ["participant_id", "LBP_NOW", "BOTHER"]
    assert list(frame["LBP_NOW"]) == [4.0, "a"]
    assert list(frame["BOTHER"]) == [2.0, "b"]

    frame, meta = read_member(files, "spss/week10.sav", tmp_path, user_missing=True)
    assert list(frame["LBP_NOW"]) == [4.0, -97.0]
    assert list(frame["BOTHER"]) == [2.0, -98.0]
    assert {r["lo"] for r in meta.missing_ranges["LBP_NOW"]} == {-97.0, -98.0, -99.0}
    assert meta.variable_value_labels["BOTHER"][-98.0] == "Not done"
    plain, _ = read_member(files, "spss/week10.sav", tmp_path)
    assert math.isnan(plain["LBP_NOW"].iloc[1])

    frame, _meta = read_member(files, "sas/week10.xpt", tmp_path)
    assert list(frame.columns) == ["PID", "LBPNOW", "LBPNOWNC", "BOTHER", "BOTHERNC"]
    assert list(frame["LBPNOWNC"]) == ["", "ANS"]

    parquet = pq.read_table(io.BytesIO(files["parquet/week10.parquet"]))
    assert parquet.column("LBP_NOW_NC").to_pylist() == [None, "ANS"]
    assert parquet.column("LBP_NOW").to_pylist() == [4.0, None]
    assert parquet.schema.field("BOTHER").metadata[b"label"] == b"Bothersomeness"


def _rscript() -> str:
    path = shutil.which("Rscript")
    if path is None:
        message = "Rscript is not installed (Debian package r-base-core)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def test_the_r_script_reads_every_csv_with_its_factor_labels(built: Built, tmp_path: Path) -> None:
    rscript = _rscript()
    files = unzip(export_bytes(built.reader, ExportKind.ANALYSIS, View.UNBLINDED))
    for name, data in files.items():
        if "/" not in name:
            (tmp_path / name).write_bytes(data)
    program = (
        "source('read_snapshot.R'); s <- read_snapshot('.');"
        "for (n in names(s)) { d <- s[[n]];"
        " cat(n, nrow(d), '\\n');"
        " for (c in names(d)) if (is.factor(d[[c]]))"
        "  cat(n, c, paste(as.character(d[[c]]), collapse='|'), '\\n', sep='\\t') }"
    )
    done = subprocess.run(
        [rscript, "--vanilla", "-e", program],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    dictionary = entries_by_file(read_dictionary(files["dictionary.csv"].decode()))
    lines = done.stdout.splitlines()
    counts = dict(line.split()[:2] for line in lines if "\t" not in line)
    factors = {tuple(line.split("\t")[:2]): line.split("\t")[2] for line in lines if "\t" in line}
    checked = 0
    for name in [n for n in files if n.endswith(".csv") and "/" not in n and n != "dictionary.csv"]:
        table = name.removesuffix(".csv")
        rows = csv_rows(files[name])
        assert int(counts[table]) == len(rows)
        for column, entry in dictionary[table].items():
            if (table, column) not in factors:
                continue
            labels = dict(part.partition("=")[::2] for part in entry.codes.split("; "))
            expected = "|".join(labels[row[column]] if row[column] else "NA" for row in rows)
            assert factors[(table, column)] == expected, (table, column)
            checked += 1
    assert ("participants", "ARM") in factors
    assert checked > 20


def test_the_same_cut_gives_the_same_bytes(built: Built) -> None:
    from projections.exports import Cut

    cut = Cut.of(built.reader, View.BLINDED)
    first, second = io.BytesIO(), io.BytesIO()
    write_analysis_files(cut, first)
    write_analysis_files(cut, second)
    assert first.getvalue() == second.getvalue()


def test_participants_carry_the_factor_levels_the_randomisation_used(fresh: Built) -> None:
    trial, staff, small = fresh.trial, fresh.actors["site_staff"], fresh.small
    pid = small.ids["F"]
    before = {
        row["participant_id"]: row
        for row in csv_rows(
            unzip(export_bytes(fresh.reader, ExportKind.CSV, View.BLINDED))["participants.csv"]
        )
    }[str(pid)]
    assert before["RAND_SMOKING"] in ("yes", "no") and before["RAND_SEX"] in ("F", "M")
    smoker = "N" if before["RAND_SMOKING"] == "yes" else "Y"
    participant = trial.get_participant(staff, pid)
    trial.correct_form(
        staff,
        pid,
        "baseline",
        {**participant["forms"]["baseline"]["items"], "SMOKER": smoker},
        expected_version=participant["forms"]["baseline"]["version"],
        reason={"code": "transcription_error", "text": "source says otherwise"},
    )
    after = {
        row["participant_id"]: row
        for row in csv_rows(
            unzip(export_bytes(fresh.reader, ExportKind.CSV, View.BLINDED))["participants.csv"]
        )
    }[str(pid)]
    assert after["RAND_SMOKING"] == before["RAND_SMOKING"]
