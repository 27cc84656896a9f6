"""Chain heads anchored outside the store: the head log, which `verify` and `edc serve` check.

The chain proves the store is as it was written *given a head*: someone who deletes the newest
events together with their links, or rewrites the store and recomputes every link, leaves a
chain that agrees with itself. So heads are also written to an append-only log in a directory
of its own (`Settings.anchor_path`, `EDC_ANCHOR_DIR`), one JSON line per entry:

- `commit`: a head the application committed, noted after each write and written at most once
  per `INTERVAL` seconds per process (off the request path: a timer writes the newest one);
- `backup`: the head a backup was made at; `published`: the head stated by an export manifest;
- `adopted`: `edc audit adopt` sealed events the chain did not cover;
- `restore-accepted`: `edc audit accept-restore` recorded that an older backup was restored on
  purpose, so heads logged before it beyond its position are superseded, not a finding;
- `migrated`: `edc audit migrate-chain` resealed the chain under the current rule from a
  position on (`resealed_from`), so older heads from there on are superseded.

The log is chained line by line and its length witnessed in the data directory
(`edc.audit.head_log`): an edited, removed, moved or cut-off line is a finding like a
contradicted anchor.

Every anchor that still applies must be in the chain: the link at its position must be the
anchored one, and the store must reach its position.
"""

from __future__ import annotations

import atexit
import threading
import time
from pathlib import Path

from eventsourcing.application import Application

from edc.audit.chain import Anchor, ChainHead
from edc.audit.head_log import WITNESS_FILE, Entry, HeadLog, Kind
from edc.audit.store import chain_recorder
from edc.config import Settings

INTERVAL = 2.0  # seconds between two commit entries of one process


def anchors_of(log: HeadLog) -> tuple[list[Anchor], list[str]]:
    """The anchors that still apply (see `applying`), and what is wrong with the log."""
    entries, problems = log.entries()
    return [
        Anchor(e.head, f"the head log {log.path} (line {e.line}, {e.kind} at {e.at})")
        for e in applying(entries)
    ], problems


def applying(entries: list[Entry]) -> list[Entry]:
    """The entries the store must still agree with.

    A `restore-accepted` entry supersedes every earlier entry beyond its position: those
    events were given up on purpose. A `migrated` entry supersedes every earlier entry at or
    beyond the first position it resealed: those links were recomputed under the new rule
    after the store was verified against them under the old one. Read from the newest entry
    back, the lowest position so far is the ceiling for everything older.
    """
    ceiling: int | None = None
    kept: list[Entry] = []
    for entry in reversed(entries):
        if ceiling is None or entry.head.position <= ceiling:
            kept.append(entry)
        if entry.kind == "restore-accepted":
            position = entry.head.position
        elif entry.kind == "migrated" and entry.resealed_from is not None:
            # The links from there on were recomputed; older heads there were checked first.
            position = entry.resealed_from - 1
        else:
            continue
        ceiling = position if ceiling is None else min(ceiling, position)
    kept.reverse()
    return kept


def highest(anchors: list[Anchor]) -> Anchor | None:
    return max(anchors, key=lambda a: a.head.position, default=None)


class HeadWriter:
    """Writes the newest committed head to the log, batched: at most one line per interval.

    The first commit after a quiet interval is written at once (a command line tool that
    writes once and exits); later ones within the interval are written by a timer thread
    and at exit, so a burst of saves costs one line.
    """

    def __init__(self, log: HeadLog, interval: float = INTERVAL) -> None:
        self.log = log
        self.interval = interval
        self._lock = threading.Lock()
        self._pending: ChainHead | None = None
        self._written = -1
        self._last_write = float("-inf")
        self._timer: threading.Timer | None = None

    def note(self, position: int, link: bytes) -> None:
        with self._lock:
            if self._pending is None or position > self._pending.position:
                self._pending = ChainHead(position, link.hex())
            wait = self._last_write + self.interval - time.monotonic()
            if wait <= 0:
                self._write_locked()
            elif self._timer is None:
                self._timer = threading.Timer(wait, self.flush)
                self._timer.daemon = True
                self._timer.start()

    def flush(self) -> None:
        with self._lock:
            self._timer = None
            self._write_locked()

    def _write_locked(self) -> None:
        head, self._pending = self._pending, None
        if head is None or head.position <= self._written:
            return
        try:
            self.log.append("commit", head, sync=False)
        except OSError:
            # The commit stands; a later one (or exit) tries again.
            self._pending = head
            return
        self._written, self._last_write = head.position, time.monotonic()


