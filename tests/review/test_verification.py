"""Source data verification: monitors verify entered forms; a later change clears it, and the
history keeps both the verification and the clearing."""

from __future__ import annotations

import pytest

from domain.actor import Actor
from domain.errors import EdcError
from edc.application import Trial
from tests import factories
from tests.app.journeys import randomised, ready_to_randomise
from tests.review.helpers import CORRECTION, clinical_topics_after, events_of, position


def test_a_later_change_clears_verification_and_history_shows_both(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff, monitor = actors["site_staff"], actors["monitor"]
    pid = ready_to_randomise(trial, staff)
    verified = trial.verify_form(monitor, pid, "baseline")
    assert verified["verified"] is True and verified["verified_by"] == "mona"
    assert verified["form_version"] == 1
    assert trial.get_participant(monitor, pid)["forms"]["baseline"]["verified"] is True

    trial.correct_form(
        staff, pid, "baseline", factories.outcomes(LBP_NOW=7), expected_version=1, reason=CORRECTION
    )

    assert trial.get_participant(monitor, pid)["forms"]["baseline"]["verified"] is False
    trail = [(type(e).__name__, getattr(e, "form", None)) for e in events_of(trial, pid)]
    assert trail[-3:] == [
        ("FormVerified", "baseline"),
        ("FormCorrected", "baseline"),
        ("VerificationCleared", "baseline"),
    ]
    cleared = events_of(trial, pid)[-1]
    assert cleared.cause == {"event": "FormCorrected", "participant_version": len(trail) - 1}
    assert cleared.actor["user"] == "sara"

    # Verified again at the new version.
    assert trial.verify_form(monitor, pid, "baseline")["form_version"] == 2


def test_a_change_to_another_form_leaves_verification_alone(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff, monitor = actors["site_staff"], actors["monitor"]
    pid = ready_to_randomise(trial, staff)
    trial.verify_form(monitor, pid, "consent")
    trial.correct_form(
        staff, pid, "baseline", factories.outcomes(LBP_NOW=7), expected_version=1, reason=CORRECTION
    )
    assert trial.get_participant(monitor, pid)["forms"]["consent"]["verified"] is True


def test_only_an_entered_blinded_form_can_be_verified_once_per_version(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff, monitor = actors["site_staff"], actors["monitor"]
    pid, _arm = randomised(trial, staff)
    trial.verify_form(monitor, pid, "mri")
    before = position(trial)
    with pytest.raises(EdcError, match="not entered"):
        trial.verify_form(monitor, pid, "week10")
    with pytest.raises(EdcError, match="already verified by mona"):
        trial.verify_form(monitor, pid, "mri")
    with pytest.raises(EdcError, match="reveals the arm"):
        trial.verify_form(monitor, pid, "adherence")
    assert clinical_topics_after(trial, before) == []
