"""The corrected CRF (issue 10): the 1-year window, date rules, missing codes and drafts,
the adverse event and discontinuation forms and the new conditional items."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from domain.crf import FormContext, form_readiness_problems, missing_items, validate_form
from domain.crf.repeats import with_assigned_key
from domain.errors import FormInvalid
from domain.protocol import FORM_LABELS, VISIT_BY_KEY, window_status
from tests import factories

TODAY = date(2024, 6, 1)
SCREENED = date(2024, 1, 10)
CONSENTED = date(2024, 1, 13)
RANDOMISED = date(2024, 1, 15)
CONTEXT = FormContext(
    today=TODAY, screening_date=SCREENED, consent_date=CONSENTED, randomised_on=RANDOMISED
)


def follow_up(form: str, **overrides: Any) -> dict[str, Any]:
    """Follow-up items dated after randomisation (the factories' date lies before it)."""
    return factories.outcomes(form, **{"ASSESS_DATE": "2024-03-25", **overrides})


def errors_of(form: str, items: dict[str, Any], context: FormContext = CONTEXT) -> dict[str, str]:
    with pytest.raises(FormInvalid) as raised:
        validate_form(form, items, context)
    return raised.value.fields


class TestOneYearFollowUp:
    def test_is_at_week_62_with_its_stable_oid(self) -> None:
        visit = VISIT_BY_KEY["month12"]
        assert (visit.oid, visit.target_day, visit.window) == ("SE.MONTH12", 434, (413, 455))
        assert visit.label == "1-year follow-up (week 62)"
        assert "week 62" in FORM_LABELS["month12"]

    @pytest.mark.parametrize(
        ("day", "inside"), [(412, False), (413, True), (434, True), (455, True), (456, False)]
    )
    def test_window_boundaries(self, day: int, inside: bool) -> None:
        assert (window_status(VISIT_BY_KEY["month12"], day) is None) is inside

    @pytest.mark.parametrize(("week", "valid"), [(62, True), (63, False)])
    def test_weekly_reports_run_to_week_62(self, week: int, valid: bool) -> None:
        items = {"WEEK": week, "LBP_DAYS": 1, "SICK_LEAVE_DAYS": 0}
        if valid:
            assert validate_form("weekly", items, CONTEXT)["WEEK"] == week
        else:
            assert set(errors_of("weekly", items)) == {"WEEK"}


class TestDateRules:
    @pytest.mark.parametrize(
        ("form", "item"),
        [
            ("screening", "SCR_DATE"),
            ("mri", "MRI_DATE"),
            ("consent", "CONSENT_DATE"),
            ("end_of_study", "EOS_DATE"),
        ],
    )
    def test_no_date_before_the_trial_started(self, form: str, item: str) -> None:
        items = {
            "screening": factories.screening,
            "mri": factories.mri,
            "consent": factories.consent,
            "end_of_study": lambda **o: {"EOS_STATUS": "completed", **o},
        }[form]
        early = FormContext(today=TODAY)
        fields = errors_of(form, items(**{item: "0001-01-01"}), early)
        assert fields == {item: "Must not be before the trial started (2007-03-01)"}
        assert validate_form(form, items(**{item: "2007-03-01"}), early)[item] == "2007-03-01"

    @pytest.mark.parametrize(("form", "item"), [("mri", "MRI_DATE"), ("consent", "CONSENT_DATE")])
    def test_mri_and_consent_on_or_after_screening(self, form: str, item: str) -> None:
        items = factories.mri if form == "mri" else factories.consent
        fields = errors_of(form, items(**{item: "2024-01-09"}))
        assert fields == {item: "Must be on or after the screening date (2024-01-10)"}
        assert validate_form(form, items(**{item: "2024-01-10"}), CONTEXT)[item] == "2024-01-10"

    def test_baseline_on_or_after_consent(self) -> None:
        # The reported case: a baseline months before consent.
        fields = errors_of("baseline", factories.outcomes(ASSESS_DATE="2023-09-13"))
        assert fields == {"ASSESS_DATE": "Must be on or after the consent date (2024-01-13)"}
        fields = errors_of("baseline", factories.outcomes(ASSESS_DATE="2024-01-12"))
        assert set(fields) == {"ASSESS_DATE"}
        done = validate_form("baseline", factories.outcomes(ASSESS_DATE="2024-01-13"), CONTEXT)
        assert done["ASSESS_DATE"] == "2024-01-13"

    @pytest.mark.parametrize("form", ["week10", "month12"])
    def test_follow_up_on_or_after_randomisation(self, form: str) -> None:
        fields = errors_of(form, factories.outcomes(form, ASSESS_DATE="2024-01-14"))
        assert fields == {"ASSESS_DATE": "Must be on or after the randomisation date (2024-01-15)"}
        saved = validate_form(form, factories.outcomes(form, ASSESS_DATE="2024-01-15"), CONTEXT)
        assert saved["ASSESS_DATE"] == "2024-01-15"

    @pytest.mark.parametrize(
        ("form", "item"),
        [
            ("end_of_study", "EOS_DATE"),
            ("discontinuation", "DISC_DATE"),
            ("adverse_event", "AE_ONSET"),
        ],
    )
    def test_end_discontinuation_and_onset_on_or_after_consent(self, form: str, item: str) -> None:
        items = {
            "end_of_study": {"EOS_STATUS": "completed"},
            "discontinuation": factories.discontinuation(),
            "adverse_event": factories.adverse_event(AE_NO=1, AE_END="2024-01-20"),
        }[form]
        fields = errors_of(form, {**items, item: "2024-01-12"})
        assert fields == {item: "Must be on or after the consent date (2024-01-13)"}
        assert validate_form(form, {**items, item: "2024-01-13"}, CONTEXT)[item] == "2024-01-13"

    def test_an_end_of_study_before_screening_is_refused(self) -> None:
        fields = errors_of("end_of_study", {"EOS_DATE": "2024-01-01", "EOS_STATUS": "completed"})
        assert set(fields) == {"EOS_DATE"}

    def test_adverse_event_ends_on_or_after_onset(self) -> None:
        items = factories.adverse_event(AE_NO=1, AE_ONSET="2024-02-01")
        fields = errors_of("adverse_event", {**items, "AE_END": "2024-01-31"})
        assert fields == {"AE_END": "Must be on or after AE_ONSET (2024-02-01)"}
        same_day = validate_form("adverse_event", {**items, "AE_END": "2024-02-01"}, CONTEXT)
        assert same_day["AE_END"] == "2024-02-01"

    def test_no_date_in_the_future(self) -> None:
        tomorrow = (TODAY + timedelta(days=1)).isoformat()
        fields = errors_of("adverse_event", factories.adverse_event(AE_NO=1, AE_END=tomorrow))
        assert fields == {"AE_END": "Must not be in the future"}

    def test_rules_name_each_failing_field(self) -> None:
        items = factories.adverse_event(AE_NO=1, AE_ONSET="2024-01-01", AE_END="2024-06-02")
        fields = errors_of("adverse_event", items)
        assert set(fields) == {"AE_ONSET", "AE_END"}
        # An end before a wrong onset gets no second message: the onset is fixed first.
        items = factories.adverse_event(AE_NO=1, AE_ONSET="2024-01-01", AE_END="2023-12-31")
        assert set(errors_of("adverse_event", items)) == {"AE_ONSET"}


class TestBaselineAgeAtRandomisation:
    def sheets(self, assessed: str) -> dict[str, dict[str, Any]]:
        baseline = validate_form("baseline", factories.outcomes(ASSESS_DATE=assessed), CONTEXT)
        return {"baseline": baseline}

    @pytest.mark.parametrize(("age", "refused"), [(30, False), (31, True)])
    def test_at_most_30_days_before_the_day_of_randomisation(self, age: int, refused: bool) -> None:
        day = date(2024, 1, 14) + timedelta(days=age)
        problems = form_readiness_problems(self.sheets("2024-01-14"), day)
        assert bool(problems) is refused
        if refused:
            assert "repeat the baseline" in problems[0] and "correction" in problems[0]


RMDQ_SKIPPED = {"RMDQ_05": {"missing": "ANS"}}


class TestMissingCodes:
    def test_a_skipped_rmdq_item_saves_the_visit_complete(self) -> None:
        saved = validate_form("week10", follow_up("week10", **RMDQ_SKIPPED), CONTEXT)
        assert saved["RMDQ_05"] is None and saved["RMDQ_05_NC"] == "ANS"
        assert saved["RMDQ_04_NC"] is None
        assert missing_items("week10", saved, CONTEXT) == {}

    @pytest.mark.parametrize("code", ["ANS", "ND", "UNK"])
    def test_each_code_for_an_eq5d_dimension(self, code: str) -> None:
        items = follow_up("month12", EQ5D_SC={"missing": code})
        saved = validate_form("month12", items, CONTEXT)
        assert (saved["EQ5D_SC"], saved["EQ5D_SC_NC"]) == (None, code)

    def test_the_companion_item_is_an_equivalent_way_to_give_a_code(self) -> None:
        items = follow_up("week10", BOTHER=None, BOTHER_NC="ND")
        assert validate_form("week10", items, CONTEXT)["BOTHER_NC"] == "ND"

    def test_a_saved_sheet_validates_to_itself(self) -> None:
        saved = validate_form("week10", follow_up("week10", **RMDQ_SKIPPED), CONTEXT)
        assert validate_form("week10", saved, CONTEXT) == saved

    def test_an_unknown_code_is_refused_with_the_items_message(self) -> None:
        fields = errors_of("week10", follow_up("week10", RMDQ_05={"missing": "NA"}))
        assert set(fields) == {"RMDQ_05"}
        assert fields["RMDQ_05"].startswith("Roland-Morris item 5: uses a handrail on stairs must")
        assert '"missing"' in fields["RMDQ_05"]

    def test_value_and_code_together_are_refused(self) -> None:
        fields = errors_of("week10", follow_up("week10", RMDQ_05="Y", RMDQ_05_NC="ANS"))
        assert fields == {"RMDQ_05": "Give a value or a missing code, not both"}

    def test_a_bad_companion_code_is_refused(self) -> None:
        fields = errors_of("week10", follow_up("week10", RMDQ_05=None, RMDQ_05_NC="x"))
        assert fields == {"RMDQ_05_NC": "A missing code must be ANS, ND or UNK"}

    @pytest.mark.parametrize("item", ["ASSESS_DATE", "SMOKER", "WORK_STATUS", "HEIGHT_CM"])
    def test_items_outside_the_questionnaire_take_no_code(self, item: str) -> None:
        fields = errors_of("baseline", factories.outcomes(**{item: {"missing": "ANS"}}))
        assert set(fields) == {item}
        assert "missing" not in fields[item]

    def test_scores_follow_the_missing_rules(self) -> None:
        from domain.crf import derive

        items = follow_up(
            "week10",
            LBP_NOW={"missing": "ANS"},
            EQ5D_MO={"missing": "UNK"},
            **{f"RMDQ_0{n}": "Y" for n in range(1, 10)},
            RMDQ_22={"missing": "ANS"},
        )
        derived = derive("week10", validate_form("week10", items, CONTEXT))
        assert derived["LBP_MEAN3"] is None and derived["EQ5D_INDEX_DK"] is None
        assert derived["RMDQ_SCORE"] == 9  # 9 * 23 / 22 = 9.41 -> 9


class TestDrafts:
    def test_a_draft_may_leave_required_items_empty_and_lists_them(self) -> None:
        items = follow_up("week10")
        del items["RMDQ_05"], items["BOTHER"]
        assert set(errors_of("week10", items)) == {"RMDQ_05", "BOTHER"}
        draft = validate_form("week10", items, CONTEXT, complete=False)
        assert list(missing_items("week10", draft, CONTEXT)) == ["RMDQ_05", "BOTHER"]

    def test_a_draft_still_refuses_wrong_values(self) -> None:
        items = follow_up("week10", LBP_NOW=11)
        del items["BOTHER"]
        with pytest.raises(FormInvalid) as raised:
            validate_form("week10", items, CONTEXT, complete=False)
        assert set(raised.value.fields) == {"LBP_NOW"}

    def test_conditional_requirements_count_as_missing_in_a_draft(self) -> None:
        items = factories.adverse_event(AE_NO=1, AE_SERIOUS="Y")
        draft = validate_form("adverse_event", items, CONTEXT, complete=False)
        assert list(missing_items("adverse_event", draft, CONTEXT)) == ["AE_SAE_CRITERIA"]

    def test_randomisation_needs_a_complete_baseline_with_factor_values(self) -> None:
        items = factories.outcomes()
        del items["EQ5D_VAS"], items["BOTHER"]
        draft = validate_form("baseline", items, CONTEXT, complete=False)
        assert form_readiness_problems({"baseline": draft}) == [
            "the baseline form is incomplete (missing: BOTHER)"
        ]
        coded = validate_form("baseline", factories.outcomes(LBP_NOW={"missing": "ND"}), CONTEXT)
        assert form_readiness_problems({"baseline": coded}) == [
            "LBP_NOW must be a value, not a missing code"
        ]
        complete = validate_form("baseline", factories.outcomes(), CONTEXT)
        assert form_readiness_problems({"baseline": complete}) == []


class TestAdverseEventAndDiscontinuation:
    def test_numbers_are_assigned_in_order(self) -> None:
        assert with_assigned_key("adverse_event", {}, lambda: [])["AE_NO"] == 1
        assert with_assigned_key("adverse_event", {}, lambda: [1, 2])["AE_NO"] == 3
        assert with_assigned_key("adverse_event", {"AE_NO": 2}, lambda: [1, 2])["AE_NO"] == 2
        with pytest.raises(FormInvalid) as raised:
            with_assigned_key("adverse_event", {"AE_NO": 5}, lambda: [1, 2])
        assert raised.value.fields == {
            "AE_NO": "Must be the number of an entered event or the next one (3)"
        }

    def test_end_required_unless_ongoing(self) -> None:
        items = factories.adverse_event(AE_NO=1)
        del items["AE_END"]
        assert errors_of("adverse_event", items) == {
            "AE_END": "Required when the event is not ongoing"
        }
        ongoing = validate_form("adverse_event", {**items, "AE_ONGOING": "Y"}, CONTEXT)
        assert ongoing["AE_END"] is None
        fields = errors_of("adverse_event", factories.adverse_event(AE_NO=1, AE_ONGOING="Y"))
        assert fields == {"AE_END": "Leave empty: the event is ongoing"}

    def test_seriousness_criteria_required_for_a_serious_event(self) -> None:
        fields = errors_of("adverse_event", factories.adverse_event(AE_NO=1, AE_SERIOUS="Y"))
        assert fields == {"AE_SAE_CRITERIA": "Required for a serious adverse event"}
        serious = factories.adverse_event(
            AE_NO=1, AE_SERIOUS="Y", AE_SAE_CRITERIA=["hospitalisation"]
        )
        assert validate_form("adverse_event", serious, CONTEXT)["AE_SAE_CRITERIA"] == [
            "hospitalisation"
        ]

    def test_term_is_at_most_200_characters(self) -> None:
        fields = errors_of("adverse_event", factories.adverse_event(AE_NO=1, AE_TERM="x" * 201))
        assert set(fields) == {"AE_TERM"}
        assert fields["AE_TERM"].startswith("What happened must be text of at most 200 characters")

    def test_discontinuation_reason_text_required_for_other(self) -> None:
        items = factories.discontinuation(DISC_REASON_CODE="other")
        assert errors_of("discontinuation", items) == {
            "DISC_REASON": "Required when the reason is other"
        }
        items["DISC_REASON"] = "Moved abroad"
        assert validate_form("discontinuation", items, CONTEXT)["DISC_REASON"] == "Moved abroad"


class TestNewItems:
    def test_sick_leave_days_only_for_working_or_sick_listed(self) -> None:
        working = factories.outcomes(WORK_STATUS="sick-listed")
        del working["SICK_LEAVE_DAYS_4W"]
        assert errors_of("baseline", working) == {
            "SICK_LEAVE_DAYS_4W": "Required when working or sick-listed"
        }
        retired = factories.outcomes(WORK_STATUS="retired")
        assert errors_of("baseline", retired) == {
            "SICK_LEAVE_DAYS_4W": "Leave empty: only for participants working or sick-listed"
        }
        del retired["SICK_LEAVE_DAYS_4W"]
        assert validate_form("baseline", retired, CONTEXT)["SICK_LEAVE_DAYS_4W"] is None

    def test_no_pain_medication_excludes_the_others(self) -> None:
        items = factories.outcomes(PAIN_MEDICATION=["none", "opioid"])
        assert errors_of("baseline", items) == {
            "PAIN_MEDICATION": "None cannot be combined with a medication"
        }

    def test_co_intervention_text_required_when_yes(self) -> None:
        items = follow_up("week10", CO_INTERVENTION="Y")
        assert errors_of("week10", items) == {
            "CO_INTERVENTION_TEXT": "Required when there was another treatment"
        }
        items["CO_INTERVENTION_TEXT"] = "Acupuncture"
        assert validate_form("week10", items, CONTEXT)["CO_INTERVENTION_TEXT"] == "Acupuncture"

    def test_height_and_weight_ranges(self) -> None:
        fields = errors_of("baseline", factories.outcomes(HEIGHT_CM=119, WEIGHT_KG=250.5))
        assert set(fields) == {"HEIGHT_CM", "WEIGHT_KG"}
