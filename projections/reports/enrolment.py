"""Enrolment over time: people screened and randomised per month, cumulative, as SVG or CSV.

Dates are the clinical ones (screening date SCR_DATE and the date of randomisation), by
calendar month, with empty months shown so the time axis is even.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass, fields
from datetime import date

from projections.exports.casebook import Casebook, casebooks
from projections.exports.source import Cut
from projections.reports.svg import document, line, polyline, text, vertical_text
from projections.reports.tables import table_csv

WIDTH, HEIGHT = 900, 420
LEFT, RIGHT, TOP, BOTTOM = 70, 30, 60, 70
SCREENED_COLOUR, RANDOMISED_COLOUR = "#1f5fa8", "#c0392b"


@dataclass(frozen=True)
class Month:
    month: str  # YYYY-MM
    screened: int
    randomised: int
    screened_total: int
    randomised_total: int


COLUMNS = tuple(f.name for f in fields(Month))


def _month(day: date) -> tuple[int, int]:
    return day.year, day.month


def enrolment_series(books: Iterable[Casebook]) -> list[Month]:
    screened: Counter[tuple[int, int]] = Counter()
    randomised: Counter[tuple[int, int]] = Counter()
    for casebook in books:
        participant = casebook.participant
        screened[_month(participant.screening_date)] += 1
        if participant.randomised_on is not None:
            randomised[_month(participant.randomised_on)] += 1
    if not screened:
        return []
    months = [*screened, *randomised]
    year, month = min(months)
    last = max(months)
    series: list[Month] = []
    screened_total = randomised_total = 0
    while (year, month) <= last:
        screened_total += screened[(year, month)]
        randomised_total += randomised[(year, month)]
        series.append(
            Month(
                f"{year:04d}-{month:02d}",
                screened[(year, month)],
                randomised[(year, month)],
                screened_total,
                randomised_total,
            )
        )
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return series


def enrolment_at(cut: Cut) -> list[Month]:
    return enrolment_series(casebooks(cut))


def enrolment_csv(series: Sequence[Month]) -> str:
    return table_csv(COLUMNS, [astuple(month) for month in series])


def _nice_step(maximum: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if maximum / step <= 8:
            return step
    return 10000


def enrolment_svg(series: Sequence[Month], caption: str) -> str:
    """Cumulative screened and randomised by month, with axes and a legend."""
    title = "Enrolment over time"
    body = [
        text(WIDTH / 2, 24, title, "middle", 16, "bold"),
        text(WIDTH / 2, 42, caption, "middle", 11),
    ]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    maximum = max((m.screened_total for m in series), default=0)
    step = _nice_step(max(1, maximum))
    top_value = max(step, -(-maximum // step) * step)

    def x(index: int) -> float:
        # Month i runs from tick i to tick i + 1; its cumulative count is drawn at its end.
        return LEFT + plot_w * index / max(1, len(series))

    def y(value: int) -> float:
        return TOP + plot_h - plot_h * value / top_value

    for value in range(0, top_value + 1, step):
        body.append(line(LEFT, y(value), LEFT + plot_w, y(value), "#ddd"))
        body.append(text(LEFT - 8, y(value) + 4, str(value), "end", 11))
    body.append(line(LEFT, TOP, LEFT, TOP + plot_h))
    body.append(line(LEFT, TOP + plot_h, LEFT + plot_w, TOP + plot_h))
    label_every = max(1, len(series) // 12)
    for index, month in enumerate(series):
        body.append(line(x(index), TOP + plot_h, x(index), TOP + plot_h + 4))
        if index % label_every == 0:
            body.append(text(x(index) + 2, TOP + plot_h + 18, month.month, "start", 10))
    body.append(
        text(LEFT + plot_w / 2, HEIGHT - 18, "month (cumulative count at its end)", "middle", 11)
    )
    body.append(vertical_text(20, TOP + plot_h / 2, "people (cumulative)"))
    for name, colour, values in (
        ("screened", SCREENED_COLOUR, [m.screened_total for m in series]),
        ("randomised", RANDOMISED_COLOUR, [m.randomised_total for m in series]),
    ):
        if series:
            points = [(x(0), y(0)), *((x(i + 1), y(v)) for i, v in enumerate(values))]
            body.append(polyline(points, colour))
        legend_y = TOP + 10 if name == "screened" else TOP + 26
        body.append(line(LEFT + 12, legend_y, LEFT + 36, legend_y, colour, 2))
        total = values[-1] if values else 0
        body.append(text(LEFT + 42, legend_y + 4, f"{name} ({total})", "start", 11))
    return document(WIDTH, HEIGHT, f"{title}. {caption}", body)
