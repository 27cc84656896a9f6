"""The day a demo trial is live on (`edc demo --today`, `edc serve --demo`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from domain.protocol import TIME_ZONE

# `edc demo` plays the trial as it stands on this day unless told another (`--today`), so a
# seed gives the same store whenever it is built; `edc serve --demo` passes the real today.
DEFAULT_TODAY = date(2026, 3, 2)


def start_of(day: date) -> datetime:
    """The first instant of `day` at the site, in UTC."""
    return datetime.combine(day, time(0), ZoneInfo(TIME_ZONE)).astimezone(UTC)


def site_today(now: datetime) -> date:
    """The day it is at the site at `now`."""
    return now.astimezone(ZoneInfo(TIME_ZONE)).date()
