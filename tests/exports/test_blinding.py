"""Blinded exports and reports never contain anything that reveals the arm."""

from __future__ import annotations

import io
import zipfile

import pyarrow.parquet as pq
import pytest

from domain.blinding import is_blinded_safe
from projections.exports import Cut, ExportKind, View
from projections.reports.output import SUFFIXES, ReportKind, render_report
from tests.exports.conftest import Built, export_bytes
from tests.exports.leaks import arm_revealing


def readable(member: str, data: bytes) -> bytes:
    """A zip member as text to search: Parquet pages are compressed, so they are decoded."""
    if not member.endswith(".parquet"):
        return data
    table = pq.read_table(io.BytesIO(data))
    return (repr(table.schema) + repr(table.schema.metadata) + repr(table.to_pylist())).encode()


def outputs(built: Built, view: View) -> dict[str, bytes]:
    """Every export and report of the whole trial in one view, zip members one by one."""
    found: dict[str, bytes] = {}
    for kind in ExportKind:
        names = ["d.csv", "d.html"] if kind is ExportKind.DICTIONARY else [None]
        for name in names:
            data = export_bytes(built.reader, kind, view, file_name=name)
            found[f"{kind}:{name or ''}"] = data
            if kind in (ExportKind.CSV, ExportKind.ANALYSIS):
                with zipfile.ZipFile(io.BytesIO(data)) as archive:
                    for member in archive.namelist():
                        found[f"{kind}/{member}"] = readable(member, archive.read(member))
    cut = Cut.of(built.reader, view)
    for report in ReportKind:
        for suffix in SUFFIXES[report]:
            found[f"report {report}{suffix}"] = render_report(
                report, cut, f"report{suffix}"
            ).encode()
    return found


def test_the_store_holds_arm_revealing_events_to_leak(built: Built) -> None:
    # The premise of the tests below: allocation and adherence events are in the store.
    topics = {n.topic for n in built.trial.recorder.select_notifications(start=1, limit=10**6)}
    assert any("Allocation.Allocated" in t for t in topics)
    assert any("AdherenceRecorded" in t for t in topics)
    assert not any(
        is_blinded_safe(t) for t in topics if "Allocation" in t or "ArmRevealingRecord" in t
    )


def test_no_blinded_export_or_report_reveals_the_arm(built: Built) -> None:
    leaks = {name: arm_revealing(data) for name, data in outputs(built, View.BLINDED).items()}
    assert {name: found for name, found in leaks.items() if found} == {}


def test_the_check_finds_the_arm_in_unblinded_exports(built: Built) -> None:
    unblinded = outputs(built, View.UNBLINDED)
    for name in (
        "csv/participants.csv",
        "csv/adherence.csv",
        "csv/dictionary.csv",
        "analysis/stata/participants.dta",
        "analysis/spss/adherence.sav",
        "analysis/sas/adherence.xpt",
        "analysis/parquet/participants.parquet",
        "analysis/read_snapshot.R",
        "odm:",
        "odm-snapshot:",
        "audit:",
        "dictionary:d.html",
        "report consort.svg",
    ):
        assert arm_revealing(unblinded[name]), f"{name}: the check missed the arm"


@pytest.mark.parametrize(
    "leak",
    [
        b"RINGE-0006,rest\n",  # an arm value in a CSV row
        b'<ItemData ItemOID="I.ARM" Value="x"/>',  # the allocation item in ODM
        b'{"type":"Allocation.Allocated"}\n',  # an allocation event in the audit stream
        b"Rest and flexible lumbar belt",  # an arm label
        b"participant_id,ARM\n",  # an ARM column
        b"REST_HOURS_PER_DAY",  # an adherence item
    ],
)
def test_a_planted_leak_is_caught(built: Built, leak: bytes) -> None:
    clean = outputs(built, View.BLINDED)["csv/participants.csv"]
    assert arm_revealing(clean) == []
    assert arm_revealing(clean + leak)
