"""What a transactional ODM file has said so far about each subject, kept on disk.

The transactional writer must know, for every participant, the subject key their screening
gave and which study events (and which repeats of a repeating one) it has already inserted.
That grows with the number of participants, so it lives on disk in a scratch database
(`projections.exports.scratch`): the export's memory stays the same however large the store
is. Each question is a primary-key look-up.

Each subject gets a number in the order they are first named, and their study events are kept
under that number: the subjects whose visits arrive together were mostly screened about the
same time, so their rows sit together on a few pages of the table (random ids would scatter
them over every page once the table outgrows the scratch database's page cache).

In front of the subjects, a bounded memory of the most recent: a participant's events often
come close together (a visit's forms), so many questions are answered without a statement.
What it remembers is never stale: a subject is remembered as it is written or read, and an
allocation's key, which does not replace one given before, is left to the table. Being
bounded, it keeps memory flat.
"""

from __future__ import annotations

from collections import OrderedDict
from uuid import UUID

from projections.exports.scratch import ScratchTables

# The repeat recorded for a study event that does not repeat (repeat keys are never negative).
NOT_REPEATING = -1
# Subjects remembered in front of the table (the oldest are forgotten first).
REMEMBERED = 256

SCHEMA = (
    "CREATE TABLE subject (participant BLOB PRIMARY KEY, subject_key TEXT NOT NULL,"
    " number INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE TABLE inserted (subject INTEGER NOT NULL, study_event INTEGER NOT NULL,"
    " repeat INTEGER NOT NULL, PRIMARY KEY (subject, study_event, repeat)) WITHOUT ROWID",
)


class SubjectLedger(ScratchTables):
    """Subject keys and inserted study events per participant, on disk."""

    def __init__(self, remembered: int = REMEMBERED) -> None:
        super().__init__(SCHEMA)
        self.remembered = remembered
        # Recent subjects (key, number) by the participant id's number (hashed without
        # Python code).
        self.subjects: OrderedDict[int, tuple[str, int]] = OrderedDict()
        self.numbers = 0
        # Study event OIDs by a number of their own (the protocol's few visits).
        self.study_events: dict[str, int] = {}
        self.cursor = self.db.cursor()

    def _remember(self, participant_id: UUID, subject: tuple[str, int]) -> None:
        subjects = self.subjects
        subjects.pop(participant_id.int, None)
        if len(subjects) >= self.remembered:
            subjects.popitem(last=False)
        subjects[participant_id.int] = subject

    def _subject(self, participant_id: UUID) -> tuple[str, int] | None:
        subject = self.subjects.get(participant_id.int)
        if subject is not None:
            return subject
        row = self.cursor.execute(
            "SELECT subject_key, number FROM subject WHERE participant = ?",
            (participant_id.bytes,),
        ).fetchone()
        if row is None:
            return None
        subject = (str(row[0]), int(row[1]))
        self._remember(participant_id, subject)
        return subject

    def _number(self, participant_id: UUID) -> int:
        subject = self._subject(participant_id)
        if subject is None:
            raise ValueError(f"Participant {participant_id} has no subject key yet")
        return subject[1]

    def _study_event(self, oid: str) -> int:
        number = self.study_events.get(oid)
        if number is None:
            number = self.study_events[oid] = len(self.study_events)
        return number

    # ---- subject keys ----------------------------------------------------------------------

    def name(self, participant_id: UUID, subject_key: str) -> None:
        """The participant's subject key, replacing any given before."""
        known = self._subject(participant_id)
        if known is None:
            self.numbers += 1
            subject = (subject_key, self.numbers)
        else:
            subject = (subject_key, known[1])  # their study events stay theirs
        self.cursor.execute(
            "INSERT OR REPLACE INTO subject VALUES (?, ?, ?)", (participant_id.bytes, *subject)
        )
        self._remember(participant_id, subject)

    def name_if_new(self, participant_id: UUID, subject_key: str) -> None:
        """The participant's subject key, unless they already have one."""
        if self._subject(participant_id) is None:
            self.name(participant_id, subject_key)

    def subject_key(self, participant_id: UUID) -> str | None:
        subject = self._subject(participant_id)
        return None if subject is None else subject[0]

    # ---- study events ----------------------------------------------------------------------

    def insert(self, participant_id: UUID, study_event: str, repeat: str | None) -> bool:
        """Record a study event (one repeat of it) as inserted for a named participant; True
        if it was not before."""
        number = NOT_REPEATING if repeat is None else int(repeat)
        if number < 0 and repeat is not None:
            raise ValueError(f"Study event repeat key {repeat!r} is negative")
        cursor = self.cursor.execute(
            "INSERT OR IGNORE INTO inserted VALUES (?, ?, ?)",
            (self._number(participant_id), self._study_event(study_event), number),
        )
        return cursor.rowcount == 1

    def inserted(self, participant_id: UUID, study_event: str) -> list[str | None]:
        """The repeat keys of a study event inserted so far (None for a non-repeating one)."""
        numbers = [
            number
            for (number,) in self.cursor.execute(
                "SELECT repeat FROM inserted WHERE subject = ? AND study_event = ? ORDER BY repeat",
                (self._number(participant_id), self._study_event(study_event)),
            ).fetchall()
        ]
        if numbers and numbers[0] == NOT_REPEATING:
            return [None]
        return [str(number) for number in numbers]
