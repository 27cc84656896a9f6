"""The unblinded snapshot carries how minimisation decided each allocation; blinded ones do not.

An unblinded statistician re-checks the allocation sequence from the export alone: replaying
minimisation over the rows in randomisation order gives every row's arm and imbalance again.
"""

from __future__ import annotations

import csv
import io
import zipfile

from domain.minimisation import FACTORS, MarginalCounts, minimise
from projections.exports import ExportKind, View
from tests.exports.conftest import Built, export_bytes


def snapshot_files(built: Built, view: View) -> dict[str, str]:
    data = export_bytes(built.reader, ExportKind.CSV, view)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def table(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_unblinded_snapshot_replays_every_allocation_from_its_decision_record(
    built: Built,
) -> None:
    files = snapshot_files(built, View.UNBLINDED)
    rows = table(files["allocation.csv"])
    assert len(rows) == len(built.small.arms) > 0
    for letter, arm in built.small.arms.items():
        participant = str(built.small.ids[letter])
        row = next(r for r in rows if r["participant_id"] == participant)
        assert row["ARM"] == arm
    numbers = sorted(row["randomisation_number"] for row in rows)
    assert numbers == [f"R-{n:03d}" for n in range(1, len(rows) + 1)]
    counts = MarginalCounts.empty()
    for row in sorted(rows, key=lambda r: r["randomisation_number"]):
        levels = {factor: row[f"MIN_{factor.upper()}"] for factor in FACTORS}
        decision = minimise(counts, levels, float(row["DRAW"]))
        assert decision.arm == row["ARM"]
        assert decision.probability == float(row["PROBABILITY"])
        assert (decision.preferred or "") == row["PREFERRED_ARM"]
        assert {arm: str(score) for arm, score in decision.imbalance.items()} == {
            "exercise": row["IMBALANCE_EXERCISE"],
            "rest": row["IMBALANCE_REST"],
        }
        counts = counts.add(levels, decision.arm)
    documented = {r["item"] for r in table(files["dictionary.csv"]) if r["file"] == "allocation"}
    assert documented == set(rows[0])


def test_no_blinded_snapshot_holds_or_describes_the_decisions(built: Built) -> None:
    files = snapshot_files(built, View.BLINDED)
    assert "allocation.csv" not in files
    dictionary = table(files["dictionary.csv"])
    assert not [r for r in dictionary if r["file"] == "allocation"]
    assert "DRAW" not in files["dictionary.csv"] and "IMBALANCE" not in files["dictionary.csv"]
