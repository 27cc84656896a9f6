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

- *unsealed*: the store holds events but the chain is missing (dropped, or never made);
- *rewritten*: the chain no longer holds a head anchored outside the store (`anchors`) or
  given with `expect`: the store was rewritten and the links recomputed;
- *truncated*: the store ends before an anchored head: the newest events were deleted
  together with their links;
- *older-format*: every link verifies, but by the rule of an earlier version, which did not
  cover the participant locator (`edc.audit.links.legacy_link`): not tampering, but not yet
  tamper-evident for the locators; `edc audit migrate-chain` reseals it. A chain is sealed by
  one rule up to its migration, so a link of the older rule after one of the current rule (or
  the other way round) is a locator given to an event sealed without one: *altered*.

The chain proves the store is as it was written *given the head*: someone able to rewrite both
tables can recompute every link, so heads are anchored outside the store (`edc.audit.anchors`),
published in exports and snapshot manifests (`head_at`), and checked here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeVar

from eventsourcing.application import Application

from domain.wording import Message
from edc.audit.links import (
    GENESIS,
    Link,
    LinkRow,
    StoredRow,
    digest_of,
    legacy_link,
    next_link,
    older_format_message,
)
from edc.audit.store import ChainRecorder, chain_recorder

Problem = Literal[
    "altered",
    "deleted",
    "inserted",
    "reordered",
    "unsealed",
    "rewritten",
    "truncated",
    "older-format",
]
# Which rule the located links seen so far follow (None until the first located link).
Format = Literal["older", "current"] | None
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
class Anchor:
    """A head recorded outside the store, and where it was found (for the message)."""

    head: ChainHead
    origin: str


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    events_checked: int
    head: ChainHead  # when not ok: the last head known good (never one found rewritten)
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
    store: ChainRecorder
    previous: bytes = GENESIS
    position: int = 0
    checked: int = 0
    total: int = 0
    bad: VerifyResult | None = field(default=None)
    # Anchors by position, still to be met by the walk; the highest one met so far.
    anchored: dict[int, list[Anchor]] = field(default_factory=dict)
    good: ChainHead = field(default_factory=lambda: ChainHead(0, GENESIS.hex()))
    format: Format = None
    # The first link of the older format, when the chain has such links, and the head before.
    older_first: int = 0
    before_older: ChainHead | None = None


def verify(
    app: Application,
    page_size: int = DEFAULT_PAGE_SIZE,
    progress: Progress | None = None,
    expect: ChainHead | None = None,
    anchors: Sequence[Anchor] = (),
) -> VerifyResult:
    """Recompute the chain from the stored events and compare it with the stored links.

    Reads both in pages of `page_size` (memory stays flat), calls `progress(checked, total)`
    after each page, and follows writers that commit while it runs. Checks that the chain
    still contains every head in `anchors` and `expect` (ones recorded or published earlier).
    """
    store = chain_recorder(app)
    walk = _Walk(store)
    for anchor in [*anchors, *([Anchor(expect, "the expected head")] if expect else [])]:
        walk.anchored.setdefault(anchor.head.position, []).append(anchor)
    missing = _missing_chain(walk)
    if missing:
        return missing
    while True:
        # Everything at or below the current last link was committed with it, so this
        # segment can be read in pages without racing concurrent writers.
        last = store.chain_head()
        stop = last.position if last else 0
        if stop > walk.position:
            walk.total = walk.checked + store.chain_count(stop) - store.chain_count(walk.position)
            _walk_segment(walk, stop, page_size, progress)
            if walk.bad:
                return walk.bad
            continue
        # Nothing sealed after this point, so any stored event here was never sealed.
        tail = store.stored_rows(walk.position, _END, 1)
        if not tail:
            break
        latest = store.chain_head()
        if latest and latest.position >= tail[0][0]:
            continue  # a writer committed (and sealed) it after we looked
        return _inserted(walk, tail[0])
    final = ChainHead(walk.position, walk.previous.hex())
    unmet = _unmet_anchor(walk, final)
    if unmet:
        return unmet
    if walk.format == "older" and walk.before_older is not None:
        return VerifyResult(
            ok=False,
            events_checked=walk.checked,
            head=final,
            first_bad_position=walk.older_first,
            problem="older-format",
            message=Message(
                "%(problem)s (chain head %(head)s)",
                problem=older_format_message(walk.older_first),
                head=str(final),
            ),
        )
    message = Message(
        "%(count)s events verified; chain head %(head)s.", count=walk.checked, head=str(final)
    )
    return VerifyResult(True, walk.checked, final, message=message)


