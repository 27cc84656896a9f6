"""The append-only head log, chained line by line, with a witness of its length.

One JSON line per entry (`edc.audit.anchors` says which kinds there are). Each line carries
`seq`, its line number, and `prev`, the log's running hash over every line before it:

    h_0 = sha256("modic-edc head log v1"),   h_n = sha256(h_{n-1} || bytes of line n)

so a line edited, removed, inserted or moved anywhere but at the end breaks `prev` of the line
after it. The end of the log is covered by a *witness* kept in another directory (the data
directory): the number of lines written and h_n, rewritten after every append. A log shorter
than its witness, or whose first n lines hash to something else, has lost or changed lines at
its end. The witness names the log it describes, so a copy of the data directory with a log of
its own elsewhere is not taken for a truncation.

Processes append under an exclusive `flock` on the log: reading the last line, writing the
next and updating the witness are one step, so the chain never forks. Lines written before
the chain existed (no `prev`) are accepted only before the first chained line, which covers
them all through its `prev`.
"""

from __future__ import annotations

import contextlib
import fcntl
import getpass
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from edc.audit.chain import ChainHead
from edc.private_files import private_directory

LOG_FILE = "heads.log"
WITNESS_FILE = "heads.witness"
GENESIS = hashlib.sha256(b"modic-edc head log v1").digest()
# The last line is read from the end; lines are a few hundred bytes.
TAIL_CHUNK = 4096

Kind = str  # "commit" | "backup" | "published" | "adopted" | "restore-accepted" | "migrated"


@dataclass(frozen=True)
class Entry:
    kind: Kind
    head: ChainHead
    at: str
    line: int
    note: str = ""
    # The first position whose link a chain migration changed (kind "migrated" only).
    resealed_from: int | None = None


def running_hash(previous: bytes, line: bytes) -> bytes:
    return hashlib.sha256(previous + line).digest()


