"""The pre-specified analysis: right numbers, the planted effect found, blinded runs that never
read an arm, and the same bytes for the same snapshot."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from pypdf import PdfReader

from projections.analysis import models
from projections.analysis.dataset import build_dataset
from projections.analysis.report import DUMMY_STAMP, report_files
from projections.analysis.run import run_analysis
from tests.analysis.synthetic import Planted, synthetic_snapshot
from tests.exports.leaks import arm_revealing


def dataset(plan: Planted, with_arm: bool = True):  # type: ignore[no-untyped-def]
    data, _share = synthetic_snapshot(plan, with_arm)
    with zipfile.ZipFile(io.BytesIO(data)) as snapshot:
        return build_dataset(snapshot, None)


def test_the_linear_model_agrees_with_numpy_least_squares() -> None:
    data = dataset(Planted(randomised=120, seed=3))
    d = models.design(data, "week10", "LBP_NOW")
    estimate = models.linear("LBP", d)
    coefficients, *_ = np.linalg.lstsq(np.array(d.rows), np.array(d.y), rcond=None)
    assert estimate.estimate == pytest.approx(coefficients[1], abs=1e-8)
    assert d.names[1] == "treated" and len(d.y) < 120  # complete cases only


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_planted_effect_is_inside_the_interval_and_its_interaction_is_found(
    seed: int,
) -> None:
    plan = Planted(seed=seed)
    data_bytes, type1_share = synthetic_snapshot(plan)
    results = run_analysis(data_bytes, imputations=3)
    primary = results.primary["week10"]
    assert primary.low is not None and primary.high is not None
    assert primary.low <= plan.true_overall(type1_share) <= primary.high
    by_modifier = {i.modifier: i for i in results.interactions["week10"]}
    modic = by_modifier["modic_type"]
    assert modic.p is not None and modic.p < 0.05
    type1, other = modic.subgroups
    assert type1.estimate.low <= plan.effect <= type1.estimate.high  # type: ignore[operator]
    assert other.estimate.low <= 0.0 <= other.estimate.high  # type: ignore[operator]
    for modifier in ("sex", "age", "smoking", "physical_load"):
        assert by_modifier[modifier].p is not None and by_modifier[modifier].p > 0.01, modifier
    # Nothing was planted at the 1-year follow-up.
    later = results.primary["month12"]
    assert later.low <= 0.0 <= later.high  # type: ignore[operator]


def test_a_blinded_run_uses_a_dummy_allocation_stamped_on_every_page() -> None:
    blinded, _ = synthetic_snapshot(Planted(randomised=80), with_arm=False)
    results = run_analysis(blinded, imputations=2)
    assert results.dummy and results.harms is None
    assert set(results.randomised) == {"dummy A", "dummy B"}
    assert sorted(results.randomised.values()) == [40, 40]
    files = report_files(results)
    reader = PdfReader(io.BytesIO(files["report.pdf"]))
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) >= 2
    assert all(DUMMY_STAMP in text for text in pages)
    assert files["report.html"].decode().count(DUMMY_STAMP) >= 2
    for name in ("report.html", "results.json"):
        assert arm_revealing(files[name]) == [], name
    assert arm_revealing("\n".join(pages).encode()) == []


def test_the_dummy_allocation_does_not_depend_on_the_real_arms() -> None:
    real = dataset(Planted(randomised=60), with_arm=True)
    unblinded, _ = synthetic_snapshot(Planted(randomised=60), with_arm=True)
    blinded, _ = synthetic_snapshot(Planted(randomised=60), with_arm=False)
    with zipfile.ZipFile(io.BytesIO(unblinded)) as snapshot:
        from_unblinded = build_dataset(snapshot, dummy_seed=5)
    with zipfile.ZipFile(io.BytesIO(blinded)) as snapshot:
        from_blinded = build_dataset(snapshot, dummy_seed=5)
    assert [p.arm for p in from_unblinded.people] == [p.arm for p in from_blinded.people]
    assert {p.arm for p in real.people} == {"rest", "exercise"}


def test_an_unblinded_run_reports_harms_per_arm() -> None:
    data, _ = synthetic_snapshot(Planted(randomised=40))
    results = run_analysis(data, imputations=2)
    assert results.harms is not None
    assert [h.arm for h in results.harms] == ["exercise", "rest"]
    assert sum(h.randomised for h in results.harms) == 40


def test_the_same_snapshot_gives_the_same_report_bytes() -> None:
    data, _ = synthetic_snapshot(Planted(randomised=60, seed=4))
    first = report_files(run_analysis(data, imputations=3))
    second = report_files(run_analysis(data, imputations=3))
    assert first == second
    assert json.loads(first["results.json"])["manifest"]["as_of"] == 1


def test_too_few_participants_give_a_reason_not_an_error(tmp_path: Path) -> None:
    data, _ = synthetic_snapshot(Planted(randomised=6))
    results = run_analysis(data, imputations=2)
    assert results.primary["week10"].estimate is None
    assert "not estimable" in results.primary["week10"].note
    assert report_files(results)["report.pdf"].startswith(b"%PDF")


def test_the_primary_analysis_uses_the_levels_the_randomisation_used() -> None:
    data_bytes, _ = synthetic_snapshot(Planted(randomised=30, seed=2))
    with zipfile.ZipFile(io.BytesIO(data_bytes)) as snapshot:
        files = {name: snapshot.read(name).decode() for name in snapshot.namelist()}
    # A smoker corrected to non-smoker after randomisation: randomised as "yes".
    lines = files["baseline.csv"].splitlines()
    first = lines[1].split(",")
    first[-2] = "N" if first[-2] == "Y" else "Y"
    lines[1] = ",".join(first)
    files["baseline.csv"] = "\n".join(lines) + "\n"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as snapshot:
        data = build_dataset(snapshot, None)
    person = data.people[0]
    assert person.levels["smoking"] != person.corrected_levels["smoking"]
    assert models.factor_columns(person) != models.factor_columns(person, corrected=True)
    results = run_analysis(out.getvalue(), imputations=2)
    assert results.corrected_factors["week10"].n == results.primary["week10"].n
    assert results.corrected_factors["week10"].estimate != results.primary["week10"].estimate
