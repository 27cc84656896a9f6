"""A small server-drawn SVG bar chart (no script, so it passes the content security policy)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT, BOTTOM = 640, 200, 30


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int
    show_label: bool


def bars(series: Sequence[tuple[str, int]]) -> list[Bar]:
    """Geometry of one bar per (label, value); every few labels shown when there are many."""
    if not series:
        return []
    top = max(value for _, value in series) or 1
    slot = WIDTH / len(series)
    every = max(1, len(series) // 12)
    plot = HEIGHT - BOTTOM
    result = []
    for index, (label, value) in enumerate(series):
        height = plot * value / top
        result.append(
            Bar(
                x=round(index * slot + slot * 0.1, 1),
                y=round(plot - height, 1),
                width=round(slot * 0.8, 1),
                height=round(height, 1),
                label=label,
                value=value,
                show_label=index % every == 0,
            )
        )
    return result


def months_between(first: str, last: str) -> list[str]:
    """Every month 'YYYY-MM' from first to last, so months without events show as empty."""
    year, month = int(first[:4]), int(first[5:7])
    end = (int(last[:4]), int(last[5:7]))
    months = []
    while (year, month) <= end:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
