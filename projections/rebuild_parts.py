"""Rebuilding a read model in parts, one process each, when the machine has the cores.

A rebuild decodes and applies every event in Python, so one process keeps one core busy
while the others wait. The blinded model can be split: each of its rows is one participant's
(their row, sheets, visits, signatures, verifications) or one event's (its audit index rows),
and its projector's handlers read and write only the rows of the participant whose aggregate
the event is (`Projector.splits_by_participant`). So the events are dealt out by participant,
in ranges of the originator's id as stored (the few events of other aggregates, which have
audit rows only, by position), and each part is applied by the same runner code, in a
process of its own, into a scratch SQLite file with the same tables.

The rebuilding process reads the store itself and hands each part its events as stored: a
process started by `fork` must not open a SQLite file its parent has open (SQLite's locks
are kept per process and the child would share its parent's view of them), so the parts
touch no file but their own. Once every part is built, their rows are copied into the
emptied read model in one transaction that also moves its position to the head the parts
were read to, after the usual check that the position is still the one the rebuild emptied.
Readers see the empty model or the whole one. A part that fails, or another runner that
moved on meanwhile, leaves the model as the rebuild emptied it (nothing is copied), and the
rebuild goes on one page at a time in its own process.
"""

from __future__ import annotations

import contextlib
import logging
import marshal
import multiprocessing
import os
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import resolve_topic

from domain.participant import Participant
from projections.db import Dialect, ViewDatabase
from projections.pages import StoredRow, page_reader, stored_uuids, with_uuids
from projections.schema import merge_statements
from projections.spec import ViewSpec
from projections.tracking import (
    Tracking,
    TrackingConflict,
    advance,
    ensure_tracking_table,
    read_tracking,
)


class _Projector(Protocol):
    @property
    def splits_by_participant(self) -> bool: ...


class _Source(Protocol):
    @property
    def recorder(self) -> ApplicationRecorder: ...


class Part(Protocol):
    def fill(self, pages: Iterable[list[StoredRow]]) -> int: ...


class Rebuilding(Protocol):
    """What a rebuild in parts needs of the rebuilding runner (a `ProjectionRunner`)."""

    db: ViewDatabase
    view: ViewSpec
    page_size: int

    @property
    def name(self) -> str: ...

    @property
    def source(self) -> _Source: ...

    @property
    def projector(self) -> _Projector: ...

    def part(self, db: ViewDatabase) -> Part:
        """A runner of the same view that fills `db`, for one part."""
        ...


log = logging.getLogger(__name__)

# Below this many events, starting processes and copying their rows costs more than it saves.
PARTS_FROM_EVENTS = 50_000
# Parts split the first hexadecimal digit of a participant's id: at most sixteen.
_MOST_PARTS = 16
# A part says it is ready once it has opened its file and written to it. `fork` copies only
# the thread that forks: a lock SQLite held in another thread at that moment stays held in
# the part for ever, and the part hangs at its first use of SQLite. A part not ready in this
# time is given up, and the rebuild is made in one process. (The rebuild itself uses SQLite
# in no other thread while it forks: `Projections.rebuild` rebuilds the other read models
# only once the parts have started.)
_READY_S = 30.0
_READY = "ready"


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_split(runner: Rebuilding) -> bool:
    """Whether `runner`'s rebuild can be made in parts: a projector that splits by
    participant, read models in a SQLite file, an event store in SQLite, `fork`."""
    db = runner.db
    return (
        runner.projector.splits_by_participant
        and bool(runner.view.topics)
        and db.dialect is Dialect.SQLITE
        and not db.scratch
        and isinstance(runner.source.recorder, SQLiteApplicationRecorder)
        and "fork" in multiprocessing.get_all_start_methods()
    )


def rebuild_in_parts(
    runner: Rebuilding,
    emptied: Tracking,
    head: int,
    parts: int,
    forked: Callable[[], None] | None = None,
) -> int | None:
    """Fill the read model, emptied as `emptied`, with the events up to `head`, built in
    `parts` processes: the number of events applied, or None if nothing was written.

    `forked` is called once the parts' processes are started: from then on this process may
    use SQLite in other threads again (see `_READY_S`)."""
    parts = max(2, min(parts, _MOST_PARTS))
    path = runner.db.path
    assert path is not None  # `can_split`
    scratch = _scratch_files(path, parts)
    context = multiprocessing.get_context("fork")
    channels: list[Connection] = []
    workers: list[Any] = []
    try:
        for file in scratch:
            ours, theirs = context.Pipe()
            worker = context.Process(
                target=_build_part,
                args=(runner, theirs, file, [*channels, ours]),
                name=f"{runner.name}-rebuild-part",
                daemon=True,
            )
            worker.start()
            theirs.close()
            channels.append(ours)
            workers.append(worker)
        if forked is not None:
            forked()
        if not all(_ready(channel) for channel in channels):
            log.warning("%s: a part of the rebuild did not start; rebuilding in one", runner.name)
            return None
        if not _deal(runner, head, channels):
            return None
        applied = 0
        for channel, worker in zip(channels, workers, strict=True):
            outcome = _outcome(channel)
            worker.join()
            if not isinstance(outcome, int):
                log.warning(
                    "%s: a part of the rebuild failed (%s); rebuilding in one", runner.name, outcome
                )
                return None
            applied += outcome
        if not _merge(runner, emptied, head, scratch):
            return None
        log.info("%s: %d events rebuilt in %d parts", runner.name, applied, parts)
        return applied
    finally:
        for channel in channels:
            channel.close()
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
            worker.join()
        for file in scratch:
            file.unlink(missing_ok=True)


# A part's scratch file: the read models' file name, this mark, the rebuilding process's id
# and the part's number.
_SCRATCH_MARK = ".part-"


