"""Derived scores: EQ-5D index (Danish TTO), RMDQ score, LBP_MEAN3 and MRI_ELIGIBLE."""

from __future__ import annotations

from typing import Any

import pytest

from domain.crf import DERIVED, derive
from domain.protocol import FORMS

DIMENSIONS = ("EQ5D_MO", "EQ5D_SC", "EQ5D_UA", "EQ5D_PD", "EQ5D_AD")
RMDQ = tuple(f"RMDQ_{n:02d}" for n in range(1, 24))


def state(digits: str) -> dict[str, Any]:
    """EQ-5D items from a health state written as five digits, e.g. "21232"."""
    return {name: int(digit) for name, digit in zip(DIMENSIONS, digits, strict=True)}


def outcome_items(**changes: Any) -> dict[str, Any]:
    items: dict[str, Any] = {
        "LBP_NOW": 5,
        "LBP_WORST_2W": 7,
        "LBP_TYPICAL_2W": 4,
        **dict.fromkeys(RMDQ, "N"),
        **state("11111"),
    }
    items.update(changes)
    return items


def index(digits: str) -> Any:
    return derive("baseline", outcome_items(**state(digits)))["EQ5D_INDEX_DK"]


class TestEq5dIndexDk:
    @pytest.mark.parametrize(
        ("digits", "expected"),
        [
            ("11111", 1.0),  # full health: no constant
            ("11112", 1 - 0.114 - 0.068),  # 0.818
            ("21111", 1 - 0.114 - 0.053),  # 0.833
            ("22222", 1 - 0.114 - (0.053 + 0.063 + 0.048 + 0.062 + 0.068)),  # 0.592
            ("21232", 1 - 0.114 - (0.053 + 0 + 0.048 + 0.396 + 0.068)),  # 0.321
            ("11131", 1 - 0.114 - 0.396),  # 0.490: level 3 alone, and no N3 term
            ("33333", -0.624),  # worst state
        ],
    )
    def test_states_computed_by_hand(self, digits: str, expected: float) -> None:
        assert index(digits) == round(expected, 3)

    def test_the_index_has_three_decimals(self) -> None:
        assert index("21232") == 0.321
        assert index("33333") == -0.624
        assert index("12121") == 0.761  # 1 - 0.114 - 0.063 (SC) - 0.062 (PD)

    @pytest.mark.parametrize("level", [0, 4, 5, "1", 1.0, True, None])
    def test_an_impossible_level_gives_no_index(self, level: Any) -> None:
        assert derive("week10", outcome_items(EQ5D_PD=level))["EQ5D_INDEX_DK"] is None

    def test_a_state_like_12345_gives_no_index(self) -> None:
        assert index("12345") is None

    def test_a_missing_dimension_gives_no_index(self) -> None:
        items = outcome_items()
        del items["EQ5D_AD"]
        assert derive("month12", items)["EQ5D_INDEX_DK"] is None


class TestRmdqScore:
    def test_counts_the_yes_answers(self) -> None:
        assert derive("baseline", outcome_items())["RMDQ_SCORE"] == 0
        assert derive("baseline", outcome_items(**dict.fromkeys(RMDQ, "Y")))["RMDQ_SCORE"] == 23
        seven = dict.fromkeys(RMDQ[:7], "Y")
        assert derive("baseline", outcome_items(**seven))["RMDQ_SCORE"] == 7

    # CRF.md changed: one or two missing items are prorated (was: any missing gives no score).
    @pytest.mark.parametrize("answer", ["NA", "y", True, 1])
    def test_an_impossible_answer_gives_no_score(self, answer: Any) -> None:
        assert derive("week10", outcome_items(RMDQ_17=answer))["RMDQ_SCORE"] is None

    def test_one_missing_item_is_prorated_to_23_rounded_half_up(self) -> None:
        # 11 Y of 22 answered: 11 * 23 / 22 = 11.5, rounded half up to 12.
        items = outcome_items(**dict.fromkeys(RMDQ[:11], "Y"), RMDQ_23=None)
        assert derive("week10", items)["RMDQ_SCORE"] == 12
        items = outcome_items(**dict.fromkeys(RMDQ[:10], "Y"))
        del items["RMDQ_23"]  # 10 * 23 / 22 = 10.45
        assert derive("week10", items)["RMDQ_SCORE"] == 10

    def test_two_missing_items_are_prorated(self) -> None:
        # 7 Y of 21 answered: 7 * 23 / 21 = 7.67 -> 8.
        items = outcome_items(**dict.fromkeys(RMDQ[:7], "Y"), RMDQ_22=None, RMDQ_23=None)
        assert derive("baseline", items)["RMDQ_SCORE"] == 8

    def test_three_missing_items_give_no_score(self) -> None:
        items = outcome_items(RMDQ_21=None, RMDQ_22=None, RMDQ_23=None)
        assert derive("month12", items)["RMDQ_SCORE"] is None


