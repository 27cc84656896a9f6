"""The transactional ODM writer's ledger answers from its bounded memory exactly as its tables
do: a renamed subject is never answered by its old key, and an allocation never renames; a
study event is inserted once."""

from __future__ import annotations

from uuid import uuid4

from projections.exports.odm.ledger import SubjectLedger


def test_subject_keys_are_never_stale() -> None:
    first, second = uuid4(), uuid4()
    with SubjectLedger(remembered=2) as ledger:
        assert ledger.subject_key(first) is None
        ledger.name(first, "S-1")
        assert ledger.subject_key(first) == "S-1"
        ledger.name(first, "S-1b")  # a key given again replaces the one remembered
        assert ledger.subject_key(first) == "S-1b"
        ledger.name_if_new(first, "A-1")  # an allocation never renames a known subject
        assert ledger.subject_key(first) == "S-1b"
        ledger.name_if_new(second, "A-2")  # an allocation before the screening names it
        assert ledger.subject_key(second) == "A-2"
        ledger.name_if_new(second, "A-2b")
        assert ledger.subject_key(second) == "A-2"
        ledger.name(second, "S-2")  # then the screening gives the subject key
        assert ledger.subject_key(second) == "S-2"
        others = [uuid4() for _ in range(5)]
        for number, other in enumerate(others):
            ledger.name(other, f"O-{number}")
        # Forgotten from memory, answered by the table.
        assert len(ledger.keys) <= 2
        assert ledger.subject_key(first) == "S-1b"
        assert ledger.subject_key(second) == "S-2"
        ledger.name_if_new(first, "A-1")
        assert ledger.subject_key(first) == "S-1b"
        assert [ledger.subject_key(other) for other in others] == [f"O-{n}" for n in range(5)]


def test_a_study_event_is_inserted_once_whatever_is_remembered() -> None:
    participant = uuid4()
    with SubjectLedger() as ledger:
        assert ledger.insert(participant, "SE.WEEKLY", "1")
        assert not ledger.insert(participant, "SE.WEEKLY", "1")
        assert ledger.insert(participant, "SE.WEEKLY", "2")
        assert ledger.insert(participant, "SE.BASELINE", None)
        assert ledger.insert(uuid4(), "SE.WEEKLY", "1")
        assert not ledger.insert(participant, "SE.WEEKLY", "1")
        assert not ledger.insert(participant, "SE.BASELINE", None)
        assert ledger.inserted(participant, "SE.WEEKLY") == ["1", "2"]
