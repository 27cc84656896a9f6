"""Electronic signatures: password re-entry, meaning, content hash, and invalidation by change."""

from __future__ import annotations

import hashlib
import json

import pytest

from domain.actor import Actor
from domain.errors import EdcError, FormInvalid, PermissionDenied
from edc.application import SYSTEM, Trial
from tests import factories
from tests.app.conftest import PASSWORD
from tests.app.journeys import randomised, ready_to_randomise
from tests.review.helpers import CORRECTION, clinical_topics_after, names_of, position


def sha256_of_json(content: object) -> str:
    """The test's own canonical JSON: sorted keys, no spaces, UTF-8."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_a_signature_records_name_time_meaning_and_the_hash_of_exactly_the_signed_form(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    pid = ready_to_randomise(trial, actors["site_staff"])
    signed = trial.sign(actors["investigator"], pid, PASSWORD, "approval", form="baseline")

    baseline = trial.load_participant(pid).sheets["baseline"]
    expected = sha256_of_json(
        {
            "participant_id": str(pid),
            "scope": "form",
            "form": "baseline",
            "sheets": {"baseline": baseline},
        }
    )
    assert signed["content_hash"] == expected
    assert signed["printed_name"] == "ivan"
    assert signed["meaning"] == "approval"
    assert signed["user"] == "ivan" and signed["role"] == "investigator"
    assert signed["signed_at"].endswith("+00:00")
    assert signed["status"] == "valid" and signed["invalidated_by"] is None
    assert trial.signatures(actors["monitor"], pid) == [signed]
    assert trial.get_participant(actors["monitor"], pid)["forms"]["baseline"]["signed"] is True
    assert trial.get_participant(actors["monitor"], pid)["forms"]["consent"]["signed"] is False


def test_a_later_correction_invalidates_the_signature_and_names_the_change(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff = actors["site_staff"]
    pid = ready_to_randomise(trial, staff)
    trial.sign(actors["investigator"], pid, PASSWORD, "review", form="baseline")
    trial.sign(actors["investigator"], pid, PASSWORD, "approval", form="consent")

    trial.correct_form(
        staff, pid, "baseline", factories.outcomes(LBP_NOW=7), expected_version=1, reason=CORRECTION
    )

    baseline_signature, consent_signature = trial.signatures(actors["monitor"], pid)
    assert baseline_signature["status"] == "invalidated"
    changed_by = baseline_signature["invalidated_by"]
    correction_version = names_of(trial, pid).index("FormCorrected") + 1
    assert changed_by["event"] == "FormCorrected"
    assert changed_by["participant_version"] == correction_version
    assert changed_by["form"] == "baseline"
    assert (changed_by["user"], changed_by["role"]) == ("sara", "site_staff")
    assert changed_by["reason"] == CORRECTION
    # The consent form was not changed, so its signature still holds.
    assert consent_signature["status"] == "valid"
    form = trial.get_participant(actors["monitor"], pid)["forms"]["baseline"]
    assert form["signed"] is False


def test_changing_a_value_back_does_not_revalidate_a_signature(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff = actors["site_staff"]
    pid = ready_to_randomise(trial, staff)
    trial.sign(actors["investigator"], pid, PASSWORD, "approval", form="baseline")
    trial.correct_form(
        staff, pid, "baseline", factories.outcomes(LBP_NOW=7), expected_version=1, reason=CORRECTION
    )
    trial.correct_form(
        staff, pid, "baseline", factories.outcomes(LBP_NOW=6), expected_version=2, reason=CORRECTION
    )
    [signature] = trial.signatures(actors["monitor"], pid)
    assert signature["status"] == "invalidated"
    assert signature["invalidated_by"]["participant_version"] == (
        names_of(trial, pid).index("FormCorrected") + 1
    )


def test_a_casebook_signature_covers_every_blinded_sheet_but_not_adherence(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff = actors["site_staff"]
    pid, arm = randomised(trial, staff)
    # Follow-up not yet entered: an incomplete casebook is signed with a reason (issue 12).
    signed = trial.sign(
        actors["investigator"], pid, PASSWORD, "approval", incomplete_reason="Interim review"
    )
    participant = trial.load_participant(pid)
    assert signed["scope"] == "casebook" and signed["form"] is None
    assert signed["content_hash"] == sha256_of_json(
        {
            "participant_id": str(pid),
            "scope": "casebook",
            "form": None,
            "sheets": dict(participant.sheets),
        }
    )

    # Adherence reveals the arm: entering it must not touch a blinded signature.
    adherence = {"EXERCISE_SESSIONS": 6} if arm == "exercise" else {"REST_HOURS_PER_DAY": 1.5}
    trial.record_form(staff, pid, "adherence", adherence, expected_version=0)
    [still] = trial.signatures(actors["monitor"], pid)
    assert still["status"] == "valid"

    # A new weekly report is new casebook content: the casebook signature no longer holds.
    trial.record_form(
        staff, pid, "weekly", {"WEEK": 1, "LBP_DAYS": 3, "SICK_LEAVE_DAYS": 0}, expected_version=0
    )
    [after] = trial.signatures(actors["monitor"], pid)
    assert after["status"] == "invalidated"
    assert after["invalidated_by"]["event"] == "WeeklyReportReceived"
    assert after["invalidated_by"]["form"] == "weekly"


def test_a_wrong_password_refuses_and_stores_no_signature(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    pid = ready_to_randomise(trial, actors["site_staff"])
    investigator = actors["investigator"]
    before, events_before = position(trial), names_of(trial, pid)
    with pytest.raises(PermissionDenied, match="password is not correct"):
        trial.sign(investigator, pid, "not my password", "approval", form="baseline")
    with pytest.raises(PermissionDenied, match="password is not correct"):
        trial.sign(investigator, pid, "", "approval")
    assert names_of(trial, pid) == events_before
    # Only the failed password checks are stored: they count towards lock-out (issue 9).
    assert clinical_topics_after(trial, before) == ["domain.user:User.LoginFailed"] * 2
    assert trial.signatures(investigator, pid) == []


def test_the_printed_name_is_the_full_name_when_the_account_has_one(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    pid = ready_to_randomise(trial, actors["site_staff"])
    investigator = actors["investigator"]
    trial.set_full_name(SYSTEM, investigator.user, "Ivan Ivanov")
    signed = trial.sign(investigator, pid, PASSWORD, "authorship", form="mri")
    assert signed["printed_name"] == "Ivan Ivanov"
    assert signed["user"] == "ivan"


def test_signing_needs_a_known_meaning_and_an_entered_blinded_form(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff, investigator = actors["site_staff"], actors["investigator"]
    pid, _arm = randomised(trial, staff)
    before = position(trial)
    with pytest.raises(FormInvalid, match="meaning") as bad_meaning:
        trial.sign(investigator, pid, PASSWORD, "looked at it", form="baseline")
    assert "approval, review, authorship" in bad_meaning.value.fields["meaning"]
    with pytest.raises(EdcError, match="not entered"):
        trial.sign(investigator, pid, PASSWORD, "approval", form="week10")
    with pytest.raises(EdcError, match="reveals the arm"):
        trial.sign(investigator, pid, PASSWORD, "approval", form="adherence")
    with pytest.raises(EdcError, match="no form called"):
        trial.sign(investigator, pid, PASSWORD, "approval", form="x-ray")
    assert clinical_topics_after(trial, before) == []


def test_signing_a_locked_form_is_allowed(trial: Trial, actors: dict[str, Actor]) -> None:
    pid = ready_to_randomise(trial, actors["site_staff"])
    trial.lock_form(actors["data_manager"], pid, "baseline")
    signed = trial.sign(actors["investigator"], pid, PASSWORD, "approval", form="baseline")
    assert signed["status"] == "valid"
