"""The transactional ODM export's ledger with its bounded memory of subject keys, attacked by
any order of namings, allocations and look-ups over more participants than it remembers: every
subject key it gives is the one a plain record of the rules gives (a screening names or renames,
an allocation names only a subject without a key), so no SubjectData of the export carries
another subject's key or a key replaced since."""

from __future__ import annotations

from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from projections.exports.odm.ledger import SubjectLedger

# Participants whose ids differ only in their top bits, then in their low bits: a memory keyed
# by a part of the id would mix them up.
PARTICIPANTS = [UUID(int=n << 96 | 1) for n in range(3)] + [UUID(int=n) for n in range(1, 5)]

steps = st.lists(
    st.tuples(
        st.sampled_from(["name", "name_if_new", "ask"]),
        st.sampled_from(PARTICIPANTS),
        st.sampled_from(["S-1", "S-2", "A-1", ""]),
    ),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(steps=steps, remembered=st.integers(min_value=1, max_value=4))
def test_every_subject_key_is_the_one_the_rules_give(
    steps: list[tuple[str, UUID, str]], remembered: int
) -> None:
    expected: dict[UUID, str] = {}
    with SubjectLedger(remembered=remembered) as ledger:
        for step, participant, key in steps:
            if step == "name":
                ledger.name(participant, key)
                expected[participant] = key
            elif step == "name_if_new":
                ledger.name_if_new(participant, key)
                expected.setdefault(participant, key)
            assert ledger.subject_key(participant) == expected.get(participant)
        for participant in PARTICIPANTS:
            assert ledger.subject_key(participant) == expected.get(participant)
