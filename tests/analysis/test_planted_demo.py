"""The analysis finds what the demo planted (rest -1.5 LBP now at week 10, Modic type 1 only)
and nothing where nothing was planted, on three seeds: 1,600 people screened each, about 375
randomised, enough to see an interaction."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from edc.config import Settings
from edc.demo.build import build_demo
from edc.demo.planted import PlantedEffect
from edc.exports import store_reader
from projections.analysis.run import run_analysis
from projections.exports import Cut, View
from projections.exports.snapshot import write_snapshot

SCREENED = 1600


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_planted_effect_is_estimated_and_its_interaction_detected(
    seed: int, tmp_path: Path
) -> None:
    planted = PlantedEffect()
    trial = build_demo(
        Settings(data_dir=tmp_path / "var"), SCREENED, seed, progress=False, planted=planted
    )
    try:
        snapshot = io.BytesIO()
        write_snapshot(Cut.of(store_reader(trial), View.UNBLINDED), snapshot)
    finally:
        trial.close()
    results = run_analysis(snapshot.getvalue(), imputations=5)
    assert sum(results.randomised.values()) > 300
    modifiers = {i.modifier: i for i in results.interactions["week10"]}
    modic = modifiers["modic_type"]
    type1, other = (s.estimate for s in modic.subgroups)
    assert type1.low is not None and type1.high is not None
    assert type1.low <= planted.shift <= type1.high
    assert other.low is not None and other.high is not None
    assert other.low <= 0.0 <= other.high
    assert modic.p is not None and modic.p < 0.05
    for name in ("sex", "age", "smoking", "physical_load"):
        assert modifiers[name].p is not None and modifiers[name].p > 0.01, name
    later = results.primary["month12"]
    assert later.low is not None and later.high is not None
    assert later.low <= 0.0 <= later.high