class TestLbpMean3:
    @pytest.mark.parametrize(
        ("now", "worst", "typical", "mean"),
        [
            # CRF.md changed: full precision in the store (pages round to one decimal).
            (5, 7, 4, 16 / 3),
            (3, 4, 4, 11 / 3),
            (1, 0, 0, 1 / 3),
            (0, 1, 1, 2 / 3),
            (2, 4, 6, 4.0),
            (0, 0, 0, 0.0),
            (10, 10, 10, 10.0),
        ],
    )
    def test_mean_kept_at_full_precision(
        self, now: int, worst: int, typical: int, mean: float
    ) -> None:
        items = outcome_items(LBP_NOW=now, LBP_WORST_2W=worst, LBP_TYPICAL_2W=typical)
        assert derive("baseline", items)["LBP_MEAN3"] == mean

    @pytest.mark.parametrize("name", ["LBP_NOW", "LBP_WORST_2W", "LBP_TYPICAL_2W"])
    def test_any_missing_pain_score_gives_no_mean(self, name: str) -> None:
        assert derive("baseline", outcome_items(**{name: None}))["LBP_MEAN3"] is None
        assert derive("baseline", outcome_items(**{name: "5"}))["LBP_MEAN3"] is None


class TestDerive:
    @pytest.mark.parametrize("form", ["baseline", "week10", "month12"])
    def test_outcome_forms_derive_the_documented_scores(self, form: str) -> None:
        derived = derive(form, outcome_items(HEIGHT_CM=180, WEIGHT_KG=81.0))
        assert list(derived) == [spec.name for spec in DERIVED[form]]
        expected = {"LBP_MEAN3": 16 / 3, "RMDQ_SCORE": 0, "EQ5D_INDEX_DK": 1.0}
        if form == "baseline":
            expected["BMI"] = 25.0  # 81 / 1.8^2
        assert derived == expected

    @pytest.mark.parametrize(
        ("height", "weight", "bmi"), [(172, 74.5, 25.2), (200, 61.0, 15.3), (150, 39.15, 17.4)]
    )
    def test_bmi_has_one_decimal_rounded_half_up(
        self, height: int, weight: float, bmi: float
    ) -> None:
        # 39.15 / 1.5^2 = 17.4 exactly; 74.5 / 1.72^2 = 25.18; 61 / 4 = 15.25 -> 15.3.
        items = outcome_items(HEIGHT_CM=height, WEIGHT_KG=weight)
        assert derive("baseline", items)["BMI"] == bmi

    def test_screening_derives_mri_eligibility(self) -> None:
        screening = {
            "AGE": 40,
            "LBP_DURATION_MONTHS": 6,
            "LBP_NOW_SCR": 5,
            "SPEAKS_DANISH": "Y",
            "WILLING": "Y",
            "EXCL_DISORDER": "N",
            "EXCL_PREGNANT": "NA",
            "EXCL_SURGERY_REFERRAL": "N",
        }
        assert derive("screening", screening) == {"MRI_ELIGIBLE": "Y"}
        assert derive("screening", {**screening, "AGE": 61}) == {"MRI_ELIGIBLE": "N"}

    @pytest.mark.parametrize("form", ["mri", "consent", "adherence", "weekly", "end_of_study"])
    def test_other_forms_derive_nothing(self, form: str) -> None:
        assert derive(form, {}) == {}

    def test_derived_items_are_documented_for_every_form(self) -> None:
        assert set(DERIVED) == set(FORMS)
        assert [spec.name for spec in DERIVED["screening"]] == ["MRI_ELIGIBLE"]
        assert [spec.name for spec in DERIVED["mri"]] == ["INCLUDED"]
        for specs in DERIVED.values():
            assert all(spec.note for spec in specs)
        assert "0.114" in DERIVED["baseline"][2].note
