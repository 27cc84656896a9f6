"""Attacks on the read models' fast path (orjson decoding, a participant's standing restated
once per page, rows encoded per table): the blind holds and the rows are the mapper's.

- A stored state the fast path could read differently from the mapper (a tag's key written
  with escapes, text orjson refuses) decodes as the mapper decodes it.
- Every topic the blinded model asks the store for resolves, through the library's topic
  registry, to a class classified blinded-safe; an alias of an arm-revealing class is read by
  no blinded model.
- Events planted in the store by someone with a copy of the files: an arm-revealing topic
  never reaches a blinded table, and a blinded-safe topic carrying an arm-revealing form is
  refused (BlindingViolation) rather than stored.
- The read models made one event per page, in small pages and in one page for the whole store
  (standing restated at the end of it) are the same, table for table, and the same as a
  catch-up that stopped half way and went on.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import get_topic, register_topic, resolve_topic

from domain.actor import Actor
from domain.arm_revealing import ArmRevealingRecord, arm_revealing_record_id
from domain.blinding import BLINDED_SAFE_TOPICS, CLASSIFICATION, Blinding, is_blinded_safe
from domain.participant import Participant
from domain.protocol import ARM_REVEALING_FORMS
from edc.application import Trial
from edc.bootstrap import build_trial
from edc.config import Settings
from projections.decoding import EventDecoder
from projections.leaks import find_arm_leaks
from projections.service import Projections
from projections.spec import BLINDED, BlindingViolation, blinded_view
from tests.app.journeys import randomised
from tests.projections.conftest import DemoStore, demo_projections, fresh_view_db

# Fixtures of the read-model tests, used here by name.
from tests.projections.conftest import demo_store as demo_store
from tests.projections.conftest import projections as projections
from tests.projections.tables import dumps, position

# ---- the decoder against the mapper --------------------------------------------------------


@pytest.fixture
def mapper(tmp_path: Path) -> Iterator[Mapper[Any]]:
    """The application's own mapper (its transcodings registered)."""
    app = build_trial(Settings(data_dir=tmp_path / "var"))
    yield app.mapper
    app.close()


def _same(expected: Any, got: Any) -> None:
    assert type(got) is type(expected)
    assert got.__dict__ == expected.__dict__
    for name, value in expected.__dict__.items():
        assert type(got.__dict__[name]) is type(value), name
        if isinstance(value, dict):
            for key, inner in value.items():
                assert type(got.__dict__[name][key]) is type(inner), (name, key)


def _entry(pid: UUID, version: int, items: dict[str, Any], form: str = "weekly") -> Any:
    return Participant.FormEntered(
        originator_id=pid,
        originator_version=version,
        timestamp=datetime(2024, 1, 16, 9, 0, tzinfo=UTC),
        form=form,
        key=form if form != "weekly" else "weekly:01",
        items=items,
        actor={"user": "sara", "role": "site_staff", "site": "RINGE"},
    )


def _restated(stored: StoredEvent, state: bytes) -> StoredEvent:
    return StoredEvent(
        originator_id=stored.originator_id,
        originator_version=stored.originator_version,
        topic=stored.topic,
        state=state,
    )


@pytest.mark.parametrize(
    "escaped",
    [b'"\\u005ftype_"', b'"_t\\u0079pe_"', b'"_type\\u005f"'],
)
def test_a_tag_written_with_escapes_decodes_as_the_mapper_decodes_it(
    mapper: Mapper[Any], escaped: bytes
) -> None:
    """JSON lets a key's letters be escapes; the mapper's decoder reads the tag all the same,
    so the fast path, which finds tags by their bytes, must not miss it."""
    decode = EventDecoder(mapper)
    # Learn the topic's tagged attributes from a well-formed event first.
    _same(mapper.to_domain_event(ok := mapper.to_stored_event(_entry(uuid4(), 2, {}))), decode(ok))
    stored = mapper.to_stored_event(_entry(uuid4(), 2, {"WEEK": 1}))
    assert stored.state.count(b'"_type_"') >= 1
    planted = _restated(stored, stored.state.replace(b'"_type_"', escaped))
    expected = mapper.to_domain_event(planted)
    assert isinstance(expected.timestamp, datetime)
    _same(expected, decode(planted))


@pytest.mark.parametrize(
    "text",
    [
        "nul \x00 inside",
        "\U0001f600 non-BMP \U00010348",
        "\u2028 line separators \u2029",
        'a "_type_" and "_data_" in text',
        "\\u005ftype_",
        "9" * 40,
    ],
)
def test_text_decodes_as_the_mapper_decodes_it(mapper: Mapper[Any], text: str) -> None:
    decode = EventDecoder(mapper)
    for _ in range(2):
        stored = mapper.to_stored_event(_entry(uuid4(), 2, {"WEEK": 1, "NOTE": text}))
        _same(mapper.to_domain_event(stored), decode(stored))


def test_a_lone_surrogate_escape_decodes_as_the_mapper_decodes_it(mapper: Mapper[Any]) -> None:
    """orjson refuses a lone surrogate the standard library reads: the event is the mapper's."""
    stored = mapper.to_stored_event(_entry(uuid4(), 2, {"WEEK": 1, "NOTE": "x"}))
    planted = _restated(stored, stored.state.replace(b'"x"', b'"\\ud800"'))
    _same(mapper.to_domain_event(planted), EventDecoder(mapper)(planted))


# ---- topics and classes ---------------------------------------------------------------------


