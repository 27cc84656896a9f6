"""The pre-specified models, fitted with statsmodels (no statistics written by hand).

Every model compares the experimental arm (rest; `treated` = 1) with the active comparator
(exercise), adjusted for the outcome's baseline value and the five minimisation factors, in the
complete cases of one follow-up visit:
- continuous outcomes (LBP now, RMDQ, EQ-5D index): linear regression, difference in means;
- bothersomeness (1..5): proportional odds (ordered logit), odds ratio of a worse category;
- global transition: logistic regression of "improved" (much better or better), odds ratio;
- effect modification: the same linear model with an arm x modifier interaction; the
  interaction's p value and the arm's effect within each level of the modifier;
- sensitivity: multiple imputation by chained equations (statsmodels MICE) for missing outcomes.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from domain.itt import PRIMARY_OUTCOME
from domain.minimisation import FACTOR_LEVELS
from projections.analysis.dataset import MODIFIERS, Dataset, Person

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Estimate:
    label: str
    n: int
    estimate: float | None
    low: float | None
    high: float | None
    p: float | None
    scale: str  # "difference" or "odds ratio"
    note: str = ""


@dataclass(frozen=True)
class Subgroup:
    modifier: str
    level: str
    estimate: Estimate


@dataclass(frozen=True)
class Interaction:
    modifier: str
    n: int
    p: float | None
    subgroups: tuple[Subgroup, ...]
    note: str = ""


@dataclass
class Design:
    """Columns of a model, rows of the complete cases, and the outcome."""

    names: list[str]
    rows: list[list[float]] = field(default_factory=list)
    y: list[float] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)


def factor_columns(person: Person, corrected: bool = False) -> list[float]:
    """Each minimisation factor as 0/1: 1 for its second level (M, 40-60, no, heavy, other),
    as randomised (or, for the sensitivity analysis, from the corrected values)."""
    levels = person.corrected_levels if corrected else person.levels
    return [1.0 if levels[factor] == FACTOR_LEVELS[factor][1] else 0.0 for factor in MODIFIERS]


FACTOR_NAMES = [f"{factor}={FACTOR_LEVELS[factor][1]}" for factor in MODIFIERS]


def design(
    data: Dataset,
    visit: str,
    outcome: str,
    *,
    baseline: bool = True,
    transform: Any = None,
    interaction: str | None = None,
    corrected: bool = False,
) -> Design:
    names = ["const", "treated"] + (["baseline"] if baseline else []) + FACTOR_NAMES
    if interaction is not None:
        names.append(f"treated x {interaction}")
    result = Design(names)
    for person in data.people:
        y = person.outcomes[visit].get(outcome)
        base = person.baseline.get(outcome)
        if outcome == PRIMARY_OUTCOME and not person.analysed[visit]:
            continue  # the analysed population of CONSORT, defined once in domain.itt
        if y is None or (baseline and base is None):
            continue
        treated = float(data.treated(person))
        row = [1.0, treated] + ([float(base)] if baseline and base is not None else [])
        factors = factor_columns(person, corrected)
        row += factors
        if interaction is not None:
            row.append(treated * factors[MODIFIERS.index(interaction)])
        result.rows.append(row)
        result.y.append(float(transform(y)) if transform else float(y))
        result.people.append(person)
    return result


def _fit(fitter: Any) -> tuple[Any, str]:
    """Run a statsmodels fit, turning its warnings into a note rather than an error."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = fitter()
        except (ValueError, ArithmeticError) as error:
            return None, f"not estimable: {error}"
        except Exception as error:  # statsmodels raises its own LinAlgError/PerfectSeparation
            return None, f"not estimable: {type(error).__name__}: {error}"
    notes = sorted({str(w.message).splitlines()[0] for w in caught})
    return result, "; ".join(notes)


def _enough(d: Design, minimum: int = 4) -> str:
    if len(d.y) < len(d.names) + minimum:
        return f"not estimable: {len(d.y)} complete cases for {len(d.names)} parameters"
    treated = {row[1] for row in d.rows}
    if treated != {0.0, 1.0}:
        return "not estimable: the complete cases are all in one arm"
    return ""


def _none(label: str, n: int, scale: str, note: str) -> Estimate:
    return Estimate(label, n, None, None, None, None, scale, note)


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def linear(label: str, d: Design) -> Estimate:
    import numpy as np
    import statsmodels.api as sm

    problem = _enough(d)
    if problem:
        return _none(label, len(d.y), "difference", problem)
    fit, note = _fit(lambda: sm.OLS(np.array(d.y), np.array(d.rows)).fit())
    if fit is None:
        return _none(label, len(d.y), "difference", note)
    low, high = fit.conf_int(alpha=0.05)[1]
    return Estimate(
        label,
        len(d.y),
        float(fit.params[1]),
        float(low),
        float(high),
        float(fit.pvalues[1]),
        "difference",
        note,
    )


def ordinal(label: str, d: Design) -> Estimate:
    import numpy as np
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    problem = _enough(d)
    if problem:
        return _none(label, len(d.y), "odds ratio", problem)
    if len(set(d.y)) < 3:
        return _none(label, len(d.y), "odds ratio", "not estimable: fewer than 3 categories seen")
    # The ordered model has thresholds instead of a constant.
    exog = np.array([row[1:] for row in d.rows])
    fit, note = _fit(
        lambda: OrderedModel(np.array(d.y), exog, distr="logit").fit(method="bfgs", disp=False)
    )
    if fit is None:
        return _none(label, len(d.y), "odds ratio", note)
    coefficient, error = float(fit.params[0]), float(fit.bse[0])
    return _odds_ratio(label, len(d.y), coefficient, error, float(fit.pvalues[0]), note)