_END = 2**63 - 1  # beyond any position


def _walk_segment(walk: _Walk, stop: int, page_size: int, progress: Progress | None) -> None:
    store = walk.store
    events = _pages(store.stored_rows, walk.position, stop, page_size)
    links = _pages(store.chain_rows, walk.position, stop, page_size)
    event, link = next(events, None), next(links, None)
    previous, checked, position = walk.previous, walk.checked, walk.position
    # The common case, kept tight: the same event at the same position with the same bytes,
    # and the stored link following from the one before.
    anchored = walk.anchored
    chain_format = walk.format
    while event is not None and link is not None and event[0] == link[0]:
        at, raw_id, version, topic, state = event
        digest = digest_of(raw_id, version, topic, state)
        if raw_id != link[1] or version != link[2] or digest != link[3]:
            break
        locator = link[5]
        if next_link(previous, at, digest, locator) != link[4]:
            # Only a located link can tell the two rules apart, and a chain holds one rule.
            if (
                locator is None
                or chain_format == "current"
                or legacy_link(previous, at, digest) != link[4]
            ):
                break
            if chain_format is None:
                chain_format = walk.format = "older"
                walk.older_first, walk.before_older = at, ChainHead(position, previous.hex())
        elif locator is not None and chain_format != "current":
            if chain_format == "older":
                break
            chain_format = walk.format = "current"
        if anchored and at in anchored:
            walk.previous, walk.checked, walk.position = previous, checked, position
            if not _meets_anchors(walk, at, link[4]):
                return
        previous, position, checked = link[4], at, checked + 1
        if progress and checked % page_size == 0:
            progress(checked, walk.total)
        event, link = next(events, None), next(links, None)
    walk.previous, walk.checked, walk.position = previous, checked, position
    if event is None and link is None:
        walk.position = stop
        if progress:
            progress(checked, walk.total)
        return
    walk.bad = _diagnose(walk, event, link)


def _diagnose(walk: _Walk, event: StoredRow | None, link: LinkRow | None) -> VerifyResult:
    if link is not None and (event is None or link[0] < event[0]):
        return _bad(
            walk,
            link[0],
            "deleted",
            link,
            Message(
                "%(event)s sealed at position %(position)s is missing from the event store: "
                "it was deleted.",
                event=_describe(walk, link),
                position=link[0],
            ),
        )
    assert event is not None
    if link is None or event[0] < link[0]:
        return _inserted(walk, event)
    position, raw_id, version, topic, state = event
    if (raw_id, version) != (link[1], link[2]):
        return _misplaced(walk, event, link)
    digest = digest_of(raw_id, version, topic, state)
    mixed = _mixed_formats(walk, position, digest, link)
    if mixed:
        return mixed
    if digest != link[3]:
        return _bad(
            walk,
            position,
            "altered",
            event,
            Message(
                "The stored bytes of %(event)s at position %(position)s changed after it was "
                "sealed: the event was altered.",
                event=_describe(walk, event),
                position=position,
            ),
        )
    return _bad(
        walk,
        position,
        "altered",
        event,
        Message(
            "The chain link stored for %(event)s at position %(position)s does not follow "
            "from the link before it and the participant locator stored with it (which "
            "participant trails look up): the audit chain itself or the locator was altered.",
            event=_describe(walk, event),
            position=position,
        ),
    )


