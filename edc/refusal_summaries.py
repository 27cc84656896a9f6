"""Refusals of anonymous clients, counted instead of written one event per request.

Anyone can send failed logins, bad API tokens, bad report links or forged forms without an
account. Written one by one they would let a stranger grow the trial's event store without
bound. So, per server process and per refused command, the first few such refusals in each
window are recorded in full (attempted misuse is still reported at once, 21 CFR 11.300(d)) and
the rest are only counted; when the window is over, one summary record says how many there
were, between which times, with a few of the names tried. Refusals of authenticated people
are always recorded one by one. Counts not yet summarised when a process dies are lost: that
is at most one window of one process's anonymous noise.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from domain.wording import Message

# Full records per command in one window, then only counting.
FULL_RECORDS_PER_WINDOW = 5
WINDOW_SECONDS = 60.0
NAMES_KEPT = 10
SUMMARY_WHO = "anonymous clients"


@dataclass
class _Window:
    opened: float
    written: int = 0
    counted: int = 0
    code: str = ""
    first: datetime | None = None
    last: datetime | None = None
    names: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Summary:
    """What one closed window held beyond its full records."""

    command: str
    count: int
    code: str
    first: datetime
    last: datetime
    names: tuple[str, ...]

    def target(self) -> dict[str, str]:
        return {
            "count": str(self.count),
            "from": self.first.isoformat(),
            "until": self.last.isoformat(),
            "names": ", ".join(self.names),
        }

    def message(self) -> Message:
        return Message(
            "%(count)s more refusals of this command from anonymous clients in this period, "
            "counted rather than recorded one by one.",
            count=self.count,
        )


class AnonymousRefusals:
    """The windows of one process (thread-safe); `monotonic` is injectable for tests."""

    def __init__(
        self,
        *,
        full_records: int = FULL_RECORDS_PER_WINDOW,
        window_s: float = WINDOW_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.full_records, self.window_s, self.monotonic = full_records, window_s, monotonic
        self._windows: dict[str, _Window] = {}
        self._closed: list[Summary] = []
        self._lock = threading.Lock()

    def note(self, command: str, code: str, name: str, at: datetime) -> bool:
        """Note one refusal; True when it is to be recorded in full."""
        now = self.monotonic()
        with self._lock:
            window = self._windows.get(command)
            if window is None or now - window.opened >= self.window_s:
                if window is not None:
                    self._close(command, window)
                window = self._windows[command] = _Window(opened=now)
            if window.written < self.full_records:
                window.written += 1
                return True
            window.counted += 1
            window.code = code
            window.first = window.first or at
            window.last = at
            if name not in window.names and len(window.names) < NAMES_KEPT:
                window.names.append(name)
            return False

    def due(self, *, everything: bool = False) -> list[Summary]:
        """Take the summaries of the windows that are over (or of all, at shutdown)."""
        now = self.monotonic()
        with self._lock:
            for command, window in list(self._windows.items()):
                if everything or now - window.opened >= self.window_s:
                    del self._windows[command]
                    self._close(command, window)
            taken, self._closed = self._closed, []
        return taken

    def _close(self, command: str, window: _Window) -> None:
        if window.counted and window.first and window.last:
            names = tuple(window.names)
            self._closed.append(
                Summary(command, window.counted, window.code, window.first, window.last, names)
            )
