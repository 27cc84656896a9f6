"""The transactional ODM export's ledger with its bounded memory of subjects, attacked by any
order of namings, allocations, study events inserted and look-ups over more participants than
it remembers: every subject key it gives is the one a plain record of the rules gives (a
screening names or renames, an allocation names only a subject without a key), and a study
event (one repeat of it) is new exactly once for its own participant, renamed or not. So no
SubjectData of the export carries another subject's key or a key replaced since, and no study
event is inserted twice or taken for another subject's."""

from __future__ import annotations

from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from projections.exports.odm.ledger import SubjectLedger

# Participants whose ids differ only in their top bits, then in their low bits: a memory keyed
# by a part of the id would mix them up.
PARTICIPANTS = [UUID(int=n << 96 | 1) for n in range(3)] + [UUID(int=n) for n in range(1, 5)]
STUDY_EVENTS = ["SE.BASELINE", "SE.WEEKLY"]

steps = st.lists(
    st.tuples(
        st.sampled_from(["name", "name_if_new", "ask", "insert"]),
        st.sampled_from(PARTICIPANTS),
        st.sampled_from(["S-1", "S-2", "A-1", ""]),
        st.sampled_from(STUDY_EVENTS),
        st.sampled_from([None, "1", "2"]),
    ),
    max_size=80,
)


@settings(max_examples=200, deadline=None)
@given(steps=steps, remembered=st.integers(min_value=1, max_value=4))
def test_every_answer_is_the_one_the_rules_give(
    steps: list[tuple[str, UUID, str, str, str | None]], remembered: int
) -> None:
    keys: dict[UUID, str] = {}
    inserted: dict[tuple[UUID, str], set[int]] = {}
    with SubjectLedger(remembered=remembered) as ledger:
        for step, participant, key, study_event, repeat in steps:
            if step == "name":
                ledger.name(participant, key)
                keys[participant] = key
            elif step == "name_if_new":
                ledger.name_if_new(participant, key)
                keys.setdefault(participant, key)
            elif step == "insert" and participant in keys:
                number = -1 if repeat is None else int(repeat)
                done = inserted.setdefault((participant, study_event), set())
                assert ledger.insert(participant, study_event, repeat) is (number not in done)
                done.add(number)
            elif step == "insert":
                with pytest.raises(ValueError):
                    ledger.insert(participant, study_event, repeat)
            assert ledger.subject_key(participant) == keys.get(participant)
        for participant in PARTICIPANTS:
            assert ledger.subject_key(participant) == keys.get(participant)
            for study_event in STUDY_EVENTS if participant in keys else []:
                numbers = sorted(inserted.get((participant, study_event), set()))
                expected = [None] if numbers[:1] == [-1] else [str(n) for n in numbers]
                assert ledger.inserted(participant, study_event) == expected
