"""Which events an export may read: all of them, or only those classified blinded-safe."""

from __future__ import annotations

from enum import StrEnum

from domain.blinding import is_blinded_safe


class View(StrEnum):
    BLINDED = "blinded"
    UNBLINDED = "unblinded"

    def allows(self, topic: str) -> bool:
        """A blinded export reads only blinded-safe events (unknown topics are refused)."""
        return self is View.UNBLINDED or is_blinded_safe(topic)

    @property
    def blinded(self) -> bool:
        return self is View.BLINDED