def test_every_topic_the_blinded_model_reads_resolves_to_a_blinded_safe_class() -> None:
    """The store is asked for topics by name, and the decoder resolves a name to a class
    through the library's registry (renamed and aliased topics included): each name the
    blinded model reads must land on a class classified blinded-safe, and on no class that is
    (or derives from) an arm-revealing one."""
    arm_revealing = tuple(c for c, b in CLASSIFICATION.items() if b is Blinding.ARM_REVEALING)
    for topic in blinded_view().topics:
        cls = resolve_topic(topic)
        assert CLASSIFICATION.get(cls) is Blinding.BLINDED_SAFE, topic
        assert is_blinded_safe(get_topic(cls)), topic
        assert not issubclass(cls, arm_revealing), topic


def test_an_alias_of_an_arm_revealing_topic_is_read_by_no_blinded_model() -> None:
    alias = "domain.participant:Participant.AdverseEventReported"
    register_topic(alias, ArmRevealingRecord.AdverseEventReported)
    assert resolve_topic(alias) is ArmRevealingRecord.AdverseEventReported
    assert not is_blinded_safe(alias)
    assert alias not in BLINDED_SAFE_TOPICS
    with pytest.raises(BlindingViolation):
        blinded_view().check(alias)


def test_a_subclass_of_a_milestone_or_correction_outside_the_classification_is_refused() -> None:
    class Renamed(Participant.Consented):
        pass

    class Named(Participant.FormCorrected):
        pass

    for cls in (Renamed, Named):
        assert not is_blinded_safe(get_topic(cls))
        with pytest.raises(BlindingViolation):
            blinded_view().check(get_topic(cls))


# ---- events planted in the store ------------------------------------------------------------


def _plant(trial: Trial, event: Any) -> None:
    """Write an event straight into the store, as someone with a copy of the files could."""
    trial.recorder.insert_events([trial.mapper.to_stored_event(event)])


def _version_of(trial: Trial, pid: UUID) -> int:
    return max(e.originator_version for e in trial.events.get(pid))


@pytest.mark.parametrize("form", sorted(ARM_REVEALING_FORMS))
def test_an_arm_revealing_form_planted_under_a_blinded_safe_topic_is_refused(
    trial: Trial, actors: dict[str, Actor], projections: Projections, form: str
) -> None:
    pid, _arm = randomised(trial, actors["site_staff"])
    projections.catch_up()
    before = position(projections.db, BLINDED)
    _plant(trial, _entry(pid, _version_of(trial, pid) + 1, {"PLANTED": 1}, form=form))
    for rebuild in (False, True):
        with pytest.raises(BlindingViolation):
            if rebuild:
                projections.rebuild([BLINDED])
            else:
                projections.catch_up([BLINDED])
        assert find_arm_leaks(projections.db, BLINDED) == []
    assert position(projections.db, BLINDED) <= before


def test_an_arm_revealing_event_planted_in_the_store_never_reaches_a_blinded_table(
    trial: Trial, actors: dict[str, Actor], projections: Projections
) -> None:
    staff = actors["site_staff"]
    pid, arm = randomised(trial, staff)
    adherence = {"EXERCISE_SESSIONS": 9} if arm == "exercise" else {"REST_HOURS_PER_DAY": 3.0}
    trial.record_form(staff, pid, "adherence", adherence, expected_version=0)
    record = arm_revealing_record_id(pid)
    reported: Any = ArmRevealingRecord.AdverseEventReported  # the library makes its __init__
    _plant(
        trial,
        reported(
            originator_id=record,
            originator_version=_version_of(trial, record) + 1,
            timestamp=datetime(2024, 1, 16, 9, 0, tzinfo=UTC),
            participant_id=pid,
            participant_version=_version_of(trial, pid),
            form="adverse_event",
            key="adverse_event:01",
            items={"AE_TERM": f"planted, {arm}"},
            actor={"user": "sara", "role": "site_staff", "site": "RINGE"},
        ),
    )
    for rebuild in (False, True):
        if rebuild:
            projections.rebuild()
        else:
            projections.catch_up()
        assert find_arm_leaks(projections.db, BLINDED) == []
        # The unblinded model did read it: the plant is a real arm-revealing event.
        found = "\n".join(find_arm_leaks(projections.db, "unblinded"))
        assert "planted" in found


# ---- pages: one event, a few, one for the whole store ----------------------------------------


def test_one_event_per_page_few_per_page_and_one_page_for_the_whole_store_agree(
    demo_store: DemoStore, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """The demo store has corrections with reasons, withdrawals, serious adverse events,
    signatures invalidated by corrections, missed and out-of-window visits. The standing is
    restated once per page; with one page for the store it is restated once in all, with one
    event per page after every event: the tables must not differ."""
    head = demo_store.trial.recorder.max_notification_id() or 0
    # A transaction per page: one event per page on SQLite, a few dozen on PostgreSQL.
    smallest = 1 if demo_store.backend == "sqlite" else 31
    builds = {}
    for page_size in (smallest, 7, head + 1):
        where = tmp_path / f"pages-{page_size}"
        where.mkdir()
        db = fresh_view_db(demo_store, where, request)
        try:
            built = demo_projections(demo_store, db, page_size=page_size)
            for runner in built.runners.values():
                runner.cache.limit = 2  # evictions inside every page
            if page_size == 7:  # stop half way, then a new runner goes on from there
                built.runners[BLINDED].catch_up(target=head // 2)
                built = demo_projections(demo_store, db, page_size=page_size)
            built.catch_up()
            assert find_arm_leaks(db, BLINDED) == []
            builds[page_size] = dumps(db)
        finally:
            db.close()
    assert builds[smallest] == builds[7] == builds[head + 1]
