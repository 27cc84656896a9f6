"""The read models show what the application shows, for every participant of a demo trial:
the lists and work lists the read use cases answer from them (`edc.usecases.reads`) against
the application's own answers from the store."""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.protocol import ARM_REVEALING_FORMS
from edc.presenters import participant_view
from edc.usecases.reads import Reads
from projections import worklists
from projections.db import ViewDatabase
from projections.visits import VISIT_STATUSES
from tests.projections.conftest import DEMO_PARTICIPANTS, DemoStore, demo_projections

SUMMARY_KEYS = (
    "id",
    "screening_number",
    "site",
    "status",
    "mri_eligible",
    "failed_criteria",
    "included",
    "randomised_on",
    "locked",
)
# Demo accounts: blinded and unblinded readers of every list.
READERS = ("ivan", "mona", "dana", "uffe", "ulla", "udo")


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **{key: row[key] for key in SUMMARY_KEYS},
        **({"arm": row["arm"]} if row.get("arm") else {}),
    }


def test_every_participant_is_listed_as_the_application_lists_them(
    demo_store: DemoStore, view_db: ViewDatabase
) -> None:
    trial = demo_store.trial
    projections = demo_projections(demo_store, view_db, page_size=97)
    projections.catch_up()
    from_models, from_store = Reads(trial, projections), Reads(trial, None)
    ids = [str(pid) for pid in trial.participant_ids()]
    assert len(ids) == DEMO_PARTICIPANTS
    for name in READERS:
        actor = trial.actor_for(name)
        listed, _ = from_models.participants(actor, None)
        applications, _ = from_store.participants(actor, None)
        assert [_summary(row) for row in listed] == [_summary(row) for row in applications], name
        assert [row["id"] for row in listed] == ids or actor.site is not None
        assert all(("arm" in row) is not actor.blinded for row in listed), name
        progress, _ = from_models.participant_progress(actor, None)
        assert progress == from_store.participant_progress(actor, None)[0], name
    assert sum(1 for row in listed if row["randomised_on"]) > 20


def test_the_work_lists_agree_with_the_application_for_every_form(
    demo_store: DemoStore, view_db: ViewDatabase
) -> None:
    """Forms to sign and to verify, as the read models list them, are the entered forms the
    application shows unsigned and unverified, for every participant with a casebook."""
    trial = demo_store.trial
    projections = demo_projections(demo_store, view_db)
    projections.catch_up()
    models = projections.read_models()
    allocation = trial.load_allocation()
    assert allocation is not None
    seen = {"signed": 0, "verified": 0, "to sign": 0, "to verify": 0}
    for view in ("blinded", "unblinded"):
        to_sign = {row["participant_id"]: row for row in worklists.to_sign(models, view, None)}
        to_verify = {row["participant_id"]: row for row in worklists.to_verify(models, view, None)}
        for pid in trial.participant_ids():
            participant = trial.load_participant(pid)
            shown = participant_view(
                participant,
                blinded=view == "blinded",
                arm=None if view == "blinded" else allocation.arm_of(pid),
                arm_revealing=None if view == "blinded" else trial.load_arm_revealing_record(pid),
            )
            if not shown["forms"]["consent"]["version"]:  # no casebook to review yet
                assert str(pid) not in to_sign and str(pid) not in to_verify
                continue
            sign_row = to_sign.get(str(pid), {"forms": []})
            verify_row = to_verify.get(str(pid), {"forms": [], "again": []})
            reviewed = (*worklists.REVIEWED_FORMS, *worklists.REVIEWED_ARM_FORMS)
            for form in reviewed:
                if form not in shown["forms"]:
                    assert view == "blinded" and form in ARM_REVEALING_FORMS
                    continue
                state = shown["forms"][form]
                entered = state["version"] > 0
                assert (form in sign_row["forms"]) == (entered and not state["signed"]), (
                    view,
                    pid,
                    form,
                )
                waiting = form in verify_row["forms"] or form in verify_row["again"]
                assert waiting == (entered and not state["verified"]), (view, pid, form)
                seen["signed"] += state["signed"]
                seen["verified"] += state["verified"]
                seen["to sign"] += entered and not state["signed"]
                seen["to verify"] += waiting
    assert all(seen.values()), seen


