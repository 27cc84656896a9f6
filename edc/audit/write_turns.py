"""Turns at writing one SQLite store among the processes serving it (`edc serve --processes`).

SQLite lets one connection write at a time. A writer that finds the file locked waits in
SQLite's busy handler, which sleeps and looks again at growing intervals: a commit of the
other process that ends early in such a sleep is noticed late, and under a steady load the
waits add up to long tails. Here a process first takes the store's turn, an exclusive
`flock` on a lock file beside the database: the kernel wakes the next waiting process as soon
as the lock is released, and the waiting thread holds no interpreter lock while it waits.
The turn is held for the whole write transaction, so another process's commit cannot come
between this transaction's reads and its writes.

Processes that do not take turns (an older server) are still kept apart by SQLite's own lock,
as before; the turn only orders the processes that take it. The lock file is a side file of
the live database, like its write-ahead log: backups leave it out.
"""

from __future__ import annotations

import fcntl
import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from edc.private_files import FILE_MODE

SUFFIX = "-writer.lock"


class WriteTurns:
    """An exclusive lock on `<database>-writer.lock`, taken around each write transaction.

    Within a process, writes must already be one at a time (the group commit's leader);
    a thread lock keeps that true for any other caller too, since a `flock` is held per open
    file and so would not keep two threads of one process apart.
    """

    def __init__(self, database: str) -> None:
        self.path = database + SUFFIX
        self._fd: int | None = None
        self._in_process = threading.Lock()

    @contextmanager
    def turn(self) -> Iterator[None]:
        with self._in_process:
            fd = self._open()
            if fd is None:
                # No lock file to be had (a read-only directory): SQLite's own lock keeps the
                # writers apart, and its error, if the write fails, is the one to report.
                yield
                return
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def _open(self) -> int | None:
        if self._fd is None:
            try:
                # Read-only is enough for a flock, and works on a file made read-only.
                self._fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
            except FileNotFoundError:
                try:
                    self._fd = os.open(
                        self.path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, FILE_MODE
                    )
                except OSError:
                    return None
            except OSError:
                return None
            weakref.finalize(self, os.close, self._fd)
        return self._fd


def for_database(database: str) -> WriteTurns | None:
    """Turns for a database file; None for an in-memory database or a URI (read-only, shared
    cache), which no other process writes."""
    if not database or database.startswith("file:") or ":memory:" in database:
        return None
    return WriteTurns(database)