def _mixed_formats(walk: _Walk, position: int, digest: bytes, link: LinkRow) -> VerifyResult | None:
    """A located link of one rule where the chain's located links follow the other."""
    if link[5] is None or digest != link[3]:
        return None
    if walk.format == "current" and legacy_link(walk.previous, position, digest) == link[4]:
        return _bad(
            walk,
            position,
            "altered",
            link,
            Message(
                "The chain link stored for %(event)s at position %(position)s covers no "
                "participant locator, but one is stored with it now, while the chain's links "
                "before it cover their locators: a locator was given to an event sealed "
                "without one (participant trails would show the event to that participant).",
                event=_describe(walk, link),
                position=position,
            ),
        )
    if walk.format == "older" and walk.before_older is not None:
        if next_link(walk.previous, position, digest, link[5]) != link[4]:
            return None
        first = walk.older_first
        return VerifyResult(
            ok=False,
            events_checked=walk.checked,
            head=walk.before_older,
            first_bad_position=first,
            problem="altered",
            message=Message(
                "The chain's links from position %(first)s cover no participant locator (the "
                "older chain format), but the link at position %(position)s covers its "
                "locator (the current one): either locators were given to events sealed "
                "without one, from position %(first)s, or this version wrote to a store of "
                "the older format before it was migrated. It cannot be migrated as it stands.",
                first=first,
                position=position,
            ),
        )
    return None


def _misplaced(walk: _Walk, event: StoredRow, link: LinkRow) -> VerifyResult:
    """A position holds another event than the one sealed there: say how that came about."""
    store, position = walk.store, event[0]
    sealed_at = store.chain_link_of(store.id_value(event[1]), event[2])
    stored_at = store.event_position(store.id_value(link[1]), link[2])
    if sealed_at is not None and stored_at is not None:
        return _bad(
            walk,
            position,
            "reordered",
            event,
            Message(
                "Position %(position)s holds %(event)s, which was sealed at position "
                "%(sealed_at)s, while %(sealed)s sealed here is stored at position "
                "%(stored_at)s: stored events were reordered.",
                position=position,
                event=_describe(walk, event),
                sealed_at=sealed_at.position,
                sealed=_describe(walk, link),
                stored_at=stored_at,
            ),
        )
    if sealed_at is not None:
        # The sealed event is gone and later events were moved down to close the gap.
        return _bad(
            walk,
            position,
            "deleted",
            link,
            Message(
                "%(event)s sealed at position %(position)s is missing from the event store "
                "(later events were renumbered): it was deleted.",
                event=_describe(walk, link),
                position=position,
            ),
        )
    if stored_at is not None:
        # An unsealed event was slipped in and later events were moved up to make room.
        return _bad(
            walk,
            position,
            "inserted",
            event,
            Message(
                "%(event)s at position %(position)s was never sealed (the event sealed here "
                "now stands at position %(stored_at)s): it was inserted behind the "
                "application's back.",
                event=_describe(walk, event),
                position=position,
                stored_at=stored_at,
            ),
        )
    return _bad(
        walk,
        position,
        "altered",
        event,
        Message(
            "Position %(position)s holds %(event)s, but the chain sealed %(sealed)s there: "
            "the stored event was altered.",
            position=position,
            event=_describe(walk, event),
            sealed=_describe(walk, link),
        ),
    )


def _inserted(walk: _Walk, event: StoredRow) -> VerifyResult:
    return _bad(
        walk,
        event[0],
        "inserted",
        event,
        Message(
            "%(event)s at position %(position)s was never sealed: it was added behind the "
            "application's back, or its link was deleted (the chain is shorter than the "
            "store).",
            event=_describe(walk, event),
            position=event[0],
        ),
    )


def _missing_chain(walk: _Walk) -> VerifyResult | None:
    """Events stored and no link at all: the chain was dropped (or the store predates it)."""
    store = walk.store
    if store.chain_head() is not None or not store.stored_rows(0, _END, 1):
        return None
    events = store.event_count()
    return VerifyResult(
        ok=False,
        events_checked=0,
        head=walk.good,
        first_bad_position=store.stored_rows(0, _END, 1)[0][0],
        problem="unsealed",
        message=Message(
            "The store holds %(events)s events but the audit chain is missing: it was "
            "removed, or the store predates it. Nothing in it is tamper-evident; if the "
            "store really predates the chain, adopt it with `edc audit adopt --reason ...`.",
            events=events,
        ),
    )