def logistic(label: str, d: Design) -> Estimate:
    import numpy as np
    import statsmodels.api as sm

    problem = _enough(d)
    if problem:
        return _none(label, len(d.y), "odds ratio", problem)
    if len(set(d.y)) < 2:
        return _none(label, len(d.y), "odds ratio", "not estimable: one outcome category only")
    fit, note = _fit(lambda: sm.Logit(np.array(d.y), np.array(d.rows)).fit(disp=False))
    if fit is None:
        return _none(label, len(d.y), "odds ratio", note)
    return _odds_ratio(
        label, len(d.y), float(fit.params[1]), float(fit.bse[1]), float(fit.pvalues[1]), note
    )


def _odds_ratio(
    label: str, n: int, coefficient: float, error: float, p: float, note: str
) -> Estimate:
    def exp(value: float) -> float | None:
        return _finite(math.exp(value)) if value < 700 else None

    return Estimate(
        label,
        n,
        exp(coefficient),
        exp(coefficient - Z95 * error),
        exp(coefficient + Z95 * error),
        _finite(p),
        "odds ratio",
        note,
    )


def interaction(data: Dataset, visit: str, modifier: str) -> Interaction:
    """The arm's effect on LBP now within each level of `modifier`, and the interaction test."""
    import numpy as np
    import statsmodels.api as sm

    d = design(data, visit, "LBP_NOW", interaction=modifier)
    problem = _enough(d)
    column = MODIFIERS.index(modifier)
    levels = FACTOR_LEVELS[modifier]
    if not problem and len({row[3 + column] for row in d.rows}) < 2:
        problem = f"not estimable: every complete case has {modifier} at one level"
    if problem:
        empty = tuple(
            Subgroup(modifier, level, _none(level, 0, "difference", problem)) for level in levels
        )
        return Interaction(modifier, len(d.y), None, empty, problem)
    fit, note = _fit(lambda: sm.OLS(np.array(d.y), np.array(d.rows)).fit())
    if fit is None:
        empty = tuple(
            Subgroup(modifier, level, _none(level, 0, "difference", note)) for level in levels
        )
        return Interaction(modifier, len(d.y), None, empty, note)
    last = len(d.names) - 1
    subgroups = []
    for index, level in enumerate(levels):
        contrast = np.zeros(len(d.names))
        contrast[1] = 1.0
        if index == 1:
            contrast[last] = 1.0
        test = fit.t_test(contrast)
        low, high = test.conf_int(alpha=0.05)[0]
        n = sum(1 for row in d.rows if row[3 + column] == float(index))
        subgroups.append(
            Subgroup(
                modifier,
                level,
                Estimate(
                    level,
                    n,
                    float(test.effect[0]),
                    float(low),
                    float(high),
                    float(test.pvalue),
                    "difference",
                ),
            )
        )
    return Interaction(modifier, len(d.y), float(fit.pvalues[last]), tuple(subgroups), note)


def multiple_imputation(
    data: Dataset, visit: str, seed: int, imputations: int = 20, burn_in: int = 10
) -> Estimate:
    """LBP now at `visit` with missing outcomes imputed by chained equations (MICE)."""
    import numpy as np
    import pandas as pd
    import statsmodels.api as sm
    from statsmodels.imputation import mice

    label = "LBP now, multiple imputation"
    rows = []
    for person in data.people:
        base = person.baseline.get("LBP_NOW")
        y = person.outcomes[visit].get("LBP_NOW")
        row = {"y": np.nan if y is None else y, "treated": float(data.treated(person))}
        row["baseline"] = np.nan if base is None else base
        for name, value in zip(
            ("sex", "age", "smoking", "load", "modic"), factor_columns(person), strict=True
        ):
            row[name] = value
        rows.append(row)
    frame = pd.DataFrame(rows)
    n = len(frame)
    if n < 12 or frame["y"].notna().sum() < 10 or frame["treated"].nunique() < 2:
        return _none(label, n, "difference", "not estimable: too few participants")
    if frame["y"].notna().all():
        note = "no missing outcomes: the same as complete case"
    else:
        note = f"{int(frame['y'].isna().sum())} missing outcomes imputed, {imputations} imputations"
    imputed = mice.MICEData(frame, rng=np.random.default_rng(seed))
    formula = "y ~ treated + baseline + sex + age + smoking + load + modic"
    model = mice.MICE(formula, sm.OLS, imputed)
    fit, problem = _fit(lambda: model.fit(n_burnin=burn_in, n_imputations=imputations))
    if fit is None:
        return _none(label, n, "difference", problem)
    index = list(fit.model.exog_names).index("treated")
    low, high = fit.conf_int(alpha=0.05)[index]
    return Estimate(
        label,
        n,
        float(fit.params[index]),
        float(low),
        float(high),
        float(fit.pvalues[index]),
        "difference",
        "; ".join(x for x in (note, problem) if x),
    )


def improved(value: float) -> float:
    """Global transition 1 (much better) or 2 (better) is improved."""
    return 1.0 if value in (1.0, 2.0) else 0.0


def names(estimates: Sequence[Estimate]) -> list[str]:
    return [e.label for e in estimates]