def is_scratch_file(path: Path) -> bool:
    """Whether `path` is a part's scratch file: a rebuild's throwaway, never trial data to
    keep (a backup leaves it out)."""
    head, mark, tail = path.name.rpartition(_SCRATCH_MARK)
    owner, dash, number = tail.partition("-")
    return bool(head and mark and dash) and owner.isdigit() and number.isdigit()


def _scratch_owner(path: Path) -> int:
    return int(path.name.rpartition(_SCRATCH_MARK)[2].partition("-")[0])


def _scratch_files(path: Path, parts: int) -> list[Path]:
    """Private files beside the read models' for this process's parts; those a process that
    is gone left behind (killed while rebuilding) are removed first."""
    for stale in path.parent.glob(f"{path.name}{_SCRATCH_MARK}*"):
        if is_scratch_file(stale) and not _alive(_scratch_owner(stale)):
            stale.unlink(missing_ok=True)
    files = [path.parent / f"{path.name}{_SCRATCH_MARK}{os.getpid()}-{k}" for k in range(parts)]
    for file in files:
        file.unlink(missing_ok=True)
        os.close(os.open(file, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    return files


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _Dealer:
    """Which part an event goes to: a participant's events by the range their id falls in,
    other aggregates' events by position."""

    def __init__(self, topics: tuple[str, ...], parts: int) -> None:
        self.parts = parts
        self.of_participants = frozenset(
            topic for topic in topics if issubclass(resolve_topic(topic), Participant.Event)
        )
        self.bounds = [format(k * 16 // parts, "x") for k in range(1, parts)]

    def deal(self, rows: list[StoredRow]) -> list[list[StoredRow]]:
        hands: list[list[StoredRow]] = [[] for _ in range(self.parts)]
        of_participants, bounds, parts = self.of_participants, self.bounds, self.parts
        for row in rows:
            if row[3] in of_participants:
                hands[bisect_right(bounds, str(row[1]))].append(row)
            else:
                hands[row[0] % parts].append(row)
        return hands


def _deal(runner: Rebuilding, head: int, channels: list[Connection]) -> bool:
    """Read the store up to `head` a page at a time and send each part its events; False if
    a part stopped taking them (it failed)."""
    read = page_reader(runner.source.recorder, stored_ids=True)
    dealer = _Dealer(runner.view.topics, len(channels))
    # Each part is sent about a page: a participant's row is then written as often as in a
    # rebuild made in one.
    size = runner.page_size * len(channels)
    after = 0
    try:
        while after < head:
            rows = read(after, head, size, runner.view.topics)
            for channel, hand in zip(channels, dealer.deal(rows), strict=True):
                if hand:
                    channel.send_bytes(_packed(hand))
            after = rows[-1][0] if len(rows) == size else head
        for channel in channels:
            channel.send_bytes(_packed(None))
    except (BrokenPipeError, ConnectionResetError):
        log.warning("%s: a part of the rebuild stopped; rebuilding in one", runner.name)
        return False
    return True


def _packed(rows: list[StoredRow] | None) -> bytes:
    """A page as sent to a part: plain tuples of numbers, text and bytes, which `marshal`
    writes and reads faster than pickle. Its format may change between Python versions; the
    part is a fork of this very interpreter."""
    return marshal.dumps(rows)


def _ready(channel: Connection) -> bool:
    try:
        return channel.poll(_READY_S) and channel.recv() == _READY
    except (EOFError, OSError):
        return False


def _outcome(channel: Connection) -> int | str:
    try:
        outcome: int | str = channel.recv()
    except EOFError:
        return "the process ended without a word"
    return outcome


def _build_part(
    runner: Rebuilding, channel: Connection, file: Path, inherited: list[Connection]
) -> None:
    """In the part's process: apply the events sent into `file`, then say how many (or why
    not).

    `inherited`: the rebuilding process's ends of the parts' channels, which `fork` copied
    here. Closed at once, so that when the rebuilding process dies the part reads the end of
    its channel and stops, instead of waiting for pages forever."""
    for end in inherited:
        end.close()
    try:
        db = ViewDatabase.scratch_sqlite(file)
        try:
            ensure_tracking_table(db)  # SQLite's first work here: see `_READY_S`
            channel.send(_READY)
            part = runner.part(db)
            recorder = runner.source.recorder
            assert isinstance(recorder, SQLiteApplicationRecorder)  # `can_split`
            applied = part.fill(_pages(channel, stored_uuids(recorder)))
        finally:
            db.close()
        channel.send(applied)
    except BaseException as error:  # told to the rebuilding process, which goes on in one
        with contextlib.suppress(OSError):  # the rebuilding process is gone
            channel.send(f"{type(error).__name__}: {error}")
        raise SystemExit(1) from None


def _pages(channel: Connection, uuids: bool) -> Iterator[list[StoredRow]]:
    while (rows := marshal.loads(channel.recv_bytes())) is not None:
        yield with_uuids(rows) if uuids else rows


def _merge(runner: Rebuilding, emptied: Tracking, head: int, files: list[Path]) -> bool:
    """Copy the parts' rows into the read model and move it to `head`, in one transaction;
    False, writing nothing, if the model no longer holds `emptied`."""
    attached = {f"part{k}": file for k, file in enumerate(files)}
    try:
        with runner.db.transaction(attached) as cur:
            if read_tracking(cur, runner.name, for_update=True) != emptied:
                raise TrackingConflict(f"{runner.name}: moved on while it was built in parts")
            for statement in merge_statements(runner.view, list(attached)):
                cur.execute(statement)
            advance(cur, emptied, head)
    except TrackingConflict:
        return False
    return True
