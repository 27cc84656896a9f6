"""The demo's accounts: one per role, with passwords that are printed (demo data only).

This trial's masking is single (outcome assessor), so the people who handle harms are
unblinded: beside the blinded investigator, monitor and data manager the demo has an unblinded
investigator (adverse events), an unblinded monitor (adverse events, adherence, allocation
re-check) and an unblinded data manager (locks of the arm-revealing forms).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.actor import Actor
from domain.protocol import SITES
from edc.application import SYSTEM, Trial

DEMO_PASSWORD_SUFFIX = "-demo-2007"
UNBLINDING_REASON = "Handles harms: single-blind trial (outcome assessor masked)"


@dataclass(frozen=True)
class DemoUser:
    key: str  # how the demo scenario names the account
    name: str
    role: str
    site: str | None
    blinded: bool | None = None  # None: the role's default


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("site_staff", "sara", "site_staff", SITES[0]),
    DemoUser("assessor", "anna", "assessor", SITES[0]),
    DemoUser("investigator", "ivan", "investigator", SITES[0]),
    DemoUser("monitor", "mona", "monitor", None),
    DemoUser("data_manager", "dana", "data_manager", None),
    DemoUser("analyst", "alex", "analyst", None),
    DemoUser("admin", "adam", "admin", None),
    DemoUser("unblinded_investigator", "uffe", "investigator", SITES[0], blinded=False),
    DemoUser("unblinded_monitor", "ulla", "monitor", None, blinded=False),
    DemoUser("unblinded_data_manager", "udo", "data_manager", None, blinded=False),
)


def demo_password(name: str) -> str:
    return name + DEMO_PASSWORD_SUFFIX


def demo_logins() -> list[str]:
    """One line per demo account, for the terminal."""
    lines = []
    for user in DEMO_USERS:
        label = user.role + (" (unblinded)" if user.blinded is False else "")
        lines.append(f"  {label:<13} {user.name:<6} password: {demo_password(user.name)}")
    return lines


def ensure_demo_users(trial: Trial) -> dict[str, Actor]:
    """Create the demo accounts if missing; return an actor per account key."""
    existing = {user["name"] for user in trial.list_users()}
    return add_demo_users(trial, [user for user in DEMO_USERS if user.name not in existing])


def add_demo_users(trial: Trial, users: Sequence[DemoUser] = DEMO_USERS) -> dict[str, Actor]:
    """Create `users` (a `StateConflict` if one exists); return an actor per account key."""
    for user in users:
        trial.add_user(
            SYSTEM,
            user.name,
            user.role,
            demo_password(user.name),
            site=user.site,
            blinded=user.blinded,
            blinding_reason=UNBLINDING_REASON if user.blinded is False else "",
        )
    return {user.key: trial.actor_for(user.name) for user in DEMO_USERS}
