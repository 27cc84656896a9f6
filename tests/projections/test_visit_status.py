"""Visit status on a reference day (a pure function over the dates the read model stores)."""

from __future__ import annotations

from datetime import date

import pytest

from projections.visits import visit_status

WEEK10 = {"target_on": "2024-03-25", "window_start": "2024-03-18", "window_end": "2024-04-08"}


@pytest.mark.parametrize(
    ("reference", "done_on", "ended_on", "expected"),
    [
        (date(2024, 3, 17), None, None, "not due"),
        (date(2024, 3, 18), None, None, "due"),
        (date(2024, 3, 25), None, None, "due"),
        (date(2024, 3, 26), None, None, "overdue"),
        (date(2024, 4, 8), None, None, "overdue"),
        (date(2024, 4, 9), None, None, "missed"),
        (date(2024, 3, 1), "2024-03-20", None, "done"),
        (date(2024, 5, 1), "2024-04-20", None, "done out of window"),
        (date(2024, 5, 1), "2024-03-10", None, "done out of window"),
        (date(2024, 5, 1), None, "2024-02-01", "cancelled"),
        (date(2024, 3, 20), None, "2024-03-19", "cancelled"),
        # Ended after the window closed: the visit was missed first.
        (date(2024, 5, 1), None, "2024-04-20", "missed"),
        # The end is in the future of the reference day: not known yet then.
        (date(2024, 3, 20), None, "2024-03-28", "due"),
    ],
)
def test_visit_status_on_a_reference_day(
    reference: date, done_on: str | None, ended_on: str | None, expected: str
) -> None:
    assert visit_status(reference, **WEEK10, done_on=done_on, ended_on=ended_on) == expected
