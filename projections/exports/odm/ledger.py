"""What a transactional ODM file has said so far about each subject, kept on disk.

The transactional writer must know, for every participant, the subject key their screening
gave and which study events (and which repeats of a repeating one) it has already inserted.
That grows with the number of participants, so it lives on disk in a scratch database
(`projections.exports.scratch`): the export's memory stays the same however large the store
is. Each question is a primary-key look-up.

In front of the subject keys, a bounded memory of the most recent: a participant's events often
come close together (a visit's forms), so many questions are answered without a statement.
What it remembers is never stale: a key is remembered as it is written or read, and an
allocation's key, which does not replace one given before, is left to the table. Being
bounded, it keeps memory flat. (Study events are nearly always new when asked about, so that
question always goes to the table.)
"""

from __future__ import annotations

from collections import OrderedDict
from uuid import UUID

from projections.exports.scratch import ScratchTables

# The repeat recorded for a study event that does not repeat (repeat keys are never negative).
NOT_REPEATING = -1
# Subject keys remembered in front of the table (the oldest are forgotten first).
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
        # Recent subject keys by the participant id's number (hashed without Python code).
        self.keys: OrderedDict[int, str] = OrderedDict()
        self.cursor = self.db.cursor()

    def _remember(self, participant_id: UUID, subject_key: str) -> None:
        keys = self.keys
        keys.pop(participant_id.int, None)
        if len(keys) >= self.remembered:
            keys.popitem(last=False)
        keys[participant_id.int] = subject_key

    # ---- subject keys ----------------------------------------------------------------------

    def name(self, participant_id: UUID, subject_key: str) -> None:
        """The participant's subject key, replacing any given before."""
        self.cursor.execute(
            "INSERT OR REPLACE INTO subject VALUES (?, ?)", (participant_id.bytes, subject_key)
        )
        self._remember(participant_id, subject_key)

    def name_if_new(self, participant_id: UUID, subject_key: str) -> None:
        """The participant's subject key, unless they already have one."""
        if participant_id.int in self.keys:
            return
        # Whether the key was new is not known without a read: the table answers next time.
        self.cursor.execute(
            "INSERT OR IGNORE INTO subject VALUES (?, ?)", (participant_id.bytes, subject_key)
        )

    def subject_key(self, participant_id: UUID) -> str | None:
        key = self.keys.get(participant_id.int)
        if key is not None:
            return key
        row = self.cursor.execute(
            "SELECT subject_key FROM subject WHERE participant = ?", (participant_id.bytes,)
        ).fetchone()
        if row is None:
            return None
        key = str(row[0])
        self._remember(participant_id, key)
        return key

    # ---- study events ----------------------------------------------------------------------

    def insert(self, participant_id: UUID, study_event: str, repeat: str | None) -> bool:
        """Record a study event (one repeat of it) as inserted; True if it was not before."""
        number = NOT_REPEATING if repeat is None else int(repeat)
        if number < 0 and repeat is not None:
            raise ValueError(f"Study event repeat key {repeat!r} is negative")
        cursor = self.cursor.execute(
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
