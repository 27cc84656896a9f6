"""The two read models: which events each may see.

The blinded model reads only events classified blinded-safe in `domain.blinding`: the store is
asked for those topics only, and every event that arrives is checked again before it is
applied, so a wrong filter fails loudly instead of leaking the arm.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from domain.blinding import BLINDED_SAFE_TOPICS, is_blinded_safe

BLINDED = "blinded"
UNBLINDED = "unblinded"
VIEW_NAMES: tuple[str, ...] = (BLINDED, UNBLINDED)


class BlindingViolation(RuntimeError):
    """Raised when an event that is not blinded-safe reaches the blinded read model."""


def _admit_all(topic: str) -> bool:
    return True


@dataclass(frozen=True)
class ViewSpec:
    """A read model: its name (also its table prefix) and the events it is built from."""

    name: str
    blinded: bool
    # Topics asked of the event store; empty means every event.
    topics: tuple[str, ...]
    # Checked again for each event read; a refusal stops the projection.
    admits: Callable[[str], bool]

    def check(self, topic: str) -> None:
        if not self.admits(topic):
            raise BlindingViolation(
                f"The {self.name} read model refused an event of type {topic}: "
                "it is not classified blinded-safe."
            )


def blinded_view(
    topics: tuple[str, ...] = BLINDED_SAFE_TOPICS,
    admits: Callable[[str], bool] = is_blinded_safe,
) -> ViewSpec:
    """The blinded model; other arguments exist only so tests can plant a leak on purpose."""
    return ViewSpec(BLINDED, blinded=True, topics=topics, admits=admits)


def unblinded_view() -> ViewSpec:
    return ViewSpec(UNBLINDED, blinded=False, topics=(), admits=_admit_all)


def view_spec(name: str) -> ViewSpec:
    if name == BLINDED:
        return blinded_view()
    if name == UNBLINDED:
        return unblinded_view()
    raise ValueError(f"Unknown read model {name!r}; use one of: {', '.join(VIEW_NAMES)}.")
