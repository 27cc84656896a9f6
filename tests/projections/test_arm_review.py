"""Signatures and SDV of the arm-revealing forms (by unblinded accounts) in the read models: an
unblinded reader's work lists (forms to sign and verify, again or for the first time) and audit
locator agree with the application at every step, form locks included; a blinded reader's read
model, work lists, counts and participant list are exactly as they were without any of it."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from domain.actor import Actor
from domain.protocol import ARM_REVEALING_FORMS
from edc.application import SYSTEM, Trial
from edc.presenters import participant_view
from edc.worklists import work_lists
from projections import worklists
from projections.leaks import find_arm_leaks
from projections.reading import ReadModels
from projections.service import Projections
from tests import factories
from tests.app.conftest import PASSWORD
from tests.app.journeys import randomised
from tests.projections.tables import dump, dumps

TODAY = date(2024, 3, 1)


def unblinded(trial: Trial, name: str, role: str, site: str | None) -> Actor:
    trial.add_user(
        SYSTEM, name, role, PASSWORD, site=site, blinded=False, blinding_reason="handles harms"
    )
    return trial.actor_for(name)


def _listed(rows: list[dict[str, Any]], pid: UUID, key: str) -> list[str]:
    """The arm-revealing forms a work list holds for a participant."""
    return [
        form
        for row in rows
        if row["participant_id"] == str(pid)
        for form in row[key]
        if form in ARM_REVEALING_FORMS
    ]


def _agrees(
    trial: Trial, projections: Projections, models: ReadModels, pid: UUID
) -> dict[str, Any]:
    """Catch up; the unblinded work lists hold the adverse event form as the application shows
    it (entered and not signed: to sign; not verified: to verify). Returns both."""
    projections.catch_up()
    record = trial.load_arm_revealing_record(pid)
    assert record is not None
    allocation = trial.load_allocation()
    assert allocation is not None
    view = participant_view(
        trial.load_participant(pid),
        blinded=False,
        arm=allocation.arm_of(pid),
        arm_revealing=record,
    )
    form: dict[str, Any] = view["forms"]["adverse_event"]
    to_sign = worklists.to_sign(models, "unblinded", None)
    to_verify = worklists.to_verify(models, "unblinded", None)
    listed = {
        "to sign": _listed(to_sign, pid, "forms") == ["adverse_event"],
        "sign again": _listed(to_sign, pid, "re_sign") == ["adverse_event"],
        "to verify": _listed(to_verify, pid, "forms") == ["adverse_event"],
        "verify again": _listed(to_verify, pid, "again") == ["adverse_event"],
    }
    entered = form["version"] > 0
    assert listed["to sign"] == (entered and not form["signed"]), (listed, form)
    assert listed["sign again"] == (entered and form["resign_needed"]), (listed, form)
    assert (listed["to verify"] or listed["verify again"]) == (entered and not form["verified"])
    return {**form, **listed}


def _positions(trial: Trial, topic_end: str) -> set[int]:
    notifications = trial.recorder.select_notifications(1, 100_000)
    return {n.id for n in notifications if n.topic.endswith(topic_end)}


def test_signing_verifying_and_locking_an_adverse_event_as_the_application_shows_it(
    trial: Trial, actors: dict[str, Actor], projections: Projections, read_models: ReadModels
) -> None:
    investigator = unblinded(trial, "uffe", "investigator", "RINGE")
    monitor = unblinded(trial, "ulla", "monitor", None)
    manager = unblinded(trial, "udo", "data_manager", None)
    pid, _arm = randomised(trial, actors["site_staff"])
    # A lock before anything is entered starts the record; the form is then locked, empty.
    trial.lock_form(manager, pid, "adverse_event", "Waiting for the hospital letter")
    form = _agrees(trial, projections, read_models, pid)
    assert form["locked"] and form["version"] == 0 and not form["to sign"]
    trial.unlock_form(manager, pid, "adverse_event", "Letter arrived")
    trial.record_form(
        investigator, pid, "adverse_event", factories.adverse_event(), expected_version=0
    )
    form = _agrees(trial, projections, read_models, pid)
    assert form["to sign"] and form["to verify"] and not form["locked"]

    trial.sign(investigator, pid, PASSWORD, "approval", form="adverse_event")
    trial.verify_form(monitor, pid, "adverse_event")
    trial.lock_form(manager, pid, "adverse_event")
    form = _agrees(trial, projections, read_models, pid)
    assert form["signed"] and form["verified"] and form["locked"]
    assert not form["to sign"] and not form["to verify"]

    # Unlocked and corrected: the signature is invalidated, the verification cleared.
    trial.unlock_form(manager, pid, "adverse_event", "Severity corrected from the letter")
    trial.record_form(
        investigator,
        pid,
        "adverse_event",
        factories.adverse_event(AE_NO=1, AE_SEVERITY="severe"),
        expected_version=1,
        reason={"code": "late_source", "text": "hospital letter"},
    )
    form = _agrees(trial, projections, read_models, pid)
    assert form["sign again"] and form["verify again"] and not form["locked"]

    # Signed again, then a second adverse event: that signature is invalidated too (a form's
    # signature covers every sheet of it), and the new one is signed in its turn.
    trial.sign(investigator, pid, PASSWORD, "approval", form="adverse_event")
    trial.verify_form(monitor, pid, "adverse_event")
    assert _agrees(trial, projections, read_models, pid)["signed"]
    trial.record_form(
        investigator,
        pid,
        "adverse_event",
        factories.adverse_event(AE_NO=2, AE_TERM="Headache"),
        expected_version=2,
    )
    form = _agrees(trial, projections, read_models, pid)
    assert form["to sign"] and form["verified"] is False
    trial.sign(investigator, pid, PASSWORD, "review", form="adverse_event")
    assert not _agrees(trial, projections, read_models, pid)["to sign"]
    # The audit trail's locator finds the review of harms for unblinded readers only.
    signed = _positions(trial, "ArmRevealingRecord.Signed")
    verified = _positions(trial, "ArmRevealingRecord.FormVerified")
    assert len(signed) == 3 and len(verified) == 2
    assert signed <= set(read_models.audit_positions("unblinded", user="uffe"))
    assert verified <= set(read_models.audit_positions("unblinded", form="adverse_event"))
    assert not (signed | verified) & set(read_models.audit_positions("blinded"))
    assert find_arm_leaks(projections.db, "blinded") == []

    built = dumps(projections.db)
    projections.rebuild()
    assert dumps(projections.db) == built


def _blinded_reading(trial: Trial, models: ReadModels, readers: list[Actor]) -> dict[str, Any]:
    """Everything blinded readers are shown from the read models: every work list with its
    counts, the participant list, and every row of the blinded tables."""
    shown: dict[str, Any] = {"tables": dump(models.db, "blinded")}
    for reader in readers:
        work = work_lists(trial, models, reader, "blinded", None, TODAY)
        shown[reader.user] = (work.counts(), work.to_sign, work.to_verify, work.deviations)
    shown["participants"] = models.participants("blinded")
    shown["audit"] = list(models.audit_positions("blinded"))
    return shown


def test_a_blinded_monitor_and_data_manager_see_nothing_of_the_review_of_harms(
    trial: Trial, actors: dict[str, Actor], projections: Projections, read_models: ReadModels
) -> None:
    investigator = unblinded(trial, "uffe", "investigator", "RINGE")
    monitor = unblinded(trial, "ulla", "monitor", None)
    manager = unblinded(trial, "udo", "data_manager", None)
    blinded = [actors["monitor"], actors["data_manager"], actors["investigator"]]
    harmed, _ = randomised(trial, actors["site_staff"])
    other, _ = randomised(trial, actors["site_staff"])
    projections.catch_up()
    without = _blinded_reading(trial, read_models, blinded)
    assert without[actors["monitor"].user][0]["to_verify"] == 2  # the work is not empty

    trial.record_form(
        investigator, harmed, "adverse_event", factories.adverse_event(), expected_version=0
    )
    trial.sign(investigator, harmed, PASSWORD, "approval", form="adverse_event")
    trial.verify_form(monitor, harmed, "adverse_event")
    trial.lock_form(manager, harmed, "adverse_event", "Reviewed")
    trial.lock_form(manager, other, "discontinuation", "Nothing to stop")
    projections.catch_up()
    assert _blinded_reading(trial, read_models, blinded) == without
    # The unblinded readers do see the work of harms (so the blinded lists could have).
    to_sign = worklists.to_sign(read_models, "unblinded", None)
    assert _listed(to_sign, harmed, "forms") == []
    trial.unlock_form(manager, harmed, "adverse_event", "Correction needed")
    trial.record_form(
        investigator,
        harmed,
        "adverse_event",
        factories.adverse_event(AE_NO=1, AE_SEVERITY="severe"),
        expected_version=1,
        reason={"code": "late_source", "text": "hospital letter"},
    )
    projections.catch_up()
    assert _listed(worklists.to_sign(read_models, "unblinded", None), harmed, "re_sign") == [
        "adverse_event"
    ]
    assert _blinded_reading(trial, read_models, blinded) == without
