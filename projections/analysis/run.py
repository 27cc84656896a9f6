"""One run of the pre-specified analysis over one snapshot: every table of the report.

The run reads only the snapshot zip (the same bytes `edc export csv` gives at that `as_of`),
so the report states exactly what it was computed from: the manifest's position, chain head
and the sha256 of every input file. A blinded snapshot (or an explicit dummy seed) runs on a
seeded dummy allocation and leaves harms out.
"""

from __future__ import annotations

import hashlib
import io
import json
import platform
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib import metadata
from typing import Any

from projections.analysis import models
from projections.analysis.dataset import (
    FOLLOW_UP_LABELS,
    FOLLOW_UPS,
    MODIFIERS,
    Dataset,
    build_dataset,
)

Progress = Callable[[str, float], None]
LIBRARIES = ("numpy", "pandas", "scipy", "statsmodels", "matplotlib", "fpdf2", "modic-edc")
SECONDARY = (
    ("RMDQ_SCORE", "RMDQ score (0-23)", "linear"),
    ("EQ5D_INDEX_DK", "EQ-5D index (Danish value set)", "linear"),
    ("BOTHER", "Bothersomeness (1-5), proportional odds", "ordinal"),
    ("GLOBAL_TRANSITION", "Global transition improved (much better or better)", "logistic"),
)


@dataclass(frozen=True)
class Harms:
    arm: str
    randomised: int
    with_event: int
    events: int
    serious: int
    with_serious: int


@dataclass(frozen=True)
class Results:
    manifest: dict[str, Any]
    inputs: dict[str, str]
    software: dict[str, str]
    dummy: bool
    dummy_seed: int | None
    arms: tuple[str, str]
    randomised: dict[str, int]
    primary: dict[str, models.Estimate]
    sensitivity: dict[str, models.Estimate]
    corrected_factors: dict[str, models.Estimate]
    secondary: dict[str, list[models.Estimate]]
    interactions: dict[str, list[models.Interaction]]
    harms: list[Harms] | None

    def as_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def software_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def harms(data: Dataset) -> list[Harms]:
    table = []
    for arm in data.arms:
        people = [p for p in data.people if p.arm == arm]
        events = [ae for p in people for ae in p.adverse_events]
        serious = [ae for ae in events if ae.get("AE_SERIOUS") == "Y"]
        table.append(
            Harms(
                arm,
                len(people),
                sum(1 for p in people if p.adverse_events),
                len(events),
                len(serious),
                sum(
                    1 for p in people if any(ae.get("AE_SERIOUS") == "Y" for ae in p.adverse_events)
                ),
            )
        )
    return table


def run_analysis(
    snapshot_bytes: bytes,
    *,
    dummy_seed: int | None = None,
    imputation_seed: int = 20070301,
    imputations: int = 20,
    progress: Progress | None = None,
) -> Results:
    def step(text: str, done: float) -> None:
        if progress is not None:
            progress(text, done)

    with zipfile.ZipFile(io.BytesIO(snapshot_bytes)) as snapshot:
        manifest = json.loads(snapshot.read("manifest.json"))
        inputs = {
            name: hashlib.sha256(snapshot.read(name)).hexdigest()
            for name in sorted(snapshot.namelist())
        }
        data = build_dataset(snapshot, dummy_seed)
    step("data set read", 0.05)
    primary = {}
    for visit in FOLLOW_UPS:
        primary[visit] = models.linear(
            f"LBP now, {FOLLOW_UP_LABELS[visit]}", models.design(data, visit, "LBP_NOW")
        )
    corrected_factors = {
        visit: models.linear(
            f"LBP now, {FOLLOW_UP_LABELS[visit]}, corrected factor levels",
            models.design(data, visit, "LBP_NOW", corrected=True),
        )
        for visit in FOLLOW_UPS
    }
    step("primary analysis", 0.15)
    secondary: dict[str, list[models.Estimate]] = {}
    for visit in FOLLOW_UPS:
        rows = []
        for item, label, kind in SECONDARY:
            if kind == "linear":
                rows.append(models.linear(label, models.design(data, visit, item)))
            elif kind == "ordinal":
                rows.append(models.ordinal(label, models.design(data, visit, item)))
            else:
                d = models.design(data, visit, item, baseline=False, transform=models.improved)
                rows.append(models.logistic(label, d))
        secondary[visit] = rows
    step("secondary analyses", 0.3)
    interactions = {
        visit: [models.interaction(data, visit, modifier) for modifier in MODIFIERS]
        for visit in FOLLOW_UPS
    }
    step("effect modification", 0.4)
    sensitivity = {}
    for index, visit in enumerate(FOLLOW_UPS):
        sensitivity[visit] = models.multiple_imputation(
            data, visit, imputation_seed, imputations=imputations
        )
        step("multiple imputation", 0.4 + 0.5 * (index + 1) / len(FOLLOW_UPS))
    randomised = {arm: sum(1 for p in data.people if p.arm == arm) for arm in data.arms}
    return Results(
        manifest=manifest,
        inputs=inputs,
        software=software_versions(),
        dummy=data.dummy,
        dummy_seed=(dummy_seed or 0) if data.dummy else None,
        arms=data.arms,
        randomised=randomised,
        primary=primary,
        sensitivity=sensitivity,
        corrected_factors=corrected_factors,
        secondary=secondary,
        interactions=interactions,
        harms=None if data.dummy else harms(data),
    )
