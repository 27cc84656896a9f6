"""The two read models: which events each is built from.

The blinded model reads only events classified blinded-safe in `domain.blinding`: the store is
asked for those topics only, and every event that arrives is checked again before it is
applied, so a wrong filter fails loudly instead of leaking the arm.

The unblinded model is the blinded one plus what only the unblinded may know: its own tables
(`unblinded_*`) are built from the arm-revealing events alone (allocation, emergency
unblinding, adherence), and unblinded reads combine both sets of tables. Every event is thus
applied once, not twice, and arm-revealing facts live only in tables a blinded read never
touches. Event types in no classification are read by neither (their position is still passed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from eventsourcing.utils import get_topic

from domain.blinding import BLINDED_SAFE_TOPICS, CLASSIFICATION, Blinding, is_blinded_safe

BLINDED = "blinded"
UNBLINDED = "unblinded"
VIEW_NAMES: tuple[str, ...] = (BLINDED, UNBLINDED)
ARM_REVEALING_TOPICS: tuple[str, ...] = tuple(
    get_topic(cls) for cls, blinding in CLASSIFICATION.items() if blinding is Blinding.ARM_REVEALING
)


class BlindingViolation(RuntimeError):
    """Raised when an event that is not blinded-safe reaches the blinded read model."""


def _arm_revealing(topic: str) -> bool:
    return not is_blinded_safe(topic)


@dataclass(frozen=True)
class ViewSpec:
    """A read model: its name (also its table prefix) and the events it is built from."""

    name: str
    blinded: bool
    # Topics asked of the event store; empty means every event (only ever in tests).
    topics: tuple[str, ...]
    # Checked again for each event read; a refusal stops the projection.
    admits: Callable[[str], bool]

    def check(self, topic: str) -> None:
        if not self.admits(topic):
            if self.blinded:
                raise BlindingViolation(
                    f"The {self.name} read model refused an event of type {topic}: "
                    "it is not classified blinded-safe."
                )
            raise ValueError(f"The {self.name} read model does not read events of type {topic}.")


def blinded_view(
    topics: tuple[str, ...] = BLINDED_SAFE_TOPICS,
    admits: Callable[[str], bool] = is_blinded_safe,
) -> ViewSpec:
    """The blinded model; other arguments exist only so tests can plant a leak on purpose."""
    return ViewSpec(BLINDED, blinded=True, topics=topics, admits=admits)


def unblinded_view() -> ViewSpec:
    """The unblinded model's own tables: arm-revealing events only."""
    return ViewSpec(UNBLINDED, blinded=False, topics=ARM_REVEALING_TOPICS, admits=_arm_revealing)


def view_spec(name: str) -> ViewSpec:
    if name == BLINDED:
        return blinded_view()
    if name == UNBLINDED:
        return unblinded_view()
    raise ValueError(f"Unknown read model {name!r}; use one of: {', '.join(VIEW_NAMES)}.")
