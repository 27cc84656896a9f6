"""Roles and the blinding each gives (DESIGN.md, "Roles")."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    SITE_STAFF = "site_staff"
    ASSESSOR = "assessor"
    INVESTIGATOR = "investigator"
    MONITOR = "monitor"
    DATA_MANAGER = "data_manager"
    ANALYST = "analyst"
    ADMIN = "admin"


# Blinded unless stated: site staff randomise and enter adherence, so they see the arm.
BLINDED_BY_DEFAULT: dict[Role, bool] = {
    Role.SITE_STAFF: False,
    Role.ASSESSOR: True,
    Role.INVESTIGATOR: True,
    Role.MONITOR: True,
    Role.DATA_MANAGER: True,
    Role.ANALYST: True,
    Role.ADMIN: True,
}
# Roles that work at one site and see only that site's participants.
SITE_ROLES = frozenset({Role.SITE_STAFF, Role.ASSESSOR, Role.INVESTIGATOR})
