"""Tamper evidence: edit the store behind the application's back; verify names the first bad event.

Each test builds a small trial through the use cases, changes the raw tables the way an
intruder with database access would, and checks that `verify` reports the right position, the
right event and the right kind of tampering, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import contextvars

import pytest

from domain.actor import Actor
from edc import audit
from edc.application import Trial
from edc.audit.links import GENESIS, ChainBroken, event_digest, next_link
from edc.config import Settings
from tests.app.journeys import screened
from tests.audit import scenario
from tests.audit.tamper import RawStore
from tests.web.untranslated import english_runs
from web.i18n import use_language
from web.i18n_messages import shown_message

PAGE = 3  # small pages, so the checks cross page boundaries


@pytest.fixture
def store(trial: Trial, actors: dict[str, Actor], settings: Settings) -> RawStore:
    scenario.build(trial, actors)
    return RawStore(settings)


def events_before(store: RawStore, position: int) -> int:
    return sum(1 for row in store.rows() if row[0] < position)


def test_an_untouched_store_verifies_with_its_event_count_and_head(
    trial: Trial, store: RawStore
) -> None:
    rows = store.rows()
    result = audit.verify(trial, page_size=PAGE)
    assert result.ok, result.message
    assert result.problem is None and result.first_bad_position is None
    assert result.events_checked == len(rows)
    assert result.head == audit.head(trial)
    assert result.head.position == rows[-1][0]
    assert audit.head_at(trial, rows[-1][0]) == result.head.link
    assert f"{len(rows)} events verified" in result.message


def test_the_chain_is_the_documented_hash_of_the_stored_bytes(
    trial: Trial, store: RawStore
) -> None:
    # Anyone can recompute the head from the raw rows without our code's help beyond the
    # two documented formulas: this is what a third-party auditor would do. The participant
    # locator stored with a link is part of it (so nulling it is evident).
    link, locators = GENESIS, store.locators()
    for position, originator_id, version, topic, state in store.rows():
        digest = event_digest(_uuid(originator_id), version, topic, state)
        link = next_link(link, position, digest, locators[position])
    assert audit.head(trial).link == link.hex()


def test_changing_one_byte_of_one_stored_event_is_named_as_altered_at_its_position(
    trial: Trial, store: RawStore
) -> None:
    position = store.position_of("FormCorrected")
    _, originator_id, version, _, _ = store.row(position)
    store.change_one_byte(position)
    result = audit.verify(trial, page_size=PAGE)
    assert not result.ok
    assert (result.first_bad_position, result.problem) == (position, "altered")
    assert result.originator_id == str(_uuid(originator_id))
    assert result.originator_version == version
    assert result.events_checked == events_before(store, position)
    assert f"position {position}" in result.message and "altered" in result.message


def test_deleting_one_event_is_named_at_the_position_it_was_sealed(
    trial: Trial, store: RawStore
) -> None:
    position = store.position_of("Consented")
    _, originator_id, version, _, _ = store.row(position)
    store.delete(position)
    result = audit.verify(trial, page_size=PAGE)
    assert (result.ok, result.first_bad_position, result.problem) == (False, position, "deleted")
    assert (result.originator_id, result.originator_version) == (str(_uuid(originator_id)), version)
    assert "deleted" in result.message


def test_deleting_the_last_event_is_caught(trial: Trial, store: RawStore) -> None:
    last = store.last_position()
    store.delete(last)
    result = audit.verify(trial, page_size=PAGE)
    assert (result.ok, result.first_bad_position, result.problem) == (False, last, "deleted")


def test_an_event_appended_behind_the_applications_back_is_named_as_inserted(
    trial: Trial, store: RawStore, actors: dict[str, Actor]
) -> None:
    added = store.append_copy(store.position_of("FormCorrected"))
    result = audit.verify(trial, page_size=PAGE)
    assert (result.ok, result.first_bad_position, result.problem) == (False, added, "inserted")
    assert result.originator_id == str(_uuid(store.row(added)[1]))
    # Genuine writes after it are sealed, but never the intruder's row.
    screened(trial, actors["site_staff"])
    again = audit.verify(trial, page_size=PAGE)
    assert (again.first_bad_position, again.problem) == (added, "inserted")


def test_an_event_slipped_in_between_moving_later_ones_up_is_named_as_inserted(
    trial: Trial, store: RawStore
) -> None:
    position = store.position_of("BaselineRecorded")
    store.insert_copy_at(position, source=store.position_of("FormCorrected"))
    result = audit.verify(trial, page_size=PAGE)
    assert (result.ok, result.first_bad_position, result.problem) == (False, position, "inserted")


def test_swapping_two_stored_events_is_named_as_reordered_at_the_first(
    trial: Trial, store: RawStore
) -> None:
    first = store.position_of("Consented")
    second = store.position_of("FormCorrected")
    _, moved_id, moved_version, _, _ = store.row(second)
    store.swap(first, second)
    result = audit.verify(trial, page_size=PAGE)
    assert (result.ok, result.first_bad_position, result.problem) == (False, first, "reordered")
    assert (result.originator_id, result.originator_version) == (
        str(_uuid(moved_id)),
        moved_version,
    )
    assert f"sealed at position {second}" in result.message


def test_editing_a_link_of_the_chain_itself_is_caught(trial: Trial, store: RawStore) -> None:
    position = store.position_of("Randomised")
    store.change_link(position)
    result = audit.verify(trial, page_size=PAGE)
    assert (result.ok, result.first_bad_position, result.problem) == (False, position, "altered")
    assert "audit chain itself" in result.message


def test_a_consistent_rewrite_of_both_tables_is_caught_against_a_published_head(
    trial: Trial, store: RawStore
) -> None:
    published = audit.head(trial)
    position = store.position_of("FormCorrected")
    store.change_one_byte(position)
    # The intruder also recomputes every link after the edit with the public formulas.
    link, locators = GENESIS, store.locators()
    for row_position, originator_id, version, topic, state in store.rows():
        link = next_link(
            link,
            row_position,
            event_digest(_uuid(originator_id), version, topic, state),
            locators[row_position],
        )
        store.execute(
            f"UPDATE {store.chain_table} SET link = ?, digest = ? WHERE position = ?",
            (link, event_digest(_uuid(originator_id), version, topic, state), row_position),
        )
    assert audit.verify(trial).ok  # the chain alone cannot see a complete rewrite...
    against = audit.verify(trial, expect=published)  # ...a head published earlier can
    assert not against.ok and against.first_bad_position == published.position
    assert "rewritten" in against.message


def test_a_published_head_still_verifies_after_genuine_writes(
    trial: Trial, store: RawStore, actors: dict[str, Actor]
) -> None:
    published = audit.head(trial)
    screened(trial, actors["site_staff"])
    result = audit.verify(trial, expect=published)
    assert result.ok and result.head.position > published.position


def test_a_store_whose_numbering_was_rewound_refuses_to_write_and_stores_nothing(
    trial: Trial, store: RawStore, actors: dict[str, Actor]
) -> None:
    store.rewind_numbering()
    before = store.rows()
    with pytest.raises(ChainBroken, match="changed behind the application's back"):
        screened(trial, actors["site_staff"])
    assert store.rows() == before
    assert audit.verify(trial).problem == "deleted"


def _uuid(originator_id: object) -> object:
    from uuid import UUID

    return originator_id if isinstance(originator_id, UUID) else UUID(str(originator_id))


def _in_danish(message: str) -> str:
    """A finding as a Danish account reads it on the tamper check page."""

    def shown() -> str:
        use_language("da")
        return shown_message(message)

    return contextvars.copy_context().run(shown)


def test_a_finding_reads_in_danish_on_the_page_and_stays_english_for_the_api(
    trial: Trial, store: RawStore
) -> None:
    position = store.position_of("FormCorrected")
    store.change_one_byte(position)
    result = audit.verify(trial, page_size=PAGE)
    assert "changed after it was sealed: the event was altered." in result.message
    danish = _in_danish(result.message)
    assert f"på position {position} er ændret, efter den blev forseglet" in danish
    assert "FormCorrected af aggregat" in danish
    assert english_runs(danish) == []