def _meets_anchors(walk: _Walk, position: int, link: bytes) -> bool:
    """Check the anchors at `position` against the verified link there."""
    found = link.hex()
    for anchor in walk.anchored.pop(position):
        if anchor.head.link != found:
            walk.bad = _rewritten(
                walk,
                position,
                Message(
                    "The chain's link at position %(position)s is %(found)s, not %(recorded)s "
                    "as recorded in %(origin)s: the store was rewritten at or before position "
                    "%(position)s since that head was recorded.",
                    position=position,
                    found=found,
                    recorded=anchor.head.link,
                    origin=anchor.origin,
                ),
            )
            return False
    walk.good = ChainHead(position, found)
    return True


def _unmet_anchor(walk: _Walk, final: ChainHead) -> VerifyResult | None:
    """Anchors the walk never reached: beyond the end (truncated) or at no link (rewritten)."""
    if not walk.anchored:
        return None
    position = min(walk.anchored)
    anchor = walk.anchored[position][0]
    if position == 0:
        if anchor.head.link == GENESIS.hex():
            del walk.anchored[0]
            return _unmet_anchor(walk, final)
        return _rewritten(
            walk, 0, Message("%(origin)s is not a head of this chain.", origin=anchor.origin)
        )
    if position > final.position:
        return VerifyResult(
            ok=False,
            events_checked=walk.checked,
            head=walk.good,
            first_bad_position=final.position + 1,
            problem="truncated",
            message=Message(
                "The store ends at position %(position)s, but %(origin)s names head "
                "%(head)s: the events after position %(position)s were deleted together "
                "with their links. (If an older backup was restored on purpose, record it "
                "with `edc audit accept-restore --reason ...`.)",
                position=final.position,
                origin=anchor.origin,
                head=str(anchor.head),
            ),
        )
    return _rewritten(
        walk,
        position,
        Message(
            "The chain has no link at position %(position)s, which %(origin)s names (head "
            "%(head)s): the store was rewritten since that head was recorded.",
            position=position,
            origin=anchor.origin,
            head=str(anchor.head),
        ),
    )


def _rewritten(walk: _Walk, position: int, message: str) -> VerifyResult:
    return VerifyResult(
        ok=False,
        events_checked=walk.checked,
        head=walk.good,
        first_bad_position=position,
        problem="rewritten",
        message=message,
    )


Row = TypeVar("Row", StoredRow, LinkRow)


def _pages(
    read: Callable[[int, int, int], list[Row]], after: int, stop: int, page_size: int
) -> Iterator[Row]:
    while True:
        page = read(after, stop, page_size)
        yield from page
        if len(page) < page_size:
            return
        after = page[-1][0]


def _describe(walk: _Walk, row: StoredRow | LinkRow) -> str:
    identity = Message(
        "aggregate %(id)s version %(version)s", id=str(walk.store.id_value(row[1])), version=row[2]
    )
    topic = row[3]
    if isinstance(topic, str):
        return Message(
            "%(topic)s of %(identity)s", topic=topic.rpartition(":")[2] or topic, identity=identity
        )
    return identity


def _bad(
    walk: _Walk, position: int, problem: Problem, row: StoredRow | LinkRow, message: str
) -> VerifyResult:
    return VerifyResult(
        ok=False,
        events_checked=walk.checked,
        head=ChainHead(walk.position, walk.previous.hex()),
        first_bad_position=position,
        problem=problem,
        originator_id=str(walk.store.id_value(row[1])),
        originator_version=row[2],
        message=message,
    )


def _head(link: Link | None) -> ChainHead:
    return ChainHead(link.position, link.link.hex()) if link else ChainHead(0, GENESIS.hex())
