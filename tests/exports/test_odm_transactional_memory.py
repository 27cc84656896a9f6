"""The transactional ODM writer keeps nothing per participant in Python memory.

It must know each participant's subject key and which study events it already inserted; that
is kept on disk (`projections.exports.odm.ledger`), so the Python memory it holds (tracemalloc)
after ten times as many participants is about the same. A byte count, not a time.
"""

from __future__ import annotations

import tempfile
import tracemalloc
import uuid
from datetime import UTC, datetime
from typing import Any

from eventsourcing.utils import get_topic
from lxml import etree

from domain.participant import Participant
from projections.exports.odm.admin import Directory
from projections.exports.odm.clinical import ClinicalOut
from projections.exports.odm.ledger import SubjectLedger
from projections.exports.odm.transactional import TransactionalClinical
from projections.exports.odm.xml import TextOut

AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ACTOR = {"user": "nurse", "role": "investigator", "site": "glostrup"}
FEW, MANY = 300, 3_000
# Far below what a subject key, a set of visits and a week mask in dicts take.
BYTES_PER_PARTICIPANT = 64


def participant_events(number: int) -> list[Any]:
    participant_id = uuid.uuid4()
    screened = Participant.Screened(
        originator_id=participant_id,
        originator_version=1,
        timestamp=AT,
        originator_topic=get_topic(Participant),
        screening_number=f"S-{number:05d}",
        site="glostrup",
        items={},
        actor=ACTOR,
        mri_eligible=True,
        failed_criteria=[],
    )
    entered = [
        Participant.FormEntered(
            originator_id=participant_id,
            originator_version=version,
            timestamp=AT,
            form=form,
            key=key,
            items={},
            actor=ACTOR,
        )
        for version, (form, key) in enumerate(
            [("baseline", "baseline"), *(("weekly", f"weekly:{week}") for week in (1, 2, 5))],
            start=2,
        )
    ]
    return [screened, *entered]


def test_memory_held_does_not_grow_with_the_number_of_participants() -> None:
    with tempfile.TemporaryFile() as out, SubjectLedger() as ledger:
        text = TextOut(out)
        writer = TransactionalClinical(ClinicalOut(text, Directory()), ledger)
        tracemalloc.start()
        try:
            held = []
            for number in range(MANY):
                for event in participant_events(number):
                    writer.write(event)
                if number + 1 in (FEW, MANY):
                    held.append(tracemalloc.get_traced_memory()[0])
        finally:
            tracemalloc.stop()
        text.flush()
        out.seek(0)
        subjects = etree.fromstring(b"<C>" + out.read() + b"</C>")
    # What the file says is what a reader sees: every subject, each week inserted once.
    inserts = subjects.findall("SubjectData[@TransactionType='Insert']")
    assert len(inserts) == MANY
    weeks = subjects.findall(".//StudyEventData[@StudyEventRepeatKey][@TransactionType='Insert']")
    assert len(weeks) == 3 * MANY
    few, many = held
    per_participant = (many - few) / (MANY - FEW)
    assert per_participant < BYTES_PER_PARTICIPANT, f"{per_participant:.0f} bytes each"
