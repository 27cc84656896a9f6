"""Pre-MRI eligibility from the screening form, and inclusion after the MRI."""

from __future__ import annotations

from typing import Any

import pytest

from domain.crf import Eligibility, describe_criterion, inclusion, mri_eligibility

ELIGIBLE: dict[str, Any] = {
    "SCR_DATE": "2024-03-01",
    "SITE": "RINGE",
    "AGE": 45,
    "SEX": "F",
    "LBP_DURATION_MONTHS": 6,
    "LBP_NOW_SCR": 6,
    "SPEAKS_DANISH": "Y",
    "WILLING": "Y",
    "EXCL_DISORDER": "N",
    "EXCL_PREGNANT": "N",
    "EXCL_SURGERY_REFERRAL": "N",
}
CRITERIA = (
    "age_out_of_range",
    "lbp_duration_out_of_range",
    "lbp_too_mild",
    "does_not_speak_danish",
    "not_willing",
    "other_disorder",
    "pregnant",
    "referred_for_surgery",
)


def check(**changes: Any) -> Eligibility:
    return mri_eligibility({**ELIGIBLE, **changes})


def test_a_participant_meeting_every_criterion_is_eligible() -> None:
    assert mri_eligibility(ELIGIBLE) == Eligibility(eligible=True, failed_criteria=())


@pytest.mark.parametrize(
    ("name", "value", "eligible"),
    [
        ("AGE", 17, False),
        ("AGE", 18, True),
        ("AGE", 60, True),
        ("AGE", 61, False),
        ("LBP_DURATION_MONTHS", 2, False),
        ("LBP_DURATION_MONTHS", 3, True),
        ("LBP_DURATION_MONTHS", 12, True),
        ("LBP_DURATION_MONTHS", 13, False),
        ("LBP_NOW_SCR", 3, False),
        ("LBP_NOW_SCR", 4, True),
        ("LBP_NOW_SCR", 10, True),
    ],
)
def test_range_boundaries(name: str, value: int, eligible: bool) -> None:
    assert check(**{name: value}).eligible is eligible


@pytest.mark.parametrize(
    ("name", "value", "criterion"),
    [
        ("AGE", 17, "age_out_of_range"),
        ("AGE", 61, "age_out_of_range"),
        ("LBP_DURATION_MONTHS", 2, "lbp_duration_out_of_range"),
        ("LBP_DURATION_MONTHS", 13, "lbp_duration_out_of_range"),
        ("LBP_NOW_SCR", 3, "lbp_too_mild"),
        ("SPEAKS_DANISH", "N", "does_not_speak_danish"),
        ("WILLING", "N", "not_willing"),
        ("EXCL_DISORDER", "Y", "other_disorder"),
        ("EXCL_PREGNANT", "Y", "pregnant"),
        ("EXCL_SURGERY_REFERRAL", "Y", "referred_for_surgery"),
    ],
)
def test_each_failed_criterion_is_named(name: str, value: Any, criterion: str) -> None:
    assert check(**{name: value}) == Eligibility(eligible=False, failed_criteria=(criterion,))


@pytest.mark.parametrize("answer", ["N", "NA"])
def test_not_pregnant_or_not_applicable_is_eligible(answer: str) -> None:
    assert check(SEX="M", EXCL_PREGNANT=answer).eligible


def test_all_failed_criteria_are_named_in_a_stable_order() -> None:
    result = check(
        AGE=70,
        LBP_DURATION_MONTHS=24,
        LBP_NOW_SCR=1,
        SPEAKS_DANISH="N",
        WILLING="N",
        EXCL_DISORDER="Y",
        EXCL_PREGNANT="Y",
        EXCL_SURGERY_REFERRAL="Y",
    )
    assert result == Eligibility(eligible=False, failed_criteria=CRITERIA)


def test_missing_or_malformed_answers_do_not_count_as_met() -> None:
    assert mri_eligibility({}).failed_criteria == CRITERIA
    assert check(AGE="45").failed_criteria == ("age_out_of_range",)
    assert check(LBP_NOW_SCR=True).failed_criteria == ("lbp_too_mild",)


@pytest.mark.parametrize("criterion", [*CRITERIA, "no_modic_changes"])
def test_every_criterion_has_a_readable_description(criterion: str) -> None:
    text = describe_criterion(criterion)
    assert text and text != criterion and "_" not in text


def test_age_description_states_the_range() -> None:
    assert describe_criterion("age_out_of_range") == "Age must be 18 to 60 years"


def test_an_unknown_criterion_is_described_by_its_name() -> None:
    assert describe_criterion("renamed_later") == "renamed_later"


class TestInclusion:
    def test_eligible_with_modic_changes_is_included(self) -> None:
        assert inclusion(ELIGIBLE, {"MODIC_PRESENT": "Y"}) == Eligibility(True, ())

    @pytest.mark.parametrize("mri", [{"MODIC_PRESENT": "N"}, {}])
    def test_no_modic_changes_is_not_included(self, mri: dict[str, Any]) -> None:
        assert inclusion(ELIGIBLE, mri) == Eligibility(False, ("no_modic_changes",))

    def test_screening_failures_are_kept(self) -> None:
        result = inclusion({**ELIGIBLE, "AGE": 17}, {"MODIC_PRESENT": "N"})
        assert result == Eligibility(False, ("age_out_of_range", "no_modic_changes"))
        result = inclusion({**ELIGIBLE, "AGE": 17}, {"MODIC_PRESENT": "Y"})
        assert result == Eligibility(False, ("age_out_of_range",))
