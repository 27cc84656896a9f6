"""What a transactional ODM file has said so far about each subject, kept on disk.

The transactional writer must know, for every participant, the subject key their screening
gave and which study events (and which repeats of a repeating one) it has already inserted.
That grows with the number of participants, so it lives on disk in a scratch database
(`projections.exports.scratch`): the export's memory stays the same however large the store
is. Each question is a primary-key look-up.
"""

from __future__ import annotations

from uuid import UUID

from projections.exports.scratch import ScratchTables

# The repeat recorded for a study event that does not repeat (repeat keys are never negative).
NOT_REPEATING = -1

SCHEMA = (
    "CREATE TABLE subject (participant BLOB PRIMARY KEY, subject_key TEXT NOT NULL) WITHOUT ROWID",
    "CREATE TABLE inserted (participant BLOB NOT NULL, study_event TEXT NOT NULL,"
    " repeat INTEGER NOT NULL, PRIMARY KEY (participant, study_event, repeat)) WITHOUT ROWID",
)


class SubjectLedger(ScratchTables):
    """Subject keys and inserted study events per participant, on disk."""

    def __init__(self) -> None:
        super().__init__(SCHEMA)

    # ---- subject keys ----------------------------------------------------------------------

    def name(self, participant_id: UUID, subject_key: str) -> None:
        """The participant's subject key, replacing any given before."""
        self.db.execute(
            "INSERT OR REPLACE INTO subject VALUES (?, ?)", (participant_id.bytes, subject_key)
        )

    def name_if_new(self, participant_id: UUID, subject_key: str) -> None:
        """The participant's subject key, unless they already have one."""
        self.db.execute(
            "INSERT OR IGNORE INTO subject VALUES (?, ?)", (participant_id.bytes, subject_key)
        )

    def subject_key(self, participant_id: UUID) -> str | None:
        row = self.db.execute(
            "SELECT subject_key FROM subject WHERE participant = ?", (participant_id.bytes,)
        ).fetchone()
        return None if row is None else str(row[0])

    # ---- study events ----------------------------------------------------------------------

    def insert(self, participant_id: UUID, study_event: str, repeat: str | None) -> bool:
        """Record a study event (one repeat of it) as inserted; True if it was not before."""
        number = NOT_REPEATING if repeat is None else int(repeat)
        if number < 0 and repeat is not None:
            raise ValueError(f"Study event repeat key {repeat!r} is negative")
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO inserted VALUES (?, ?, ?)",
            (participant_id.bytes, study_event, number),
        )
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
