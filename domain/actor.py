"""Who performs a command: stored in every event so the audit trail is attributable."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SYSTEM_USER = "system"


@dataclass(frozen=True)
class Actor:
    """An authenticated person acting in a role at a site (site is None for trial-wide roles).

    `via`, `token_id` and `operator` say how the person proved who they are (a browser session
    or an API token, and which token), or which operating-system user ran a command from a
    shell as the system. They go into the trail, but two actors are the same person in the same
    role whatever way they came in, so they are left out of comparisons.
    """

    user: str
    role: str
    site: str | None = None
    # Not stored in events: whether this person may see the arm (fail closed by default).
    blinded: bool = True
    via: str | None = field(default=None, compare=False)
    token_id: str | None = field(default=None, compare=False)
    operator: str | None = field(default=None, compare=False)

    def as_dict(self) -> dict[str, Any]:
        who: dict[str, Any] = {"user": self.user, "role": self.role, "site": self.site}
        for name in ("via", "token_id", "operator"):
            value = getattr(self, name)
            if value is not None:
                who[name] = value
        return who

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Actor:
        return cls(
            user=data["user"],
            role=data["role"],
            site=data.get("site"),
            via=data.get("via"),
            token_id=data.get("token_id"),
            operator=data.get("operator"),
        )

    @property
    def is_system(self) -> bool:
        """The system itself: commands run from a shell by its operator (who holds the files
        anyway), seeding and maintenance. No account can have this name."""
        return self.user == SYSTEM_USER

    @property
    def label(self) -> str:
        return f"{self.user} ({self.role}{', ' + self.site if self.site else ''})"
