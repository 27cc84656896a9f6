"""The analysis data set: one row per randomised participant, read from a snapshot's CSV files.

Intention to treat: every randomised participant, in the arm allocated (the snapshot's `ARM`,
or a seeded dummy allocation in a blinded run, which never reads the real arm). Outcomes are
the snapshot's values at week 10 and at the 1-year follow-up; an empty value is a missing
outcome. The minimisation factors are those the randomisation used (the snapshot's `RAND_*`
columns, whatever was corrected later) and, for a sensitivity analysis, the levels of the
corrected values, worked out with the domain's own `factor_levels`.
"""

from __future__ import annotations

import csv
import io
import random
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.itt import PRIMARY_OUTCOME, has_outcome
from domain.minimisation import factor_levels

FOLLOW_UPS = ("week10", "month12")
FOLLOW_UP_LABELS = {"week10": "Week 10", "month12": "1-year follow-up (week 62)"}
OUTCOMES = ("LBP_NOW", "RMDQ_SCORE", "EQ5D_INDEX_DK", "BOTHER", "GLOBAL_TRANSITION")
MODIFIERS = ("sex", "age", "smoking", "physical_load", "modic_type")
MODIFIER_LABELS = {
    "sex": "Sex",
    "age": "Age group",
    "smoking": "Smoking",
    "physical_load": "Physical load",
    "modic_type": "Modic type",
}
# The arm coded 1 in every model: the experimental arm, so a negative difference favours rest.
TREATED = "rest"
CONTROL = "exercise"
DUMMY_ARMS = ("dummy A", "dummy B")


@dataclass
class Person:
    participant_id: str
    screening_number: str
    arm: str
    levels: dict[str, str]  # as randomised
    corrected_levels: dict[str, str]  # from the values as corrected since
    baseline: dict[str, float | None]
    outcomes: dict[str, dict[str, float | None]] = field(default_factory=dict)
    # Analysed at each follow-up by the CONSORT rule (domain.itt): the primary outcome present.
    analysed: dict[str, bool] = field(default_factory=dict)
    adverse_events: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Dataset:
    people: tuple[Person, ...]
    dummy: bool
    arms: tuple[str, str]  # (control, treated) labels as shown in the report

    def treated(self, person: Person) -> int:
        return 1 if person.arm == self.arms[1] else 0


def _rows(snapshot: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    if name not in snapshot.namelist():
        return []
    return list(csv.DictReader(io.StringIO(snapshot.read(name).decode("utf-8"))))


def _by_participant(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {row["participant_id"]: row for row in rows}


def _number(text: str | None) -> float | None:
    if text is None or text == "":
        return None
    if text in ("Y", "N"):
        return 1.0 if text == "Y" else 0.0
    return float(text)


def dummy_allocation(participant_ids: list[str], seed: int) -> dict[str, str]:
    """A seeded 1:1 allocation of the randomised participants, independent of the real arms."""
    order = sorted(participant_ids)
    arms = [DUMMY_ARMS[i % 2] for i in range(len(order))]
    random.Random(seed).shuffle(arms)
    return dict(zip(order, arms, strict=True))


def build_dataset(snapshot: zipfile.ZipFile, dummy_seed: int | None) -> Dataset:
    """The randomised participants of a snapshot; a dummy allocation when `dummy_seed` is set
    (or when the snapshot is blinded and has no arm)."""
    participants = [row for row in _rows(snapshot, "participants.csv") if row["randomised_on"]]
    blinded = not participants or "ARM" not in participants[0]
    dummy = dummy_seed is not None or blinded
    screening = _by_participant(_rows(snapshot, "screening.csv"))
    mri = _by_participant(_rows(snapshot, "mri.csv"))
    baseline = _by_participant(_rows(snapshot, "baseline.csv"))
    follow_ups = {visit: _by_participant(_rows(snapshot, f"{visit}.csv")) for visit in FOLLOW_UPS}
    adverse = _rows(snapshot, "adverse_event.csv") if not dummy else []
    ids = [row["participant_id"] for row in participants]
    arms = dummy_allocation(ids, dummy_seed or 0) if dummy else {}
    people = []
    for row in participants:
        pid = row["participant_id"]
        corrected = factor_levels(
            _values(screening[pid]), _values(mri[pid]), _values(baseline[pid])
        )
        as_randomised = {
            factor: row.get(f"RAND_{factor.upper()}") or corrected[factor] for factor in MODIFIERS
        }
        person = Person(
            participant_id=pid,
            screening_number=row["screening_number"],
            arm=arms[pid] if dummy else row["ARM"],
            levels=as_randomised,
            corrected_levels=corrected,
            baseline={item: _number(baseline[pid].get(item)) for item in OUTCOMES},
        )
        for visit, rows in follow_ups.items():
            values = rows.get(pid, {})
            person.outcomes[visit] = {item: _number(values.get(item)) for item in OUTCOMES}
            primary = values.get(PRIMARY_OUTCOME, "")
            person.analysed[visit] = has_outcome(
                {PRIMARY_OUTCOME: int(float(primary))} if primary else {}
            )
        person.adverse_events = [ae for ae in adverse if ae["participant_id"] == pid]
        people.append(person)
    labels = DUMMY_ARMS if dummy else (CONTROL, TREATED)
    return Dataset(tuple(people), dummy, labels)


def _values(row: Mapping[str, str]) -> dict[str, Any]:
    """A CSV row as the item values `factor_levels` reads (integers as int)."""
    values: dict[str, Any] = dict(row)
    for item in ("AGE", "PHYSICAL_LOAD"):
        if values.get(item):
            values[item] = int(values[item])
    return values
