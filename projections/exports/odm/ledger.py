"""What a transactional ODM file has said so far about each subject, kept on disk.

The transactional writer must know, for every participant, the subject key their screening
gave and which study events (and which repeats of a repeating one) it has already inserted.
That grows with the number of participants, so it lives on disk in a scratch database
(`projections.exports.scratch`): the export's memory stays the same however large the store
is. Each question is a primary-key look-up.

In front of the tables, a bounded memory of the most recent answers: a participant's events
come close together (a visit's forms, a week's report), so most questions are answered
without a statement. What it remembers is never stale: a subject key is remembered as it is
written (and forgotten when a write might not take), and a study event once inserted stays
inserted. Being bounded, it keeps memory flat.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from projections.exports.scratch import ScratchTables

# The repeat recorded for a study event that does not repeat (repeat keys are never negative).
NOT_REPEATING = -1
# Answers remembered in front of each table (the oldest are forgotten first).
REMEMBERED = 256

SCHEMA = (
    "CREATE TABLE subject (participant BLOB PRIMARY KEY, subject_key TEXT NOT NULL) WITHOUT ROWID",
    "CREATE TABLE inserted (participant BLOB NOT NULL, study_event TEXT NOT NULL,"
    " repeat INTEGER NOT NULL, PRIMARY KEY (participant, study_event, repeat)) WITHOUT ROWID",
)


class SubjectLedger(ScratchTables):
    """Subject keys and inserted study events per participant, on disk."""

    def __init__(self, remembered: int = REMEMBERED) -> None:
        super().__init__(SCHEMA)
        self.remembered = remembered
        self.keys: dict[UUID, str] = {}
        self.known_inserted: dict[tuple[UUID, str, int], None] = {}

    def _remember(self, memory: dict[Any, Any], key: Any, value: Any) -> None:
        if len(memory) >= self.remembered:
            del memory[next(iter(memory))]
        memory[key] = value

    # ---- subject keys ----------------------------------------------------------------------

    def name(self, participant_id: UUID, subject_key: str) -> None:
        """The participant's subject key, replacing any given before."""
        self.db.execute(
            "INSERT OR REPLACE INTO subject VALUES (?, ?)", (participant_id.bytes, subject_key)
        )
        self.keys.pop(participant_id, None)
        self._remember(self.keys, participant_id, subject_key)

    def name_if_new(self, participant_id: UUID, subject_key: str) -> None:
        """The participant's subject key, unless they already have one."""
        if participant_id in self.keys:
            return
        # Whether the key was new is not known without a read: the table answers next time.
        self.db.execute(
            "INSERT OR IGNORE INTO subject VALUES (?, ?)", (participant_id.bytes, subject_key)
        )

    def subject_key(self, participant_id: UUID) -> str | None:
        key = self.keys.get(participant_id)
        if key is not None:
            return key
        row = self.db.execute(
            "SELECT subject_key FROM subject WHERE participant = ?", (participant_id.bytes,)
        ).fetchone()
        if row is None:
            return None
        key = str(row[0])
        self._remember(self.keys, participant_id, key)
        return key

    # ---- study events ----------------------------------------------------------------------

    def insert(self, participant_id: UUID, study_event: str, repeat: str | None) -> bool:
        """Record a study event (one repeat of it) as inserted; True if it was not before."""
        number = NOT_REPEATING if repeat is None else int(repeat)
        if number < 0 and repeat is not None:
            raise ValueError(f"Study event repeat key {repeat!r} is negative")
        known = (participant_id, study_event, number)
        if known in self.known_inserted:
            return False
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO inserted VALUES (?, ?, ?)",
            (participant_id.bytes, study_event, number),
        )
        self._remember(self.known_inserted, known, None)
        return cursor.rowcount == 1

    def inserted(self, participant_id: UUID, study_event: str) -> list[str | None]:
        """The repeat keys of a study event inserted so far (None for a non-repeating one)."""
        numbers = [
            number
            for (number,) in self.db.execute(
                "SELECT repeat FROM inserted WHERE participant = ? AND study_event = ?"
                " ORDER BY repeat",
                (participant_id.bytes, study_event),
            )
        ]
        if numbers and numbers[0] == NOT_REPEATING:
            return [None]
        return [str(number) for number in numbers]
