"""Who performs a command: stored in every event so the audit trail is attributable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    """An authenticated person acting in a role at a site (site is None for trial-wide roles)."""

    user: str
    role: str
    site: str | None = None
    # Not stored in events: whether this person may see the arm (fail closed by default).
    blinded: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {"user": self.user, "role": self.role, "site": self.site}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Actor:
        return cls(user=data["user"], role=data["role"], site=data.get("site"))

    @property
    def label(self) -> str:
        return f"{self.user} ({self.role}{', ' + self.site if self.site else ''})"
