"""A clock the demo moves forward by hand, so a synthetic trial unfolds over years in seconds."""

from __future__ import annotations

from datetime import datetime


class SimulatedClock:
    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance_to(self, moment: datetime) -> None:
        # Never backwards: event times follow the order of the event sequence.
        self.current = max(self.current, moment)
