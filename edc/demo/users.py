"""The demo's accounts: one per role, with passwords that are printed (demo data only)."""

from __future__ import annotations

from domain.actor import Actor
from domain.protocol import SITES
from edc.application import SYSTEM, Trial

DEMO_PASSWORD_SUFFIX = "-demo-2007"
DEMO_USERS: tuple[tuple[str, str, str | None], ...] = (
    ("sara", "site_staff", SITES[0]),
    ("anna", "assessor", SITES[0]),
    ("ivan", "investigator", SITES[0]),
    ("mona", "monitor", None),
    ("dana", "data_manager", None),
    ("alex", "analyst", None),
    ("adam", "admin", None),
)


def demo_password(name: str) -> str:
    return name + DEMO_PASSWORD_SUFFIX


def ensure_demo_users(trial: Trial) -> dict[str, Actor]:
    """Create the demo accounts if missing; return an actor per role."""
    existing = {user["name"] for user in trial.list_users()}
    for name, role, site in DEMO_USERS:
        if name not in existing:
            trial.add_user(SYSTEM, name, role, demo_password(name), site=site)
    return {role: trial.actor_for(name) for name, role, _site in DEMO_USERS}