def test_visits_of_randomised_participants_have_dates_and_a_status(
    demo_store: DemoStore, view_db: ViewDatabase
) -> None:
    projections = demo_projections(demo_store, view_db)
    projections.catch_up()
    models = projections.read_models()
    randomised = [p for p in models.participants("blinded") if p["randomised_on"]]
    later = date(2030, 1, 1)
    visits = models.visits("blinded", later)
    assert len(visits) == 3 * len(randomised)
    assert {v["visit"] for v in visits} == {"baseline", "week10", "month12"}
    # Long after the trial every visit is settled: done (in or out of window), missed (by the
    # calendar, or recorded as missed by the site) or cancelled by the end of the study.
    settled = {"done", "done out of window", "missed", "recorded as missed", "cancelled"}
    assert {v["status"] for v in visits} <= settled
    assert {"done", "done out of window", "missed", "recorded as missed"} <= {
        v["status"] for v in visits
    }
    assert visits == models.visits("unblinded", later)
    # Before anyone's week 10 window opened, nothing was due yet unless already done.
    early = {
        v["status"] for v in models.visits("blinded", date(2007, 4, 1)) if v["visit"] != "baseline"
    }
    assert early <= {"not due", "done", "done out of window", "cancelled"}
    assert set(VISIT_STATUSES) >= {v["status"] for v in models.visits("blinded", date(2008, 6, 1))}


def test_the_demo_s_review_of_harms_shows_in_the_unblinded_views_as_in_the_application(
    demo_store: DemoStore, view_db: ViewDatabase
) -> None:
    """The demo signs, verifies and locks adverse events (unblinded accounts): the unblinded
    signatures and work lists agree with the application for every arm-revealing form."""
    trial = demo_store.trial
    projections = demo_projections(demo_store, view_db)
    projections.catch_up()
    models = projections.read_models()
    reader = trial.actor_for("uffe")
    to_sign = {row["participant_id"]: row for row in worklists.to_sign(models, "unblinded", None)}
    to_verify = {
        row["participant_id"]: row for row in worklists.to_verify(models, "unblinded", None)
    }
    seen = {"signed": 0, "invalidated": 0, "verified": 0, "locked": 0, "to sign": 0}
    for pid in trial.participant_ids():
        record = trial.load_arm_revealing_record(pid)
        if record is None:
            continue
        p = str(pid)
        signatures = trial.signatures(reader, pid)
        view = participant_view(trial.load_participant(pid), blinded=False, arm_revealing=record)
        sign_row = to_sign.get(p, {"forms": [], "re_sign": []})
        verify_row = to_verify.get(p, {"forms": [], "again": []})
        for form in ARM_REVEALING_FORMS:
            shown = view["forms"][form]
            entered = shown["version"] > 0
            assert (form in sign_row["forms"]) == (entered and not shown["signed"]), (p, form)
            assert (form in sign_row["re_sign"]) == (entered and shown["resign_needed"]), (p, form)
            waiting = form in verify_row["forms"] or form in verify_row["again"]
            assert waiting == (entered and not shown["verified"]), (p, form)
            seen["signed"] += shown["signed"]
            seen["verified"] += shown["verified"]
            seen["locked"] += shown["locked"]
            seen["to sign"] += entered and not shown["signed"]
        seen["invalidated"] += any(s["status"] == "invalidated" for s in signatures)
    assert all(seen.values()), seen
    # The blinded lists hold no arm-revealing form at all.
    for row in [
        *worklists.to_sign(models, "blinded", None),
        *worklists.to_verify(models, "blinded", None),
    ]:
        assert not set(row["forms"]) & ARM_REVEALING_FORMS
