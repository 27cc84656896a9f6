"""The casebooks' direct reads of a SQLite store (`projections.exports.store_rows`) give what
the library's own queries and the application's mapper give: the same heads, the same stored
histories, the same decoded events, and so the same export bytes, in both views. Planted
states the decoder must send to the mapper (a tag written with escapes, a whole number beyond
64 bits, a control character) are among them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from domain.blinding import BLINDED_SAFE_TOPICS, is_blinded_safe
from domain.participant import Participant
from projections.exports import Cut, ExportKind, StoreReader, View, store_rows
from projections.exports.casebook import ALLOCATED_TOPICS, PARTICIPANT_TOPIC_PREFIX
from projections.exports.store_rows import LibraryRows, SQLiteRows
from tests.exports.conftest import Built, export_bytes


def _library_reader(reader: StoreReader) -> StoreReader:
    """The same store read through the library's queries only."""
    library = StoreReader(reader.recorder, reader.mapper, reader.chain_head)
    object.__setattr__(library, "rows", LibraryRows(reader.recorder))
    return library


def _sqlite_only(built: Built) -> None:
    if not isinstance(built.reader.rows, SQLiteRows):
        pytest.skip("the direct reads are SQLite's; other stores use the library's queries")


def _same(expected: Any, got: Any) -> None:
    assert type(got) is type(expected)
    assert got.__dict__ == expected.__dict__
    for name, value in expected.__dict__.items():
        assert type(got.__dict__[name]) is type(value), name


def _plant_awkward_states(built: Built) -> UUID:
    """Events of participant F whose states only the mapper's decoder reads right."""
    trial, pid = built.trial, built.small.ids["F"]
    version = max(e.originator_version for e in trial.events.get(pid))
    states = [
        # A whole number beyond 64 bits (orjson would read it as a float).
        {"WEEK": 3, "NOTE": 123456789012345678901234},
        # A control character, which JSON writes as an escape.
        {"WEEK": 4, "NOTE": "bell \x07 inside"},
        {"WEEK": 5, "NOTE": "plain"},
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
    # The last one's tag key written with escapes, which the mapper's JSON reads all the same.
    last = stored[-1]
    assert b'"_type_"' in last.state
    stored[-1] = StoredEvent(
        last.originator_id,
        last.originator_version,
        last.topic,
        last.state.replace(b'"_type_"', b'"\\u005ftype_"'),
    )
    trial.recorder.insert_events(stored)
    return pid


def test_heads_and_histories_are_the_librarys_rows(
    fresh: Built, monkeypatch: pytest.MonkeyPatch
) -> None:
    _sqlite_only(fresh)
    # Small pages and batches, so that reading crosses their ends.
    monkeypatch.setattr(store_rows, "HEAD_PAGE", 7)
    monkeypatch.setattr(SQLiteRows, "BATCH", 2)
    pid = _plant_awkward_states(fresh)
    recorder, mapper = fresh.reader.recorder, fresh.reader.mapper
    head = recorder.max_notification_id()
    direct, library = fresh.reader.rows, LibraryRows(recorder)
    for topics in ((), BLINDED_SAFE_TOPICS):
        for with_state in (frozenset(), ALLOCATED_TOPICS):
            got = [h for page in direct.heads(1, head, topics, with_state) for h in page]
            expected = [h for page in library.heads(1, head, topics, with_state) for h in page]
            assert got == expected
    everything = [h for page in direct.heads(1, head, (), ALLOCATED_TOPICS) for h in page]
    assert [h.position for h in everything] == list(range(1, head + 1))
    assert {h.topic for h in everything if h.state is not None} == set(ALLOCATED_TOPICS)
    within = [h for page in direct.heads(3, head - 2, (), frozenset()) for h in page]
    assert [h.position for h in within] == list(range(3, head - 1))
    other = fresh.small.ids["G"]
    wanted = [(pid, v) for v in (1, 2, 5)] + [(other, 3), (pid, 10_000)]
    assert list(direct.histories(wanted)) == list(library.histories(wanted))
    # Decoded through the cut, the planted events are the mapper's, attribute for attribute.
    cut = Cut.of(fresh.reader, View.UNBLINDED)
    ((_, events),) = cut.histories([(pid, 10_000)])
    stored = recorder.select_events(pid)
    assert len(events) == len(stored)
    for event, expected in zip(events, stored, strict=True):
        _same(mapper.to_domain_event(expected), event)
    assert events[-3].items["NOTE"] == 123456789012345678901234
    assert events[-2].items["NOTE"] == "bell \x07 inside"
    assert isinstance(events[-1].timestamp, datetime)


def test_a_blinded_cut_reads_heads_of_blinded_safe_topics_only(built: Built) -> None:
    cut = Cut.of(built.reader, View.BLINDED)
    heads = list(cut.heads())
    assert heads
    assert all(is_blinded_safe(h.topic) for h in heads)
    assert [h.position for h in heads] == [n.id for n in cut.notifications()]
    unblinded = list(Cut.of(built.reader, View.UNBLINDED, cut.as_of).heads())
    assert any(not is_blinded_safe(h.topic) for h in unblinded)
    assert any(h.topic.startswith(PARTICIPANT_TOPIC_PREFIX) for h in heads)


@pytest.mark.parametrize("view", list(View))
@pytest.mark.parametrize("kind", [ExportKind.CSV, ExportKind.ODM_SNAPSHOT])
def test_exports_from_direct_reads_are_the_bytes_of_the_librarys_reads(
    built: Built, kind: ExportKind, view: View
) -> None:
    _sqlite_only(built)
    library = _library_reader(built.reader)
    for as_of in (built.small.after_randomisation, None):
        direct_bytes = export_bytes(built.reader, kind, view, as_of, "export")
        assert direct_bytes == export_bytes(library, kind, view, as_of, "export")
