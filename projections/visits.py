"""Visit status on a given day, from the dates the read model stores.

The read model stores each scheduled visit's target day, window and the date it was done; the
status depends on the day you ask, so it is worked out at query time:

- done / done out of window: the outcome form is entered (its assessment date decides which);
- recorded as missed: site staff recorded, on or before the day asked about, that the visit
  did not take place (`VisitMissed`): its form is missing by design, never overdue;
- cancelled: not done, and the participant ended the study before the window closed;
- not due: before the window opens; due: from the window's first day to the target day;
  overdue: after the target day, window still open; missed: the window closed without it.
"""

from __future__ import annotations

from datetime import date

VISIT_STATUSES = (
    "not due",
    "due",
    "overdue",
    "done",
    "done out of window",
    "missed",
    "recorded as missed",
    "cancelled",
)
OPEN_STATUSES = frozenset({"due", "overdue"})


def visit_status(
    reference: date,
    *,
    target_on: str,
    window_start: str,
    window_end: str,
    done_on: str | None,
    ended_on: str | None,
    recorded_missed_on: str | None = None,
) -> str:
    start, end = date.fromisoformat(window_start), date.fromisoformat(window_end)
    if done_on is not None:
        return "done" if start <= date.fromisoformat(done_on) <= end else "done out of window"
    if recorded_missed_on is not None and date.fromisoformat(recorded_missed_on) <= reference:
        return "recorded as missed"
    if ended_on is not None and date.fromisoformat(ended_on) <= min(end, reference):
        return "cancelled"
    if reference < start:
        return "not due"
    if reference <= date.fromisoformat(target_on):
        return "due"
    if reference <= end:
        return "overdue"
    return "missed"
