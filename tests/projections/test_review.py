"""Signatures, locks, source data verification, queries and emergency unblinding in the read
models, driven through the review use cases."""

from __future__ import annotations

from domain.actor import Actor
from edc.application import Trial
from edc.presenters import participant_view
from projections.leaks import find_arm_leaks
from projections.reading import ReadModels
from projections.service import Projections
from tests import factories
from tests.app.conftest import PASSWORD
from tests.app.journeys import randomised

BADGES = ("version", "locked", "signed", "verified", "open_queries")


def _badges(view: dict[str, object]) -> dict[str, object]:
    forms = view["forms"]
    assert isinstance(forms, dict)
    return {
        "locked": view["locked"],
        **{form: {key: shown[key] for key in BADGES} for form, shown in forms.items()},
    }


def test_review_events_in_the_read_models_match_the_application(
    trial: Trial, actors: dict[str, Actor], projections: Projections, read_models: ReadModels
) -> None:
    staff, investigator = actors["site_staff"], actors["investigator"]
    monitor, manager = actors["monitor"], actors["data_manager"]
    pid, arm = randomised(trial, staff)
    p = str(pid)
    trial.sign(investigator, pid, PASSWORD, "approval", form="mri")
    # The whole casebook, follow-up not yet entered: signed with a reason (issue 12).
    trial.sign(investigator, pid, PASSWORD, "review", incomplete_reason="Before follow-up")
    trial.verify_form(monitor, pid, "mri")
    trial.verify_form(monitor, pid, "consent")
    trial.lock_form(manager, pid, "baseline")
    query = trial.raise_query(monitor, pid, "baseline", "LBP_NOW", "Please check the source.")
    projections.catch_up()

    shown = read_models.participant("blinded", p)
    assert shown is not None
    assert shown["forms"]["mri"]["signed"] and shown["forms"]["mri"]["verified"]
    assert shown["forms"]["baseline"]["locked"] and shown["forms"]["baseline"]["signed"]
    assert shown["forms"]["baseline"]["open_queries"] == 1
    (open_query,) = read_models.open_queries("blinded", participant=p)
    assert (open_query["item"], open_query["status"], open_query["raised_by"]) == (
        "LBP_NOW",
        "open",
        "mona",
    )
    assert [s["valid"] for s in read_models.signatures("blinded", p)] == [1, 1]
    assert {lock["scope"] for lock in read_models.locks("blinded", p)} == {f"form:{p}:baseline"}

    # Unlock, answer with a correction: the casebook signature no longer holds; the MRI one
    # does. Then a correction of the MRI clears its verification and its signature.
    trial.unlock_form(manager, pid, "baseline", "Query needs a correction")
    trial.answer_query(staff, query["id"], "Misread: it was 4.", {"LBP_NOW": 4}, expected_version=1)
    trial.close_query(monitor, query["id"], "Thanks")
    trial.correct_form(
        staff,
        pid,
        "mri",
        factories.mri(MODIC_TYPE="2"),
        expected_version=1,
        reason={"code": "transcription_error", "text": ""},
    )
    trial.lock_participant(manager, pid)
    trial.lock_database(manager, PASSWORD, factories.LOCK_OVERRIDES)
    trial.unlock_database(manager, "Interim analysis done")
    trial.unblind(investigator, pid, "Serious adverse event needs the treatment known")
    projections.catch_up()

    signatures = read_models.signatures("blinded", p)
    assert [(s["form"], s["valid"]) for s in signatures] == [("mri", 0), (None, 0)]
    assert signatures[1]["invalidated_by"]["event"] == "FormCorrected"
    assert signatures[1]["invalidated_by"]["form"] == "baseline"
    assert signatures[0]["invalidated_by"]["form"] == "mri"
    assert read_models.open_queries("blinded", participant=p) == []
    assert [q for q in read_models.verification("blinded", p) if q["verified"]] == [
        {**q, "form": "consent"}
        for q in read_models.verification("blinded", p)
        if q["form"] == "consent"
    ]
    assert {lock["scope"] for lock in read_models.locks("blinded")} == {f"participant:{p}"}
    thread = read_models._rows("blinded", "queries", "id = ?", (query["id"],))[0]["thread"]
    assert [step["step"] for step in thread] == ["raised", "answered", "closed"]
    assert thread[1]["changes"] == {"LBP_NOW": [6, 4]}
    # The query's answer is in the participant's history, and its correction too.
    history = read_models.audit_index("blinded", participant=p, since=0, limit=1000)
    types = [row["event_type"] for row in history]
    assert "Query.Answered" in types and "Participant.Signed" in types

    # Badges as the application shows them, in both read models.
    participant = trial.load_participant(pid)
    expected = participant_view(participant, blinded=False, arm=arm, open_queries={"baseline": 0})
    unblinded = read_models.participant("unblinded", p)
    assert unblinded is not None
    assert _badges(unblinded) == _badges(expected)
    blinded = read_models.participant("blinded", p)
    assert blinded is not None
    assert _badges(blinded) == _badges(
        participant_view(participant, blinded=True, open_queries={"baseline": 0})
    )
    # Emergency unblinding: recorded for the unblinded, invisible to the blinded.
    assert unblinded["arm"] == arm and unblinded["arm_revealed"]["by"] == "ivan"
    assert "arm_revealed" not in blinded
    assert find_arm_leaks(projections.db, "blinded") == []

    built = {view: read_models.dump(view) for view in ("blinded", "unblinded")}
    projections.rebuild()
    assert {view: read_models.dump(view) for view in ("blinded", "unblinded")} == built
