"""The read models' page reader gives the library's `select_notifications`, row for row: the
same positions, order, originator ids (of the same type), versions, topics and states, for
every page size, start, stop and topic filter, on SQLite and PostgreSQL; and the events decoded
from its rows are the mapper's."""

from __future__ import annotations

from typing import Any

import pytest

from projections.audit_rows import participant_of, participants_of
from projections.decoding import EventDecoder
from projections.pages import _library_reader, page_reader
from projections.spec import blinded_view, unblinded_view
from tests.projections.conftest import DemoStore


def _library(recorder: Any, after: int, stop: int, limit: int, topics: tuple[str, ...]) -> list:
    return [
        (n.id, n.originator_id, n.originator_version, n.topic, n.state)
        for n in recorder.select_notifications(
            start=after, limit=limit, stop=stop, topics=topics, inclusive_of_start=False
        )
    ]


def _typed(rows: list) -> list:
    return [(*row, type(row[1]), type(row[4])) for row in rows]


@pytest.mark.parametrize("view", [blinded_view(), unblinded_view()], ids=lambda v: v.name)
@pytest.mark.parametrize("limit", [1, 7, 500, 100_000])
def test_pages_are_the_librarys_notifications(demo_store: DemoStore, view: Any, limit: int) -> None:
    recorder = demo_store.trial.recorder
    read = page_reader(recorder)
    assert read.__qualname__ != _library_reader(recorder).__qualname__  # the direct query
    head = recorder.max_notification_id() or 0
    for after, stop in ((0, head), (0, head // 2), (head // 3, head), (head - 5, head)):
        assert _typed(read(after, stop, limit, view.topics)) == _typed(
            _library(recorder, after, stop, limit, view.topics)
        )


def test_a_page_without_a_topic_filter_reads_every_topic(demo_store: DemoStore) -> None:
    recorder = demo_store.trial.recorder
    head = recorder.max_notification_id() or 0
    rows = page_reader(recorder)(0, head, 1_000_000, ())
    assert len(rows) == head
    assert _typed(rows) == _typed(_library(recorder, 0, head, 1_000_000, ()))


def test_events_decoded_from_pages_are_the_mappers(demo_store: DemoStore) -> None:
    recorder, mapper = demo_store.trial.recorder, demo_store.trial.mapper
    decode = EventDecoder(mapper)
    head = recorder.max_notification_id() or 0
    rows = page_reader(recorder)(0, head, 1_000_000, ())
    for notification, (_, originator_id, version, topic, state) in zip(
        recorder.select_notifications(start=1, limit=1_000_000), rows, strict=True
    ):
        expected = mapper.to_domain_event(notification)
        got = decode.stored(topic, originator_id, version, state)
        assert type(got) is type(expected)
        assert got.__dict__ == expected.__dict__
        for name, value in expected.__dict__.items():
            assert type(got.__dict__[name]) is type(value), name


def test_a_pages_participants_are_each_events_own(demo_store: DemoStore) -> None:
    recorder, mapper = demo_store.trial.recorder, demo_store.trial.mapper
    decode = EventDecoder(mapper)
    head = recorder.max_notification_id() or 0
    rows = page_reader(recorder)(0, head, 1_000_000, ())
    events = [decode.stored(topic, o, v, state) for _, o, v, topic, state in rows]
    found = participants_of(events)
    assert found == [participant_of(event) for event in events]
    assert len({pid for pid in found if pid}) > 100  # many participants, each spelt once
