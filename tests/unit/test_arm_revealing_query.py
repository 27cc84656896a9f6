"""The ArmRevealingQuery aggregate (pure domain): raised on an item of a participant's
arm-revealing record, answered and answered again while open, closed and re-opened by its
raiser, by the ordinary query's rules; every event of it classified arm-revealing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from eventsourcing.utils import get_topic

from domain.actor import Actor
from domain.arm_revealing import ArmRevealingRecord
from domain.arm_revealing_query import (
    ArmRevealingQuery,
    ArmRevealingQueryIndex,
    arm_revealing_query_index_id,
)
from domain.blinding import is_blinded_safe
from domain.errors import FormInvalid, NotFound, PermissionDenied, StateConflict
from domain.prelock import (
    ARM_REVEALING_QUERIES,
    ARM_REVEALING_QUERIES_OPEN,
    OPEN_QUERIES,
    check_overrides,
    pre_lock_findings,
)
from domain.query import QueryStatus
from domain.query_index import query_index_id

AT = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
MONITOR = Actor("ulla", "monitor", None, blinded=False)
OTHER_MONITOR = Actor("mona", "monitor", None, blinded=False)
INVESTIGATOR = Actor("uffe", "investigator", "RINGE", blinded=False)
AE = {
    "AE_NO": 1,
    "AE_TERM": "Flare",
    "AE_ONSET": "2024-02-20",
    "AE_ONGOING": "Y",
    "AE_SEVERITY": "mild",
    "AE_SERIOUS": "N",
    "AE_RELATED": "possible",
    "AE_ACTION": "none",
    "AE_OUTCOME": "recovering",
}


def record_with_an_adverse_event() -> ArmRevealingRecord:
    participant_id = uuid4()
    record = ArmRevealingRecord.start(participant_id, "RINGE-001", "RINGE", AT)
    record.record_form(
        "adverse_event",
        AE,
        expected_version=0,
        reason=None,
        participant_version=7,
        actor=INVESTIGATOR,
        at=AT,
    )
    return record


def raised(record: ArmRevealingRecord, **overrides: object) -> ArmRevealingQuery:
    arguments: dict[str, object] = {
        "form": "adverse_event",
        "item": "AE_SEVERITY",
        "text": "The discharge letter says moderate?",
        "repeat": 1,
        **overrides,
    }
    return ArmRevealingQuery.raise_on(
        uuid4(),
        record,
        record.participant_id,
        record.screening_number,
        record.site,
        str(arguments["form"]),
        str(arguments["item"]),
        str(arguments["text"]),
        MONITOR,
        AT,
        repeat=arguments["repeat"],  # type: ignore[arg-type]
    )


def test_a_query_on_an_adverse_event_is_answered_again_closed_and_reopened() -> None:
    record = record_with_an_adverse_event()
    query = raised(record)
    assert (query.form, query.key, query.item, query.week) == (
        "adverse_event",
        "adverse_event:01",
        "AE_SEVERITY",
        1,
    )
    assert query.status is QueryStatus.OPEN and query.site == "RINGE"

    query.answer("Mild per the GP.", None, INVESTIGATOR, AT + timedelta(minutes=1))
    query.answer(
        "Moderate after all.",
        {"AE_SEVERITY": ["mild", "moderate"]},
        INVESTIGATOR,
        AT + timedelta(minutes=2),
    )
    assert query.status is QueryStatus.ANSWERED
    query.close("Thanks", MONITOR, AT + timedelta(minutes=3))
    assert query.status is QueryStatus.CLOSED
    with pytest.raises(StateConflict):
        query.answer("Late word", None, INVESTIGATOR, AT + timedelta(minutes=4))
    with pytest.raises(StateConflict):
        query.close(None, MONITOR, AT + timedelta(minutes=4))
    query.reopen("The letter was for another event.", MONITOR, AT + timedelta(minutes=5))
    assert query.status is QueryStatus.OPEN
    with pytest.raises(StateConflict):
        query.reopen("again", MONITOR, AT + timedelta(minutes=6))

    steps = [(entry["step"], entry["user"]) for entry in query.history]
    assert steps == [
        ("raised", "ulla"),
        ("answered", "uffe"),
        ("answered", "uffe"),
        ("closed", "ulla"),
        ("reopened", "ulla"),
    ]
    assert query.history[2]["changes"] == {"AE_SEVERITY": ["mild", "moderate"]}
    # Every step names the participant, so the trail finds it without the creation event.
    events = query.collect_events()
    assert {event.participant_id for event in events} == {record.participant_id}  # type: ignore[attr-defined]
    assert not any(is_blinded_safe(get_topic(type(event))) for event in events)


def test_only_the_raiser_closes_or_reopens() -> None:
    query = raised(record_with_an_adverse_event())
    with pytest.raises(PermissionDenied):
        query.close(None, OTHER_MONITOR, AT)
    query.close(None, MONITOR, AT)
    with pytest.raises(PermissionDenied):
        query.reopen("why", OTHER_MONITOR, AT)


def test_a_query_needs_its_text_an_item_of_the_form_and_an_entered_event() -> None:
    record = record_with_an_adverse_event()
    with pytest.raises(FormInvalid):
        raised(record, text="  ")
    with pytest.raises(FormInvalid):
        raised(record, item="REST_HOURS_PER_DAY")
    with pytest.raises(FormInvalid):
        raised(record, repeat=None)
    with pytest.raises(NotFound, match="adverse event number 2"):
        raised(record, repeat=2)
    with pytest.raises(NotFound):
        raised(record, form="baseline", item="LBP_NOW")
    # A form of the record not entered yet has nothing to query.
    with pytest.raises(NotFound, match="not been entered"):
        raised(record, form="discontinuation", item="DISC_DATE", repeat=None)


def test_no_record_means_nothing_to_query() -> None:
    with pytest.raises(NotFound):
        ArmRevealingQuery.raise_on(
            uuid4(),
            None,
            uuid4(),
            "RINGE-001",
            "RINGE",
            "adverse_event",
            "AE_TERM",
            "?",
            MONITOR,
            AT,
            repeat=1,
        )


def test_the_index_is_apart_from_the_ordinary_query_index() -> None:
    participant_id: UUID = uuid4()
    index = ArmRevealingQueryIndex.start(participant_id, AT)
    query_id = uuid4()
    index.add(query_id, "adverse_event", AT)
    assert index.queries == {query_id: "adverse_event"}
    assert (
        index.id == arm_revealing_query_index_id(participant_id) != query_index_id(participant_id)
    )
    assert not any(is_blinded_safe(get_topic(type(e))) for e in index.collect_events())


def test_open_arm_revealing_queries_are_one_finding_whatever_their_number() -> None:
    passed = pre_lock_findings([], [], arm_revealing_queries_open=False)
    assert passed[ARM_REVEALING_QUERIES] == ()
    found = pre_lock_findings(
        ["RINGE-001: baseline LBP_NOW (open)"], [], arm_revealing_queries_open=True
    )
    assert found[ARM_REVEALING_QUERIES] == (ARM_REVEALING_QUERIES_OPEN,)
    assert found[OPEN_QUERIES] == ("RINGE-001: baseline LBP_NOW (open)",)
    with pytest.raises(FormInvalid) as refused:
        check_overrides(found, {OPEN_QUERIES: "left for the next wave"})
    assert set(refused.value.fields) == {ARM_REVEALING_QUERIES}
    reasons = check_overrides(
        found, {OPEN_QUERIES: "next wave", ARM_REVEALING_QUERIES: "unblinded monitor agreed"}
    )
    assert reasons[ARM_REVEALING_QUERIES] == "unblinded monitor agreed"
