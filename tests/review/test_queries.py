"""Queries: raised by monitors and data managers, answered by the site (with or without a
correction, saved atomically), closed or re-opened only by whoever raised them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from domain.actor import Actor
from domain.errors import EdcError, FormInvalid, Locked, NotFound, PermissionDenied
from edc.application import Trial
from tests.app.journeys import randomised, ready_to_randomise
from tests.review.helpers import clinical_topics_after, events_of, position


def test_a_query_goes_from_open_to_answered_to_reopened_to_corrected_to_closed(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff, monitor = actors["site_staff"], actors["monitor"]
    pid = ready_to_randomise(trial, staff)

    raised = trial.raise_query(monitor, pid, "baseline", "LBP_NOW", "Source says 7, not 6?")
    assert raised["status"] == "open" and raised["raised_by"] == "mona"
    assert (raised["form"], raised["item"]) == ("baseline", "LBP_NOW")
    assert [q["id"] for q in trial.open_queries(monitor, participant_id=pid)] == [raised["id"]]
    assert [q["id"] for q in trial.open_queries(staff)] == [raised["id"]]
    assert trial.get_participant(staff, pid)["forms"]["baseline"]["open_queries"] == 1

    answered = trial.answer_query(staff, raised["id"], "The source says 6.")
    assert answered["status"] == "answered"
    assert trial.load_participant(pid).sheets["baseline"]["LBP_NOW"] == 6

    reopened = trial.reopen_query(monitor, raised["id"], "The nurse's note says 7.")
    assert reopened["status"] == "open"

    corrected = trial.answer_query(
        staff, raised["id"], "Right, 7 per the nurse's note.", {"LBP_NOW": 7}
    )
    assert corrected["status"] == "answered"
    assert corrected["history"][-1]["changes"] == {"LBP_NOW": [6, 7]}
    participant = trial.load_participant(pid)
    assert participant.sheets["baseline"]["LBP_NOW"] == 7
    correction = [e for e in events_of(trial, pid) if type(e).__name__ == "FormCorrected"]
    assert [c.reason for c in correction] == [
        {"code": "query_resolution", "text": "Right, 7 per the nurse's note."}
    ]
    assert correction[0].actor["user"] == "sara"

    closed = trial.close_query(monitor, raised["id"], "Resolved.")
    assert closed["status"] == "closed"
    assert [step["step"] for step in closed["history"]] == [
        "raised",
        "answered",
        "reopened",
        "answered",
        "closed",
    ]
    assert trial.open_queries(monitor, participant_id=pid) == []
    assert trial.get_participant(staff, pid)["forms"]["baseline"]["open_queries"] == 0
    assert trial.get_query(staff, raised["id"])["status"] == "closed"


def test_an_answer_with_a_correction_is_one_atomic_save(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff, monitor = actors["site_staff"], actors["monitor"]
    pid = ready_to_randomise(trial, staff)
    query = trial.raise_query(monitor, pid, "baseline", "LBP_NOW", "Please check.")

    inserts: list[list[str]] = []
    insert_events = trial.recorder.insert_events

    def counting_insert(stored_events: list[Any], **kwargs: Any) -> Any:
        inserts.append([e.topic.rsplit(".", 1)[-1] for e in stored_events])
        return insert_events(stored_events, **kwargs)

    trial.recorder.insert_events = counting_insert  # type: ignore[method-assign]
    try:
        trial.answer_query(staff, query["id"], "Corrected per source", {"LBP_NOW": 7})
    finally:
        trial.recorder.insert_events = insert_events  # type: ignore[method-assign]
    assert inserts == [["FormCorrected", "Answered"]]


def test_an_invalid_correction_stores_neither_the_answer_nor_the_change(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff, monitor = actors["site_staff"], actors["monitor"]
    pid = ready_to_randomise(trial, staff)
    query = trial.raise_query(monitor, pid, "baseline", "LBP_NOW", "Please check.")
    before = position(trial)
    with pytest.raises(FormInvalid) as invalid:
        trial.answer_query(staff, query["id"], "It was 99", {"LBP_NOW": 99})
    assert set(invalid.value.fields) == {"LBP_NOW"}
    with pytest.raises(EdcError, match="changes no value"):
        trial.answer_query(staff, query["id"], "Same as before", {"LBP_NOW": 6})
    with pytest.raises(FormInvalid, match="answer"):
        trial.answer_query(staff, query["id"], "  ")
    assert clinical_topics_after(trial, before) == []
    assert trial.get_query(monitor, query["id"])["status"] == "open"


def test_only_the_user_who_raised_a_query_closes_or_reopens_it(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff, monitor, manager = actors["site_staff"], actors["monitor"], actors["data_manager"]
    pid = ready_to_randomise(trial, staff)
    query = trial.raise_query(monitor, pid, "mri", "MODIC_TYPE", "Type 1 or 2?")
    trial.answer_query(staff, query["id"], "Type 1 per the radiologist.")
    with pytest.raises(PermissionDenied, match="Only mona, who raised this query"):
        trial.close_query(manager, query["id"])
    with pytest.raises(PermissionDenied, match="Only mona"):
        trial.reopen_query(manager, query["id"], "Not convinced")
    with pytest.raises(PermissionDenied):
        trial.close_query(staff, query["id"])
    assert trial.close_query(monitor, query["id"])["status"] == "closed"
    with pytest.raises(EdcError, match="already closed"):
        trial.close_query(monitor, query["id"])
    with pytest.raises(EdcError, match="closed: only an open query is answered"):
        trial.answer_query(staff, query["id"], "More")
    with pytest.raises(FormInvalid):
        trial.reopen_query(monitor, query["id"], "")
    assert trial.reopen_query(monitor, query["id"], "New source found")["status"] == "open"


def test_queries_on_unknown_forms_items_or_arm_revealing_forms_are_refused(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff, monitor = actors["site_staff"], actors["monitor"]
    pid, _arm = randomised(trial, staff)
    trial.record_form(
        staff, pid, "weekly", {"WEEK": 2, "LBP_DAYS": 3, "SICK_LEAVE_DAYS": 0}, expected_version=0
    )
    before = position(trial)
    refusals: list[tuple[type[Exception], str, Callable[[], Any]]] = [
        (NotFound, "no form called", lambda: trial.raise_query(monitor, pid, "xray", "X", "?")),
        (
            FormInvalid,
            "no item called",
            lambda: trial.raise_query(monitor, pid, "baseline", "LBP_LATER", "?"),
        ),
        (
            EdcError,
            "reveals the arm",
            lambda: trial.raise_query(monitor, pid, "adherence", "EXERCISE_SESSIONS", "?"),
        ),
        (
            FormInvalid,
            "which week",
            lambda: trial.raise_query(monitor, pid, "weekly", "LBP_DAYS", "?"),
        ),
        (
            NotFound,
            "week 3",
            lambda: trial.raise_query(monitor, pid, "weekly", "LBP_DAYS", "?", week=3),
        ),
        (FormInvalid, "question", lambda: trial.raise_query(monitor, pid, "mri", "MRI_DATE", "")),
        (NotFound, "No such query", lambda: trial.answer_query(staff, "not-an-id", "x")),
        # Malformed input from a client is refused with a message, never a bare exception.
        (FormInvalid, "no item", lambda: trial.raise_query(monitor, pid, "mri", ["X"], "?")),  # type: ignore[arg-type]
        (FormInvalid, "question", lambda: trial.raise_query(monitor, pid, "mri", "MRI_DATE", 5)),  # type: ignore[arg-type]
    ]
    for error, message, command in refusals:
        with pytest.raises(error, match=message):
            command()
    assert clinical_topics_after(trial, before) == []

    weekly = trial.raise_query(monitor, pid, "weekly", "LBP_DAYS", "3 or 4 days?", week=2)
    assert weekly["week"] == 2
    trial.answer_query(staff, weekly["id"], "4 days per diary", {"LBP_DAYS": 4})
    assert trial.load_participant(pid).sheets["weekly:02"]["LBP_DAYS"] == 4
    with pytest.raises(FormInvalid, match="week"):
        other = trial.raise_query(monitor, pid, "weekly", "SICK_LEAVE_DAYS", "?", week=2)
        trial.answer_query(staff, other["id"], "Moved", {"WEEK": 5})


def test_a_correction_through_a_query_respects_locks(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff, monitor, manager = actors["site_staff"], actors["monitor"], actors["data_manager"]
    pid = ready_to_randomise(trial, staff)
    query = trial.raise_query(manager, pid, "baseline", "LBP_NOW", "Please check.")
    trial.lock_form(manager, pid, "baseline")
    with pytest.raises(Locked, match="Baseline form"):
        trial.answer_query(staff, query["id"], "Corrected", {"LBP_NOW": 7})
    assert trial.get_query(monitor, query["id"])["status"] == "open"
    # An answer that changes nothing is not a change to locked data.
    assert trial.answer_query(staff, query["id"], "6 is right")["status"] == "answered"


def test_open_queries_are_listed_per_participant_and_per_site(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff, monitor, manager = actors["site_staff"], actors["monitor"], actors["data_manager"]
    first = ready_to_randomise(trial, staff)
    second = ready_to_randomise(trial, staff)
    a = trial.raise_query(monitor, first, "baseline", "LBP_NOW", "?")
    b = trial.raise_query(manager, second, "mri", "MODIC_TYPE", "?")
    c = trial.raise_query(monitor, second, "consent", "CONSENT_DATE", "?")
    trial.answer_query(staff, c["id"], "Checked")
    trial.close_query(monitor, c["id"])
    assert [q["id"] for q in trial.open_queries(monitor, participant_id=second)] == [b["id"]]
    assert [q["id"] for q in trial.open_queries(manager, site="RINGE")] == [a["id"], b["id"]]
    assert [q["id"] for q in trial.open_queries(monitor)] == [a["id"], b["id"]]
    elsewhere = Actor(user="olga", role="site_staff", site="ODENSE", blinded=False)
    with pytest.raises(PermissionDenied, match="own site"):
        trial.open_queries(elsewhere, site="RINGE")
    with pytest.raises(PermissionDenied, match="own site"):
        trial.answer_query(elsewhere, a["id"], "Not mine")


def test_what_the_site_left_in_the_item_is_the_correction_and_it_may_answer_again(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff, monitor = actors["site_staff"], actors["monitor"]
    pid = ready_to_randomise(trial, staff)
    query = trial.raise_query(monitor, pid, "baseline", "LBP_NOW", "Source says 7?")
    kept = trial.answer_query(
        staff, query["id"], "6 per the source", expected_version=1, as_left={"LBP_NOW": 6}
    )
    assert kept["status"] == "answered" and "changes" not in kept["history"][-1]
    assert trial.load_participant(pid).sheets["baseline"]["LBP_NOW"] == 6
    # Answered, not closed: the site answers again, and the changed value is the correction.
    again = trial.answer_query(
        staff, query["id"], "No, 7: a second note", expected_version=1, as_left={"LBP_NOW": 7}
    )
    assert again["history"][-1]["changes"] == {"LBP_NOW": [6, 7]}
    assert trial.load_participant(pid).sheets["baseline"]["LBP_NOW"] == 7
    assert [step["step"] for step in again["history"]] == ["raised", "answered", "answered"]
