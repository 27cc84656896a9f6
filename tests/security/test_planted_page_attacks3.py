"""Planted events read through the read models' direct page query (`projections.pages`), on
SQLite and PostgreSQL: a state whose tag is spelt with escapes, a whole number beyond 64 bits,
a control character, a topic nothing registers and an arm-revealing record's event. The page
of either view is the library's `select_notifications` row for row; the blinded page holds
none of the planted events of other topics; and each row decodes to what the mapper gives."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from domain.actor import Actor
from domain.arm_revealing import arm_revealing_record_id
from domain.participant import Participant
from edc.application import Trial
from projections.decoding import EventDecoder
from projections.pages import page_reader
from projections.spec import blinded_view, unblinded_view
from tests.app.journeys import randomised

ODD_TOPIC = "nowhere.planted:Odd"


def _plant(trial: Trial, actors: dict[str, Actor]) -> set[str]:
    """Planted events after the participant's own; the topics of those no view may hold."""
    pid, _ = randomised(trial, actors["site_staff"])
    version = max(e.originator_version for e in trial.events.get(pid))
    states = [
        {"WEEK": 3, "NOTE": 123456789012345678901234},
        {"WEEK": 4, "NOTE": "bell \x07 and \u2028 inside"},
        {"WEEK": 5, "NOTE": "escaped tag"},
    ]
    stored = []
    for offset, items in enumerate(states, start=1):
        event = Participant.FormEntered(
            originator_id=pid,
            originator_version=version + offset,
            timestamp=datetime(2024, 6, 1, 9, offset, tzinfo=UTC),
            form="weekly",
            key=f"weekly:{items['WEEK']:02d}",
            items=items,
            actor={"user": "sara", "role": "site_staff", "site": "RINGE"},
        )
        stored.append(trial.mapper.to_stored_event(event))
    last = stored[-1]
    assert b'"_type_"' in last.state
    stored[-1] = StoredEvent(
        last.originator_id,
        last.originator_version,
        last.topic,
        last.state.replace(b'"_type_"', b'"\\u005ftype_"'),
    )
    record_topic = "domain.arm_revealing:ArmRevealingRecord.FormEntered"
    stored.append(StoredEvent(uuid4(), 1, ODD_TOPIC, b"{}"))
    stored.append(StoredEvent(arm_revealing_record_id(pid), 1, record_topic, b"{}"))
    trial.recorder.insert_events(stored)
    return {ODD_TOPIC, record_topic}


def _library(recorder: Any, topics: tuple[str, ...]) -> list[tuple[Any, ...]]:
    head = recorder.max_notification_id() or 0
    return [
        (n.id, n.originator_id, n.originator_version, n.topic, n.state, type(n.originator_id))
        for n in recorder.select_notifications(
            start=0, limit=100_000, stop=head, topics=topics, inclusive_of_start=False
        )
    ]


@pytest.mark.parametrize("view", [blinded_view(), unblinded_view()], ids=lambda v: v.name)
def test_planted_events_read_through_pages_are_the_librarys(
    trial: Trial, actors: dict[str, Actor], view: Any
) -> None:
    foreign = _plant(trial, actors)
    recorder = trial.recorder
    head = recorder.max_notification_id() or 0
    for limit in (1, 3, 100_000):
        rows, after = [], 0
        while page := page_reader(recorder)(after, head, limit, view.topics):
            rows.extend((*row, type(row[1])) for row in page)
            after = page[-1][0]
        assert rows == _library(recorder, view.topics)
    if view.blinded:
        assert not foreign & {row[3] for row in rows}
        decode = EventDecoder(trial.mapper)
        for n, (_, originator_id, version, topic, state, _type) in zip(
            recorder.select_notifications(start=1, limit=100_000, topics=view.topics),
            rows,
            strict=True,
        ):
            expected = trial.mapper.to_domain_event(n)
            got = decode.stored(topic, originator_id, version, state)
            assert type(got) is type(expected)
            assert got.__dict__ == expected.__dict__
            for name, value in expected.__dict__.items():
                assert type(got.__dict__[name]) is type(value), name
