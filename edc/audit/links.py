"""The arithmetic of the audit chain: what one link covers and how it follows the previous one.

Each stored event gets a *digest* of its stored bytes (originator id and version, topic, and the
state exactly as stored, ciphertext included when encryption is on) and a *link*:

    link_n = sha256(link_{n-1} || position_n || digest_n [|| "P" || participant_n])

where the position is the event's notification id, and `participant_n` (16 bytes) is the
participant an event of another aggregate concerns (the locator that participant trails look
up, see `edc.audit.subjects`), present only for such events: so the locator is covered by the
chain like the event itself, and links of events without one are unchanged. The digest is
kept with the link so that `verify` can tell an event whose bytes changed from one that moved
to another position.
Every field is length-prefixed, so no two different events have the same canonical bytes.

Stores sealed by an earlier version (the *older chain format*) kept the locator next to the link
but left it out of the link: `link_n = sha256(link_{n-1} || position_n || digest_n)` for every
event. `legacy_link` is that rule, kept here and nowhere else, so that `verify` can say a store
was sealed in the older format (rather than call it tampered) and `edc audit migrate-chain` can
check a store under the older rule before it reseals it under this one (`Resealer`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from uuid import UUID

from domain.wording import Message

# The link "before" the first event; the label makes it specific to this chain's format.
GENESIS = hashlib.sha256(b"modic-edc audit chain v1").digest()


@dataclass(frozen=True)
class Link:
    """One sealed event: where it stands, which event it was, and the chain up to it."""

    position: int
    originator_id: UUID | str
    originator_version: int
    digest: bytes
    link: bytes
    participant_id: UUID | None = None


# Raw rows as verify reads them: (position, originator id bytes, version, topic, state) for
# stored events, (position, originator id bytes, version, digest, link, locator bytes or None)
# for links.
StoredRow = tuple[int, bytes, int, str, bytes]
LinkRow = tuple[int, bytes, int, bytes, bytes, bytes | None]


def id_bytes(originator_id: UUID | str) -> bytes:
    """The canonical bytes of an originator id: a UUID's 16 bytes, or a text id's UTF-8."""
    return originator_id.bytes if isinstance(originator_id, UUID) else originator_id.encode()


def digest_of(raw_id: bytes, version: int, topic: str, state: bytes) -> bytes:
    """sha256 of the canonical bytes of one stored event (without its position)."""
    raw_topic = topic.encode()
    return hashlib.sha256(
        b"".join(
            (
                len(raw_id).to_bytes(8, "big"),
                raw_id,
                version.to_bytes(8, "big", signed=True),
                len(raw_topic).to_bytes(8, "big"),
                raw_topic,
                len(state).to_bytes(8, "big"),
                state,
            )
        )
    ).digest()


def event_digest(originator_id: UUID | str, version: int, topic: str, state: bytes) -> bytes:
    return digest_of(id_bytes(originator_id), version, topic, bytes(state))


def next_link(previous: bytes, position: int, digest: bytes, locator: bytes | None = None) -> bytes:
    covered = previous + position.to_bytes(8, "big") + digest
    if locator is not None:
        covered += b"P" + locator
    return hashlib.sha256(covered).digest()


def legacy_link(previous: bytes, position: int, digest: bytes) -> bytes:
    """The link of the older chain format: the participant locator was not covered."""
    return next_link(previous, position, digest, None)


def sealed_in_older_format(
    previous: bytes, position: int, digest: bytes, locator: bytes | None, link: bytes
) -> bool:
    """Whether a located link follows from the one before by the older rule (and not this one)."""
    return (
        locator is not None
        and link == legacy_link(previous, position, digest)
        and link != next_link(previous, position, digest, locator)
    )


class Resealer:
    """Recomputes links under the current rule, checking each stored one under the older rule.

    Fed the stored events and links from the first position to reseal on, page by page (both
    in position order): every stored link must follow from the stored one before it by the
    older rule and every event must be the one sealed there with the same bytes, else
    `ChainBroken` is raised and nothing may be written. So a migration never seals again what
    was changed after it was sealed.
    """

    def __init__(self, previous: bytes) -> None:
        self.stored = previous  # the stored (older format) link before the next row
        self.current = previous  # the resealed link before the next row
        self.resealed = 0

    def page(self, events: list[StoredRow], links: list[LinkRow]) -> list[tuple[int, bytes]]:
        if len(events) != len(links):
            raise ChainBroken(_not_migrated("the store and the chain hold different positions"))
        relinked: list[tuple[int, bytes]] = []
        for event, link in zip(events, links, strict=True):
            position, raw_id, version, topic, state = event
            digest = digest_of(raw_id, version, topic, state)
            if (position, raw_id, version, digest) != (link[0], link[1], link[2], link[3]):
                raise ChainBroken(
                    _not_migrated(f"the event at position {position} is not the one sealed there")
                )
            if link[4] != legacy_link(self.stored, position, digest):
                raise ChainBroken(
                    _not_migrated(
                        f"the link at position {position} does not follow from the one before "
                        "it by the older rule"
                    )
                )
            self.stored = link[4]
            self.current = next_link(self.current, position, digest, link[5])
            relinked.append((position, self.current))
            self.resealed += 1
        return relinked


def _not_migrated(why: str) -> str:
    return f"The chain was not migrated: {why}. Nothing was changed; run `edc audit verify`."


def older_format_message(first: int) -> str:
    return Message(
        "The store was sealed in an older chain format (from position %(first)s, its links do "
        "not cover the participant locator that participant trails look up): this is not a "
        "finding of tampering, but the locators are not tamper-evident until it is migrated. "
        "Migrate it with `edc audit migrate-chain --reason ...`, which checks the whole "
        "chain under the older format first and then reseals it in the current one.",
        first=first,
    )


def seal_events(
    previous: bytes,
    last_position: int,
    events: list[tuple[int, UUID | str, int, str, bytes]],
    subjects: list[UUID | None] | None = None,
) -> list[Link]:
    """Links for (position, originator id, version, topic, state) tuples after a given link.

    Positions must rise: a position at or below the last sealed one means the store's
    numbering was rewound behind the application's back, and sealing would fork the chain.
    """
    links: list[Link] = []
    for (position, originator_id, version, topic, state), subject in zip(
        events, subjects or [None] * len(events), strict=True
    ):
        if position <= last_position:
            raise ChainBroken(
                f"Position {position} is already covered by the audit chain (sealed up to "
                f"{last_position}): the event store was changed behind the application's "
                "back. Nothing was saved; run `edc audit verify`."
            )
        digest = event_digest(originator_id, version, topic, state)
        previous = next_link(previous, position, digest, subject.bytes if subject else None)
        links.append(Link(position, originator_id, version, digest, previous, subject))
        last_position = position
    return links


def unsealed_events_message(count: int, last_position: int) -> str:
    return (
        f"{count} stored events after position {last_position} are not in the audit chain "
        "(the chain is missing or shorter than the store): nothing was saved. Run "
        "`edc audit verify`; a store that predates the chain is adopted with `edc audit adopt`."
    )


class ChainBroken(RuntimeError):
    """Raised when new events cannot be sealed because the store was tampered with."""
