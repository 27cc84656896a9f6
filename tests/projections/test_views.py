"""The read models show what the application shows, for every participant of a demo trial."""

from __future__ import annotations

from datetime import date

from domain.participant import Participant
from domain.protocol import ARM_REVEALING_FORMS
from edc.presenters import participant_view
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
FORM_KEYS = ("version", "status", "items", "derived", "deviation", "locked", "signed", "verified")


def _comparable(view: dict[str, object]) -> dict[str, object]:
    forms = view["forms"]
    assert isinstance(forms, dict)
    return {
        **{key: view[key] for key in SUMMARY_KEYS},
        "forms": {form: {key: shown[key] for key in FORM_KEYS} for form, shown in forms.items()},
        **({"arm": view["arm"]} if "arm" in view else {}),
    }


def test_every_participant_matches_the_application_view_in_both_read_models(
    demo_store: DemoStore, view_db: ViewDatabase
) -> None:
    trial = demo_store.trial
    projections = demo_projections(demo_store, view_db, page_size=97)
    projections.catch_up()
    models = projections.read_models()
    allocation = trial.load_allocation()
    assert allocation is not None
    ids = trial.participant_ids()
    assert len(ids) == DEMO_PARTICIPANTS
    assert [row["id"] for row in models.participants("unblinded")] == [str(i) for i in ids]
    randomised = 0
    for pid in ids:
        participant: Participant = trial.load_participant(pid)
        randomised += participant.randomised_on is not None
        arm = allocation.arm_of(pid)
        unblinded = models.participant("unblinded", str(pid))
        blinded = models.participant("blinded", str(pid))
        assert unblinded is not None and blinded is not None
        assert _comparable(unblinded) == _comparable(
            participant_view(
                participant,
                blinded=False,
                arm=arm,
                arm_revealing=trial.load_arm_revealing_record(pid),
            )
        )
        assert _comparable(blinded) == _comparable(participant_view(participant, blinded=True))
        assert "arm" not in blinded and "adherence" not in blinded["forms"]
    assert randomised > 20
    assert models.participant("blinded", "00000000-0000-0000-0000-000000000000") is None


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
        assert [
            (s["number"], s["form"], s["signed_by"], "valid" if s["valid"] else "invalidated")
            for s in models.signatures("unblinded", p)
        ] == [(s["number"], s["form"], s["user"], s["status"]) for s in signatures]
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
