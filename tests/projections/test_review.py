"""Signatures, source data verification, the casebook lock and emergency unblinding in the
read models, driven through the review use cases and read as the lists show them: forms to
sign and to verify (work lists), the participant list's lock and arm, against what the
application shows of the same participant."""

from __future__ import annotations

from typing import Any

from domain.actor import Actor
from edc.application import Trial
from edc.presenters import participant_view
from edc.usecases.reads import Reads
from projections import worklists
from projections.leaks import find_arm_leaks
from projections.service import Projections
from tests import factories
from tests.app.conftest import PASSWORD
from tests.app.journeys import randomised
from tests.projections.tables import dumps


def _waiting(reads: Reads, signer: Actor, verifier: Actor, pid: str) -> dict[str, Any]:
    """The participant's rows in the work lists: the signer's forms to sign and signatures to
    give again, the verifier's forms to verify and to verify again."""
    today = reads.trial.local_date(reads.trial.clock())
    signing, verifying = reads.work_lists(signer, today), reads.work_lists(verifier, today)
    assert signing is not None and verifying is not None
    sign = next((row for row in signing.to_sign if row["participant_id"] == pid), None)
    verify = next((row for row in verifying.to_verify if row["participant_id"] == pid), None)
    return {
        "to sign": [f["form"] for f in sign["forms"]] if sign else [],
        "sign again": sign["re_sign"] if sign else [],
        "to verify": [f["form"] for f in verify["forms"]] if verify else [],
        "verify again": [f["form"] for f in verify["again"]] if verify else [],
    }


def _as_the_application_shows(view: dict[str, Any]) -> dict[str, list[str]]:
    """The reviewed forms the application shows entered and not yet signed, or verified."""
    forms = view["forms"]
    reviewed = [form for form in worklists.REVIEWED_FORMS if forms[form]["version"]]
    return {
        "not signed": [form for form in reviewed if not forms[form]["signed"]],
        "not verified": [form for form in reviewed if not forms[form]["verified"]],
    }


def test_review_events_in_the_read_models_match_the_application(
    trial: Trial, actors: dict[str, Actor], projections: Projections
) -> None:
    staff, investigator = actors["site_staff"], actors["investigator"]
    monitor, manager = actors["monitor"], actors["data_manager"]
    pid, arm = randomised(trial, staff)
    p = str(pid)
    reads = Reads(trial, projections)
    projections.catch_up()
    first = _waiting(reads, investigator, monitor, p)
    entered = first["to sign"]
    assert {"screening", "mri", "baseline"} <= set(entered) and first["to verify"] == entered

    trial.sign(investigator, pid, PASSWORD, "approval", form="mri")
    projections.catch_up()
    assert _waiting(reads, investigator, monitor, p)["to sign"] == [
        f for f in entered if f != "mri"
    ]
    # The whole casebook, follow-up not yet entered: signed with a reason (issue 12).
    trial.sign(investigator, pid, PASSWORD, "review", incomplete_reason="Before follow-up")
    trial.verify_form(monitor, pid, "mri")
    trial.verify_form(monitor, pid, "consent")
    trial.lock_form(manager, pid, "baseline")
    query = trial.raise_query(monitor, pid, "baseline", "LBP_NOW", "Please check the source.")
    projections.catch_up()
    shown = _waiting(reads, investigator, monitor, p)
    assert shown == {
        "to sign": [],
        "sign again": [],
        "to verify": [f for f in entered if f not in ("mri", "consent")],
        "verify again": [],
    }
    expected = _as_the_application_shows(
        participant_view(trial.load_participant(pid), blinded=True)
    )
    assert expected == {"not signed": [], "not verified": shown["to verify"]}

    # Unlock, answer with a correction: the casebook signature no longer holds; the MRI one
    # does. Then a correction of the MRI clears its verification and its signature.
    trial.unlock_form(manager, pid, "baseline", "Query needs a correction")
    trial.answer_query(staff, query["id"], "Misread: it was 4.", {"LBP_NOW": 4}, expected_version=1)
    projections.catch_up()
    shown = _waiting(reads, investigator, monitor, p)
    assert shown["sign again"] == ["casebook"]
    assert shown["to sign"] == [f for f in entered if f != "mri"]
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

    shown = _waiting(reads, investigator, monitor, p)
    assert shown == {
        "to sign": entered,
        "sign again": ["mri", "casebook"],
        "to verify": [f for f in entered if f not in ("mri", "consent")],
        "verify again": ["mri"],
    }
    participant = trial.load_participant(pid)
    expected = _as_the_application_shows(participant_view(participant, blinded=True))
    assert expected == {
        "not signed": entered,
        "not verified": [f for f in entered if f != "consent"],
    }

    # The casebook lock and the emergency unblinding, in the lists: the arm and who revealed
    # it for an unblinded reader, neither for a blinded one.
    (unblinded,) = reads.participants(staff, None)[0]
    (blinded,) = reads.participants(monitor, None)[0]
    assert unblinded["locked"] and blinded["locked"]
    assert unblinded["arm"] == arm and unblinded["arm_revealed"]["by"] == "ivan"
    assert "arm" not in blinded and "arm_revealed" not in blinded
    assert find_arm_leaks(projections.db, "blinded") == []

    built = dumps(projections.db)
    projections.rebuild()
    assert dumps(projections.db) == built