_writers: dict[Path, HeadWriter] = {}  # by the log file
_writers_lock = threading.Lock()


def _flush_all() -> None:
    for writer in list(_writers.values()):
        writer.flush()


atexit.register(_flush_all)


def attach(app: Application, settings: Settings) -> None:
    """Anchor the heads this application commits in the log of `settings`."""
    recorder = app.recorder
    if not hasattr(recorder, "anchor_writer"):
        return  # a store without a chain (in memory)
    log = log_for(settings)
    with _writers_lock:
        writer = _writers.get(log.path)
        if writer is None:
            writer = _writers[log.path] = HeadWriter(log)
    recorder.anchor_writer = writer


def flush(settings: Settings) -> None:
    """Write this process's newest committed head now (before checking the log)."""
    writer = _writers.get(log_for(settings).path)
    if writer is not None:
        writer.flush()


def log_for(settings: Settings) -> HeadLog:
    """The head log of `settings`, witnessed in the data directory (another directory)."""
    return HeadLog(
        settings.anchor_path.absolute(), witness=settings.data_dir.absolute() / WITNESS_FILE
    )


def record(
    settings: Settings,
    kind: Kind,
    head: ChainHead,
    note: str = "",
    *,
    resealed_from: int | None = None,
) -> None:
    log_for(settings).append(kind, head, note, resealed_from=resealed_from)


def record_published(settings: Settings, head: str | None, note: str) -> None:
    """Anchor a head published in a manifest (an export's), so verify checks it by default."""
    if head:
        record(settings, "published", ChainHead.parse(head), note)


def contradiction(app: Application, anchors: list[Anchor]) -> str | None:
    """The first anchor at or below the store's head whose link the chain does not hold.

    One look-up per anchored position: for a restore, not for every start.
    """
    from edc.audit.chain import head

    store = chain_recorder(app)
    current = head(app)
    for anchor in sorted(anchors, key=lambda a: a.head.position):
        position = anchor.head.position
        if position == 0 or position > current.position:
            continue
        link = store.chain_link_at_or_before(position)
        if link is None or link.position != position or link.link.hex() != anchor.head.link:
            return f"the store does not contain the head {anchor.head} recorded in {anchor.origin}"
    return None


def anchors_for(settings: Settings) -> tuple[list[Anchor], list[str]]:
    flush(settings)
    return anchors_of(log_for(settings))


def quick_check(app: Application, settings: Settings) -> str | None:
    """What is wrong with the store at a glance (counts, the newest anchor), else None.

    Not a verify: it reads two counts and one link, so it is cheap on any store. Other
    processes may write meanwhile (a server, a follower, a command): the log is read first,
    so every head it names was committed before the store is read, and the counts are read
    together, so no commit falls between them.
    """
    from edc.audit.chain import head

    anchors, problems = anchors_for(settings)
    store = chain_recorder(app)
    events, links = store.event_and_link_counts()
    current = head(app)
    if events and not links:
        return (
            f"the store holds {events} events but no audit chain (it was removed, or the "
            "store predates it: adopt it explicitly with `edc audit adopt --reason ...`)"
        )
    if links < events:
        return f"the audit chain covers {links} events but the store holds {events}"
    if links > events:
        return (
            f"the audit chain sealed {links} events but the store holds only {events}: "
            "events were deleted"
        )
    older = store.older_format_from()
    if older is not None:
        return (
            "the store was sealed in an older chain format (from position "
            f"{older} its links do not cover the participant locator); that is not a finding "
            "of tampering: migrate it with `edc audit migrate-chain --reason ...`, which "
            "verifies it under the older format first"
        )
    if problems:
        return problems[0]
    newest = highest(anchors)
    if newest is None:
        return None
    if newest.head.position > current.position:
        return (
            f"the store ends at position {current.position}, but {newest.origin} names "
            f"position {newest.head.position}: the newest events were deleted with their links "
            "(after a deliberate restore, record it with `edc audit accept-restore --reason ...`)"
        )
    link = store.chain_link_at_or_before(newest.head.position)
    if link is None or link.position != newest.head.position or link.link.hex() != newest.head.link:
        return (
            f"the chain does not contain the head {newest.head} of {newest.origin}: "
            "the store was rewritten"
        )
    return None