class HeadLog:
    """The head log in `directory`; `witness` is where its length is witnessed (optional)."""

    def __init__(self, directory: Path, witness: Path | None = None) -> None:
        self.directory = directory
        self.path = directory / LOG_FILE
        self.witness = witness

    def append(
        self,
        kind: Kind,
        head: ChainHead,
        note: str = "",
        *,
        sync: bool = True,
        resealed_from: int | None = None,
    ) -> None:
        private_directory(self.directory)
        with self._locked() as fd:
            lines, chained, ends_cleanly = _tail(fd)
            record: dict[str, object] = {
                "at": datetime.now(tz=UTC).isoformat(timespec="milliseconds"),
                "kind": kind,
                "head": str(head),
                "pid": os.getpid(),
                "user": _user(),
                "seq": lines + 1,
                "prev": chained.hex(),
            }
            if note:
                record["note"] = note
            if resealed_from is not None:
                record["resealed_from"] = resealed_from
            line = (json.dumps(record, sort_keys=True) + "\n").encode()
            # A cut-off last line stays a line of its own (and a finding), never glued to this.
            os.write(fd, line if ends_cleanly else b"\n" + line)
            if sync:
                os.fsync(fd)
            self._witness(lines + 1, running_hash(chained, line))

    def entries(self) -> tuple[list[Entry], list[str]]:
        """The entries in order, and a problem for each damaged line and for a broken chain
        (the first break only: every line after it follows from it).

        Read under a shared lock on the log, as other processes append to it: the log and
        its witness are read as one appender left them, never a line ahead of each other."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            problems = self._witness_problems(0, [GENESIS])
            if not problems or not self.path.is_file():
                return [], problems
            return self.entries()  # the first line was being written: read it whole
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            with open(fd, "rb", closefd=False) as file:
                return self._entries(file.read())
        finally:
            os.close(fd)  # releases the lock

    def _entries(self, raw: bytes) -> tuple[list[Entry], list[str]]:
        entries: list[Entry] = []
        problems: list[str] = []
        hashes = [GENESIS]  # hashes[n]: the running hash over the first n lines
        chain_started = broken = False
        lines = raw.splitlines(keepends=True)
        for number, line in enumerate(lines, start=1):
            data = _parse(line)
            if data is None or not line.endswith(b"\n"):
                problems.append(f"line {number} of the head log {self.path} is damaged")
            else:
                entries.append(_entry(data, number))
                if "prev" in data:
                    chain_started = True
                    if not broken and (data["prev"] != hashes[-1].hex() or data["seq"] != number):
                        broken = True
                        problems.append(self._break(number))
                elif chain_started and not broken:
                    broken = True
                    problems.append(
                        f"line {number} of the head log {self.path} has no link to the lines "
                        "before it: it was added or edited by hand"
                    )
            hashes.append(running_hash(hashes[-1], line))
        return entries, problems + self._witness_problems(len(lines), hashes)

    def _break(self, number: int) -> str:
        if number == 1:
            return (
                f"line 1 of the head log {self.path} does not start the log: lines before it "
                "were removed"
            )
        return (
            f"line {number} of the head log {self.path} does not follow from the lines before "
            f"it: a line at or before line {number - 1} was edited, removed or moved, or line "
            f"{number} was"
        )

    def _witness_problems(self, lines: int, hashes: list[bytes]) -> list[str]:
        written = self._read_witness()
        if written is None:
            return []
        count, digest = written
        if lines < count:
            return [
                f"the head log {self.path} has {lines} lines, but {count} were written (its "
                f"witness {self.witness}): lines were removed from its end"
            ]
        if hashes[count].hex() != digest:
            return [
                f"the first {count} lines of the head log {self.path} are not the ones written "
                f"(its witness {self.witness}): a line at or before line {count} was changed"
            ]
        return []

    def _read_witness(self) -> tuple[int, str] | None:
        if self.witness is None or not self.witness.is_file():
            return None
        try:
            data = json.loads(self.witness.read_text())
            if data.get("log") != str(self.path.absolute()):
                return None  # a copy of the data directory: that log is elsewhere
            return int(data["lines"]), str(data["hash"])
        except (ValueError, KeyError, TypeError, OSError):
            return 0, "damaged"

    def _witness(self, lines: int, digest: bytes) -> None:
        if self.witness is None:
            return
        private_directory(self.witness.parent)
        text = json.dumps({"log": str(self.path.absolute()), "lines": lines, "hash": digest.hex()})
        partial = self.witness.with_name(f".{self.witness.name}.{os.getpid()}")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, text.encode() + b"\n")
        finally:
            os.close(fd)
        os.replace(partial, self.witness)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[int]:
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield fd
        finally:
            os.close(fd)  # releases the lock


def _tail(fd: int) -> tuple[int, bytes, bool]:
    """(lines so far, running hash over them, whether the file ends with a newline)."""
    size = os.fstat(fd).st_size
    if size == 0:
        return 0, GENESIS, True
    start = max(0, size - TAIL_CHUNK)
    tail = os.pread(fd, size - start, start)
    ends_cleanly = tail.endswith(b"\n")
    # The chunk holds the whole last line when it starts the file or holds the newline before it.
    if ends_cleanly and (start == 0 or b"\n" in tail[:-1]):
        last = tail[:-1].rsplit(b"\n", 1)[-1] + b"\n"
        data = _parse(last) or {}
        seq = data.get("seq")
        if isinstance(seq, int) and "prev" in data:
            return seq, running_hash(bytes.fromhex(str(data["prev"])), last), True
    # The last line is not chained (written before the chain, or damaged): count from the top.
    everything = os.pread(fd, size, 0)
    lines = everything.splitlines(keepends=True)
    chained = GENESIS
    for line in lines:
        chained = running_hash(chained, line)
    return len(lines), chained, ends_cleanly


def _parse(line: bytes) -> dict[str, object] | None:
    try:
        data = json.loads(line)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    try:
        ChainHead.parse(str(data["head"]))
        str(data["kind"]), str(data["at"])
    except (ValueError, KeyError):
        return None
    if "prev" in data and not (_is_hash(data["prev"]) and isinstance(data.get("seq"), int)):
        return None
    return data


def _is_hash(value: object) -> bool:
    if not isinstance(value, str) or len(value) != 64:
        return False
    try:
        bytes.fromhex(value)
    except ValueError:
        return False
    return True


def _entry(data: dict[str, object], number: int) -> Entry:
    resealed = data.get("resealed_from")
    return Entry(
        str(data["kind"]),
        ChainHead.parse(str(data["head"])),
        str(data["at"]),
        number,
        str(data.get("note", "")),
        resealed if isinstance(resealed, int) else None,
    )


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())
