"""Signatures, SDV and form locks of the arm-revealing forms (by unblinded accounts) in the read
models: an unblinded reader's participant view, signatures, locks, verification and work lists
agree with the application at every step; a blinded reader's read model, work lists, counts
and participant list are exactly as they were without any of it."""

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

BADGES = ("version", "status", "items", "locked", "signed", "verified")
TODAY = date(2024, 3, 1)


def unblinded(trial: Trial, name: str, role: str, site: str | None) -> Actor:
    trial.add_user(
        SYSTEM, name, role, PASSWORD, site=site, blinded=False, blinding_reason="handles harms"
    )
    return trial.actor_for(name)


def _forms(view: dict[str, Any]) -> dict[str, Any]:
    return {
        "locked": view["locked"],
        **{form: {key: shown[key] for key in BADGES} for form, shown in view["forms"].items()},
    }


def _signatures(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(s["number"], s["form"], s["signed_by"], bool(s["valid"])) for s in rows]


def _app_signatures(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(s["number"], s["form"], s["user"], s["status"] == "valid") for s in rows]


def _agrees(
    trial: Trial, projections: Projections, models: ReadModels, reader: Actor, pid: UUID
) -> dict[str, Any]:
    """Catch up; the unblinded read model shows what the application shows. Returns the
    adverse event form as the read model has it."""
    projections.catch_up()
    p = str(pid)
    participant = trial.load_participant(pid)
    record = trial.load_arm_revealing_record(pid)
    assert record is not None
    allocation = trial.load_allocation()
    assert allocation is not None
    expected = participant_view(
        participant, blinded=False, arm=allocation.arm_of(pid), arm_revealing=record
    )
    shown = models.participant("unblinded", p)
    assert shown is not None
    assert _forms(shown) == _forms(expected)
    assert _signatures(models.signatures("unblinded", p)) == _app_signatures(
        trial.signatures(reader, pid)
    )
    arm_locks = {form for form in record.form_locks}
    assert {lock["form"] for lock in models.locks("unblinded", p)} == arm_locks | {
        form for form in participant.form_locks
    }
    verified = {row["form"] for row in models.verification("unblinded", p) if row["verified"]}
    assert verified == set(participant.verified_forms) | set(record.verified_forms)
    form: dict[str, Any] = shown["forms"]["adverse_event"]
    return form


def _listed(rows: list[dict[str, Any]], pid: UUID, key: str) -> list[str]:
    """The arm-revealing forms a work list holds for a participant."""
    return [
        form
        for row in rows
        if row["participant_id"] == str(pid)
        for form in row[key]
        if form in ARM_REVEALING_FORMS
    ]


def test_signing_verifying_and_locking_an_adverse_event_as_the_application_shows_it(
    trial: Trial, actors: dict[str, Actor], projections: Projections, read_models: ReadModels
) -> None:
    investigator = unblinded(trial, "uffe", "investigator", "RINGE")
    monitor = unblinded(trial, "ulla", "monitor", None)
    manager = unblinded(trial, "udo", "data_manager", None)
    pid, _arm = randomised(trial, actors["site_staff"])
    # A lock before anything is entered starts the record; the form is then locked, empty.
    trial.lock_form(manager, pid, "adverse_event", "Waiting for the hospital letter")
    form = _agrees(trial, projections, read_models, investigator, pid)
    assert form["locked"] and form["version"] == 0
    trial.unlock_form(manager, pid, "adverse_event", "Letter arrived")
    trial.record_form(
        investigator, pid, "adverse_event", factories.adverse_event(), expected_version=0
    )
    form = _agrees(trial, projections, read_models, investigator, pid)
    assert not form["locked"] and not form["signed"] and not form["verified"]
    assert _listed(worklists.to_sign(read_models, "unblinded", None), pid, "forms") == [
        "adverse_event"
    ]
    assert _listed(worklists.to_verify(read_models, "unblinded", None), pid, "forms") == [
        "adverse_event"
    ]

    trial.sign(investigator, pid, PASSWORD, "approval", form="adverse_event")
    trial.verify_form(monitor, pid, "adverse_event")
    trial.lock_form(manager, pid, "adverse_event")
    form = _agrees(trial, projections, read_models, investigator, pid)
    assert form["signed"] and form["verified"] and form["locked"]
    assert _listed(worklists.to_sign(read_models, "unblinded", None), pid, "forms") == []
    assert _listed(worklists.to_verify(read_models, "unblinded", None), pid, "forms") == []

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
    form = _agrees(trial, projections, read_models, investigator, pid)
    assert not form["signed"] and not form["verified"] and not form["locked"]
    [signature] = read_models._rows("unblinded", "signatures", "participant_id = ?", (str(pid),))
    assert signature["invalidated_by"]["event"] == "ItemsCorrected"
    to_sign = worklists.to_sign(read_models, "unblinded", None)
    assert _listed(to_sign, pid, "re_sign") == ["adverse_event"]
    to_verify = worklists.to_verify(read_models, "unblinded", None)
    assert _listed(to_verify, pid, "again") == ["adverse_event"]

    # Signed again, then a second adverse event: that signature is invalidated too (a form's
    # signature covers every sheet of it), and the new one is signed in its turn.
    trial.sign(investigator, pid, PASSWORD, "approval", form="adverse_event")
    trial.verify_form(monitor, pid, "adverse_event")
    assert _agrees(trial, projections, read_models, investigator, pid)["signed"]
    trial.record_form(
        investigator,
        pid,
        "adverse_event",
        factories.adverse_event(AE_NO=2, AE_TERM="Headache"),
        expected_version=2,
    )
    form = _agrees(trial, projections, read_models, investigator, pid)
    assert not form["signed"] and form["verified"] is False
    trial.sign(investigator, pid, PASSWORD, "review", form="adverse_event")
    assert _agrees(trial, projections, read_models, investigator, pid)["signed"]
    history = read_models.audit_index("unblinded", participant=str(pid), limit=1000)
    assert {"ArmRevealingRecord.Signed", "ArmRevealingRecord.FormVerified"} <= {
        row["event_type"] for row in history
    }
    assert find_arm_leaks(projections.db, "blinded") == []

    built = {view: read_models.dump(view) for view in ("blinded", "unblinded")}
    projections.rebuild()
    assert {view: read_models.dump(view) for view in ("blinded", "unblinded")} == built


def _blinded_reading(trial: Trial, models: ReadModels, readers: list[Actor]) -> dict[str, Any]:
    """Everything blinded readers are shown from the read models: every work list with its
    counts, the participant list, each participant, and every row of the blinded tables."""
    shown: dict[str, Any] = {"tables": models.dump("blinded")}
    for reader in readers:
        work = work_lists(trial, models, reader, "blinded", None, TODAY)
        shown[reader.user] = (work.counts(), work.to_sign, work.to_verify, work.deviations)
    shown["participants"] = models.participants("blinded")
    shown["each"] = [models.participant("blinded", p["id"]) for p in shown["participants"]]
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
    shown = read_models.participant("unblinded", str(harmed))
    assert shown is not None and shown["forms"]["adverse_event"]["locked"]
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
