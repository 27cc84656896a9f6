"""Pocock-Simon minimisation (range / marginal-total method) with a random element.

Pure: no I/O, no clock and no randomness here. The caller draws a uniform number in [0, 1)
from a cryptographic source and passes it in, so that every allocation is reproducible from what
the allocation event stores: the participant's factor levels, the imbalance score for each arm,
the draw and the resulting arm. A monitor re-checks a stored decision with `recheck`, giving it
the marginal counts of every allocation made before it.

The rule (DESIGN.md, "Domain rules that must hold"; factors in CRF.md, "Minimisation factors"):

* For each candidate arm, the imbalance if the new participant were assigned to it is the sum
  over factors of the range (max - min) of the per-arm counts at the participant's level of that
  factor, with the participant counted in the candidate arm. The allocation ratio is 1:1, so
  counts are not weighted.
* The arm with the smallest imbalance (the *preferred* arm) is chosen when
  ``draw < p_preferred`` (0.8), otherwise the other arm.
* On a tie there is no preferred arm: ``ARMS[0]`` when ``draw < 0.5``, otherwise ``ARMS[1]``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from domain.protocol import ARMS

METHOD = "pocock-simon-range"
P_PREFERRED = 0.8
TIE_PROBABILITY = 0.5

FACTORS: tuple[str, ...] = ("sex", "age", "smoking", "physical_load", "modic_type")
FACTOR_LEVELS: dict[str, tuple[str, ...]] = {
    "sex": ("F", "M"),
    "age": ("18-39", "40-60"),
    "smoking": ("yes", "no"),
    "physical_load": ("light", "heavy"),
    "modic_type": ("1 or 1/2", "other"),
}

_ARM_VALUES: tuple[str, ...] = tuple(arm.value for arm in ARMS)
_AGE_MIN, _AGE_SPLIT, _AGE_MAX = 18, 40, 60
_MODIC_TYPES = ("1", "2", "3", "1/2", "2/3")
_MODIC_TYPE_1 = frozenset({"1", "1/2"})


# --------------------------------------------------------------------------- factor levels


def _integer(item: str, value: Any) -> int:
    """An integer item value (an int, or a string of digits as a form might hold it)."""
    if isinstance(value, bool):
        raise ValueError(f"{item} must be an integer, not {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise ValueError(f"{item} must be an integer, not {value!r}")


def _item(form: str, values: Mapping[str, Any], item: str) -> Any:
    if item not in values or values[item] is None:
        raise ValueError(f"{item} is missing from the {form} form; it is a minimisation factor")
    return values[item]


def factor_levels(
    screening: Mapping[str, Any], mri: Mapping[str, Any], baseline: Mapping[str, Any]
) -> dict[str, str]:
    """The participant's level of every minimisation factor, from canonical item values.

    screening: SEX "F"/"M", AGE 18..60; baseline: SMOKER "Y"/"N", PHYSICAL_LOAD 1..4 (1-2 light,
    3-4 heavy); mri: MODIC_TYPE "1", "2", "3", "1/2", "2/3" ("1" and "1/2" -> "1 or 1/2").
    Raises ValueError naming the item when a value is missing or outside the strata.
    """
    sex = _item("screening", screening, "SEX")
    if sex not in ("F", "M"):
        raise ValueError(f"SEX must be 'F' or 'M', not {sex!r}")

    age = _integer("AGE", _item("screening", screening, "AGE"))
    if not _AGE_MIN <= age <= _AGE_MAX:
        raise ValueError(
            f"AGE {age} is outside the minimisation strata 18-39 and 40-60 (eligible 18..60)"
        )

    smoker = _item("baseline", baseline, "SMOKER")
    if smoker not in ("Y", "N"):
        raise ValueError(f"SMOKER must be 'Y' or 'N', not {smoker!r}")

    load = _integer("PHYSICAL_LOAD", _item("baseline", baseline, "PHYSICAL_LOAD"))
    if not 1 <= load <= 4:
        raise ValueError(f"PHYSICAL_LOAD must be a code 1..4, not {load!r}")

    modic = _item("mri", mri, "MODIC_TYPE")
    if modic not in _MODIC_TYPES:
        raise ValueError(f"MODIC_TYPE must be one of {', '.join(_MODIC_TYPES)}, not {modic!r}")

    return {
        "sex": sex,
        "age": "18-39" if age < _AGE_SPLIT else "40-60",
        "smoking": "yes" if smoker == "Y" else "no",
        "physical_load": "light" if load <= 2 else "heavy",
        "modic_type": "1 or 1/2" if modic in _MODIC_TYPE_1 else "other",
    }


def _validate_levels(levels: Mapping[str, str]) -> dict[str, str]:
    """A plain copy of `levels` in factor order, or ValueError for unknown/missing entries."""
    if not isinstance(levels, Mapping):
        raise ValueError(f"levels must be a mapping of factor to level, not {levels!r}")
    unknown = [factor for factor in levels if factor not in FACTOR_LEVELS]
    if unknown:
        raise ValueError(
            f"unknown minimisation factor(s) {', '.join(map(repr, unknown))}; "
            f"the factors are {', '.join(FACTORS)}"
        )
    missing = [factor for factor in FACTORS if factor not in levels]
    if missing:
        raise ValueError(f"missing level for minimisation factor(s) {', '.join(missing)}")
    for factor in FACTORS:
        level = levels[factor]
        if level not in FACTOR_LEVELS[factor]:
            raise ValueError(
                f"unknown level {level!r} for minimisation factor {factor!r}; "
                f"the levels are {', '.join(map(repr, FACTOR_LEVELS[factor]))}"
            )
    return {factor: str(levels[factor]) for factor in FACTORS}


def _arm_index(arm: Any) -> int:
    if isinstance(arm, str) and arm in _ARM_VALUES:
        return _ARM_VALUES.index(arm)
    raise ValueError(f"unknown arm {arm!r}; the arms are {', '.join(_ARM_VALUES)}")


# --------------------------------------------------------------------------- marginal counts

# counts[factor index][level index][arm index], in FACTORS / FACTOR_LEVELS / ARMS order.
_Table = tuple[tuple[tuple[int, ...], ...], ...]


def _zero_table() -> _Table:
    return tuple(tuple(tuple(0 for _ in ARMS) for _ in FACTOR_LEVELS[factor]) for factor in FACTORS)


@dataclass(frozen=True)
class MarginalCounts:
    """How many participants of each factor level have been allocated to each arm.

    An immutable value: `add` returns a new object. Conceptually ``counts[factor][level][arm]``.
    """

    _table: _Table

    @classmethod
    def empty(cls) -> MarginalCounts:
        return cls(_zero_table())

    @classmethod
    def from_allocations(
        cls, allocations: Iterable[tuple[Mapping[str, str], str]]
    ) -> MarginalCounts:
        """The counts after the given (levels, arm) allocations, in any order."""
        counts = cls.empty()
        for levels, arm in allocations:
            counts = counts.add(levels, arm)
        return counts

    @classmethod
    def from_dict(cls, data: Mapping[str, Mapping[str, Mapping[str, int]]]) -> MarginalCounts:
        """The inverse of `as_dict`; checks every factor accounts for the same participants."""
        if set(data) != set(FACTORS):
            raise ValueError(f"counts must have exactly the factors {', '.join(FACTORS)}")
        table = []
        for factor in FACTORS:
            by_level = data[factor]
            if set(by_level) != set(FACTOR_LEVELS[factor]):
                raise ValueError(f"counts for {factor!r} must have exactly its levels")
            rows = []
            for level in FACTOR_LEVELS[factor]:
                by_arm = by_level[level]
                if set(by_arm) != set(_ARM_VALUES):
                    raise ValueError(f"counts for {factor!r}={level!r} must have exactly the arms")
                row = []
                for arm in _ARM_VALUES:
                    n = by_arm[arm]
                    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                        raise ValueError(f"count {factor}/{level}/{arm} must be an integer >= 0")
                    row.append(n)
                rows.append(tuple(row))
            table.append(tuple(rows))
        counts = cls(tuple(table))
        per_arm = {
            tuple(sum(row[a] for row in rows) for a in range(len(ARMS))) for rows in counts._table
        }
        if len(per_arm) != 1:
            raise ValueError("inconsistent counts: factors do not add up to the same allocations")
        return counts

    def add(self, levels: Mapping[str, str], arm: str) -> MarginalCounts:
        """New counts with one more participant at `levels` allocated to `arm`."""
        clean = _validate_levels(levels)
        a = _arm_index(arm)
        table = []
        for factor, rows in zip(FACTORS, self._table, strict=True):
            li = FACTOR_LEVELS[factor].index(clean[factor])
            table.append(
                tuple(
                    tuple(n + 1 if (i == li and j == a) else n for j, n in enumerate(row))
                    for i, row in enumerate(rows)
                )
            )
        return MarginalCounts(tuple(table))

    def count(self, factor: str, level: str, arm: str) -> int:
        if factor not in FACTOR_LEVELS:
            raise ValueError(f"unknown minimisation factor {factor!r}")
        if level not in FACTOR_LEVELS[factor]:
            raise ValueError(f"unknown level {level!r} for minimisation factor {factor!r}")
        fi = FACTORS.index(factor)
        return self._table[fi][FACTOR_LEVELS[factor].index(level)][_arm_index(arm)]

    @property
    def per_arm(self) -> dict[str, int]:
        """Allocations so far per arm (every factor partitions the same participants)."""
        rows = self._table[0]
        return {arm: sum(row[a] for row in rows) for a, arm in enumerate(_ARM_VALUES)}

    @property
    def total(self) -> int:
        return sum(self.per_arm.values())

    def __getitem__(self, factor: str) -> dict[str, dict[str, int]]:
        """A copy of ``counts[factor]``: level -> arm -> count."""
        if factor not in FACTOR_LEVELS:
            raise KeyError(factor)
        return self.as_dict()[factor]

    def as_dict(self) -> dict[str, dict[str, dict[str, int]]]:
        return {
            factor: {
                level: dict(zip(_ARM_VALUES, row, strict=True))
                for level, row in zip(FACTOR_LEVELS[factor], rows, strict=True)
            }
            for factor, rows in zip(FACTORS, self._table, strict=True)
        }


# --------------------------------------------------------------------------- the decision


@dataclass(frozen=True)
class MinimisationDecision:
    """One allocation by minimisation, with everything needed to re-check it."""

    levels: dict[str, str]
    imbalance: dict[str, float]  # arm value -> imbalance score if assigned there
    preferred: str | None  # None on a tie
    probability: float  # probability of the preferred arm, or 0.5 on a tie
    draw: float  # the uniform draw in [0, 1) that decided
    arm: str

    @property
    def tie(self) -> bool:
        return self.preferred is None

    def as_dict(self) -> dict[str, Any]:
        """JSON-native, stored in the allocation event so that a monitor can re-check it."""
        return {
            "method": METHOD,
            "levels": {factor: str(level) for factor, level in self.levels.items()},
            "imbalance": {str(arm): float(score) for arm, score in self.imbalance.items()},
            "preferred": None if self.preferred is None else str(self.preferred),
            "probability": float(self.probability),
            "draw": float(self.draw),
            "arm": str(self.arm),
        }


def _validate_draw(draw: Any) -> float:
    if isinstance(draw, bool) or not isinstance(draw, int | float):
        raise ValueError(f"draw must be a number in [0, 1), not {draw!r}")
    if not (math.isfinite(draw) and 0.0 <= draw < 1.0):
        raise ValueError(f"draw must be in [0, 1), not {draw!r}")
    return float(draw)


def _validate_p(p_preferred: Any) -> float:
    if isinstance(p_preferred, bool) or not isinstance(p_preferred, int | float):
        raise ValueError(f"p_preferred must be a number in [0.5, 1], not {p_preferred!r}")
    if not (math.isfinite(p_preferred) and 0.5 <= p_preferred <= 1.0):
        raise ValueError(f"p_preferred must be in [0.5, 1], not {p_preferred!r}")
    return float(p_preferred)


def imbalance_scores(counts: MarginalCounts, levels: Mapping[str, str]) -> dict[str, float]:
    """Arm value -> sum over factors of the range of per-arm counts at the participant's level,
    if the participant were allocated to that arm."""
    clean = _validate_levels(levels)
    scores: dict[str, float] = {}
    for a, arm in enumerate(_ARM_VALUES):
        score = 0
        for factor, rows in zip(FACTORS, counts._table, strict=True):
            row = rows[FACTOR_LEVELS[factor].index(clean[factor])]
            hypothetical = [n + 1 if j == a else n for j, n in enumerate(row)]
            score += max(hypothetical) - min(hypothetical)
        scores[arm] = float(score)
    return scores


def minimise(
    counts: MarginalCounts,
    levels: Mapping[str, str],
    draw: float,
    p_preferred: float = P_PREFERRED,
) -> MinimisationDecision:
    """Allocate a participant at `levels` given the counts of all earlier allocations."""
    if len(ARMS) != 2:  # pragma: no cover - the protocol has two arms
        raise ValueError("this minimisation rule is defined for two arms")
    if not isinstance(counts, MarginalCounts):
        raise ValueError(f"counts must be MarginalCounts, not {type(counts).__name__}")
    clean = _validate_levels(levels)
    u = _validate_draw(draw)
    p = _validate_p(p_preferred)
    scores = imbalance_scores(counts, clean)
    first, second = ARMS
    if scores[first.value] == scores[second.value]:
        arm = first if u < TIE_PROBABILITY else second
        return MinimisationDecision(clean, scores, None, TIE_PROBABILITY, u, arm)
    preferred, other = (
        (first, second) if scores[first.value] < scores[second.value] else (second, first)
    )
    arm = preferred if u < p else other
    return MinimisationDecision(clean, scores, preferred, p, u, arm)


def recheck(
    decision_dict: Mapping[str, Any],
    counts: MarginalCounts,
    p_preferred: float = P_PREFERRED,
) -> bool:
    """True when the stored decision is exactly what minimisation gives from `counts` (the
    allocations before it), its stored levels and draw, under the protocol's `p_preferred`.

    Any altered field (levels, imbalance, preferred arm, probability, draw out of range, arm) or a
    malformed record gives False.
    """
    try:
        if not isinstance(decision_dict, Mapping):
            return False
        recomputed = minimise(counts, decision_dict["levels"], decision_dict["draw"], p_preferred)
    except (KeyError, TypeError, ValueError):
        return False
    return recomputed.as_dict() == dict(decision_dict)
