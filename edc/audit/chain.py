"""Tamper evidence: a hash chain over the stored event sequence, and its verification.

Every write is sealed in its own transaction (see `sqlite_chain`/`postgres_chain`): each stored
event gets a link `sha256(previous link || position || digest of the stored bytes)`. `verify`
recomputes the chain from the stored events, page by page, and names the first position where
the store and the chain disagree:

- *altered*: the event at a position is the one sealed there, but its bytes changed (or the
  stored link itself was edited);
- *deleted*: a sealed position has no event any more;
- *inserted*: an event that was never sealed (every genuine write is sealed atomically);
- *reordered*: the event at a position was sealed at a different position.

The chain proves the store is as it was written *given the head*: someone able to rewrite both
tables can recompute every link, so heads are published in exports and snapshot manifests
(`head_at`) and can be checked later (`verify(..., expect=...)`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from eventsourcing.application import Application
from eventsourcing.persistence import Notification

from edc.audit.links import GENESIS, Link, event_digest, next_link
from edc.audit.store import ChainRecorder, chain_recorder

Problem = Literal["altered", "deleted", "inserted", "reordered"]
Progress = Callable[[int, int], None]
DEFAULT_PAGE_SIZE = 1000


@dataclass(frozen=True)
class ChainHead:
    """The last sealed position and its link (hex); position 0 is the empty chain."""

    position: int
    link: str

    def __str__(self) -> str:
        return f"{self.position}:{self.link}"

    @classmethod
    def parse(cls, text: str) -> ChainHead:
        """Read `POSITION:LINK` as printed by `edc audit verify`."""
        position, sep, link = text.strip().partition(":")
        if not sep or not position.isdigit() or len(link) != 64:
            raise ValueError(f"{text!r} is not a chain head (expected POSITION:64-hex-digits)")
        try:
            bytes.fromhex(link)
        except ValueError:
            raise ValueError(f"{text!r} is not a chain head (the link is not hex)") from None
        return cls(int(position), link.lower())


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    events_checked: int
    head: ChainHead
    first_bad_position: int | None = None
    problem: Problem | None = None
    originator_id: str | None = None
    originator_version: int | None = None
    message: str = ""


def seal(app: Application) -> ChainHead:
    """Seal any events stored after the last link, and return the head.

    Writes through the application are sealed as they commit, so this only has work after
    events were written without the chain (an older store, or another program): it seals
    them as they are, so run `verify` first when in doubt.
    """
    return _head(chain_recorder(app).seal_unsealed())


def head(app: Application) -> ChainHead:
    return _head(chain_recorder(app).chain_head())


def head_at(app: Application, position: int) -> str:
    """The chain head as of a notification position: the link of the last event at or before it."""
    link = chain_recorder(app).chain_link_at_or_before(position)
    return (link.link if link else GENESIS).hex()


@dataclass
class _Walk:
    previous: bytes = GENESIS
    position: int = 0
    checked: int = 0
    total: int = 0
    bad: VerifyResult | None = field(default=None)


def verify(
    app: Application,
    page_size: int = DEFAULT_PAGE_SIZE,
    progress: Progress | None = None,
    expect: ChainHead | None = None,
) -> VerifyResult:
    """Recompute the chain from the stored events and compare it with the stored links.

    Reads both in pages of `page_size` (memory stays flat), calls `progress(checked, total)`
    after each page, and follows writers that commit while it runs. With `expect`, also
    checks that the chain still contains that head (one published earlier).
    """
    store = chain_recorder(app)
    walk = _Walk()
    while True:
        # Everything at or below the current last link was committed with it, so this
        # segment can be read in pages without racing concurrent writers.
        last = store.chain_head()
        stop = last.position if last else 0
        if stop > walk.position:
            walk.total = walk.checked + store.chain_count(stop) - store.chain_count(walk.position)
            _walk_segment(app, store, walk, stop, page_size, progress)
            if walk.bad:
                return walk.bad
            continue
        # Nothing sealed after this point, so any stored event here was never sealed.
        tail = app.recorder.select_notifications(start=walk.position + 1, limit=1)
        if not tail:
            break
        latest = store.chain_head()
        if latest and latest.position >= tail[0].id:
            continue  # a writer committed (and sealed) it after we looked
        return _bad(
            walk,
            tail[0].id,
            "inserted",
            tail[0],
            f"{_describe(tail[0])} at position {tail[0].id} was never sealed: "
            "it was added behind the application's back.",
        )
    final = ChainHead(walk.position, walk.previous.hex())
    if expect is not None:
        mismatch = _check_expected(store, expect)
        if mismatch:
            return VerifyResult(
                False, walk.checked, final, expect.position, "altered", message=mismatch
            )
    return VerifyResult(
        True, walk.checked, final, message=f"{walk.checked} events verified; chain head {final}."
    )


def _walk_segment(
    app: Application,
    store: ChainRecorder,
    walk: _Walk,
    stop: int,
    page_size: int,
    progress: Progress | None,
) -> None:
    events = _events(app, walk.position, stop, page_size)
    links = _links(store, walk.position, stop, page_size)
    event, link = next(events, None), next(links, None)
    while event is not None or link is not None:
        if link is not None and (event is None or link.position < event.id):
            walk.bad = _bad(
                walk,
                link.position,
                "deleted",
                link,
                f"{_describe(link)} sealed at position {link.position} is missing "
                "from the event store: it was deleted.",
            )
            return
        assert event is not None
        if link is None or event.id < link.position:
            walk.bad = _bad(
                walk,
                event.id,
                "inserted",
                event,
                f"{_describe(event)} at position {event.id} was never sealed: "
                "it was added behind the application's back.",
            )
            return
        walk.bad = _compare(store, walk, event, link)
        if walk.bad:
            return
        walk.previous, walk.position = link.link, link.position
        walk.checked += 1
        if progress and walk.checked % page_size == 0:
            progress(walk.checked, walk.total)
        event, link = next(events, None), next(links, None)
    walk.position = stop
    if progress:
        progress(walk.checked, walk.total)


def _compare(
    store: ChainRecorder, walk: _Walk, event: Notification, link: Link
) -> VerifyResult | None:
    position = event.id
    if (event.originator_id, event.originator_version) != (
        link.originator_id,
        link.originator_version,
    ):
        return _misplaced(store, walk, event, link)
    digest = event_digest(event.originator_id, event.originator_version, event.topic, event.state)
    if digest != link.digest:
        return _bad(
            walk,
            position,
            "altered",
            event,
            f"The stored bytes of {_describe(event)} at position {position} changed "
            "after it was sealed: the event was altered.",
        )
    if next_link(walk.previous, position, digest) != link.link:
        return _bad(
            walk,
            position,
            "altered",
            event,
            f"The chain link stored for {_describe(event)} at position {position} does "
            "not follow from the link before it: the audit chain itself was altered.",
        )
    return None


def _misplaced(store: ChainRecorder, walk: _Walk, event: Notification, link: Link) -> VerifyResult:
    """A position holds another event than the one sealed there: say how that came about."""
    position = event.id
    sealed_at = store.chain_link_of(event.originator_id, event.originator_version)
    stored_at = store.event_position(link.originator_id, link.originator_version)
    if sealed_at is not None and stored_at is not None:
        return _bad(
            walk,
            position,
            "reordered",
            event,
            f"Position {position} holds {_describe(event)}, which was sealed at "
            f"position {sealed_at.position}, while {_describe(link)} sealed here is "
            f"stored at position {stored_at}: stored events were reordered.",
        )
    if sealed_at is not None:
        # The sealed event is gone and later events were moved down to close the gap.
        return _bad(
            walk,
            position,
            "deleted",
            link,
            f"{_describe(link)} sealed at position {position} is missing from the "
            "event store (later events were renumbered): it was deleted.",
        )
    if stored_at is not None:
        # An unsealed event was slipped in and later events were moved up to make room.
        return _bad(
            walk,
            position,
            "inserted",
            event,
            f"{_describe(event)} at position {position} was never sealed (the event "
            f"sealed here now stands at position {stored_at}): it was inserted behind "
            "the application's back.",
        )
    return _bad(
        walk,
        position,
        "altered",
        event,
        f"Position {position} holds {_describe(event)}, but the chain sealed "
        f"{_describe(link)} there: the stored event was altered.",
    )


def _check_expected(store: ChainRecorder, expect: ChainHead) -> str | None:
    link = store.chain_link_at_or_before(expect.position) if expect.position else None
    found = (link.link if link else GENESIS).hex()
    if link is not None and link.position != expect.position:
        return (
            f"The expected head names position {expect.position}, which the chain does not "
            "contain: the store was rewritten since that head was published."
        )
    if found != expect.link:
        return (
            f"The chain's link at position {expect.position} is {found}, not the expected "
            f"{expect.link}: the store was rewritten since that head was published."
        )
    return None


def _events(app: Application, after: int, stop: int, page_size: int) -> Iterator[Notification]:
    while True:
        page = app.recorder.select_notifications(start=after + 1, limit=page_size, stop=stop)
        yield from page
        if len(page) < page_size:
            return
        after = page[-1].id


def _links(store: ChainRecorder, after: int, stop: int, page_size: int) -> Iterator[Link]:
    while True:
        page = store.chain_links(after, stop, page_size)
        yield from page
        if len(page) < page_size:
            return
        after = page[-1].position


def _describe(row: Notification | Link) -> str:
    if isinstance(row, Notification):
        kind = row.topic.rpartition(":")[2] or row.topic
        return f"{kind} of aggregate {row.originator_id} version {row.originator_version}"
    return f"aggregate {row.originator_id} version {row.originator_version}"


def _bad(
    walk: _Walk, position: int, problem: Problem, row: Notification | Link, message: str
) -> VerifyResult:
    return VerifyResult(
        ok=False,
        events_checked=walk.checked,
        head=ChainHead(walk.position, walk.previous.hex()),
        first_bad_position=position,
        problem=problem,
        originator_id=str(row.originator_id),
        originator_version=row.originator_version,
        message=message,
    )


def _head(link: Link | None) -> ChainHead:
    return ChainHead(link.position, link.link.hex()) if link else ChainHead(0, GENESIS.hex())
