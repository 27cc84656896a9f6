"""The bench's results: sections of figures, a printed table and `bench/results.json`."""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SECTIONS = (
    ("form_save", "0 form save (app layer, SQLite file)"),
    ("catch_up", "1 projection catch-up"),
    ("http_writes", "2 form writes over HTTP, 32 clients"),
    ("reads", "3 audit trail and participant page"),
    ("exports", "4 exports: time and peak RSS"),
    ("startup", "5 server start-up"),
    ("postgres", "6 PostgreSQL: writes and catch-up"),
)


@dataclass
class Row:
    figure: str
    edc: str
    baseline: str = ""
    ratio: str = ""
    bar: str = ""
    meets: bool | None = None


@dataclass
class Section:
    key: str
    title: str
    status: str = "ok"  # ok | not available | failed
    why: str = ""
    figures: dict[str, Any] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)

    def row(self, *args: Any, **kwargs: Any) -> None:
        self.rows.append(Row(*args, **kwargs))

    def as_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "status": self.status,
            "why": self.why,
            "figures": self.figures,
            "rows": [row.__dict__ for row in self.rows],
        }


def run_section(section: Section, body: Callable[[Section], None]) -> Section:
    """Run one measurement; a missing module makes it "not available", a crash "failed"."""
    try:
        body(section)
    except ModuleNotFoundError as error:
        section.status, section.why = "not available", f"module {error.name} does not exist yet"
    except NotAvailable as error:
        section.status, section.why = "not available", str(error)
    except Exception as error:  # report it and go on with the other sections
        section.status = "failed"
        section.why = f"{type(error).__name__}: {error}"
        section.figures["traceback"] = traceback.format_exc(limit=8)
    return section


class NotAvailable(Exception):
    """Raised when a measurement needs a part of the EDC that is not built yet."""


def ratio(edc: float, baseline: float) -> str:
    if not baseline or edc != edc or baseline != baseline:  # zero or NaN
        return "-"
    value = edc / baseline
    return f"{value:.0%}" if value < 10 else f"{value:.0f}x"


def fmt(value: float, unit: str = "", digits: int = 1) -> str:
    if value != value:
        return "-"
    text = f"{value:,.0f}" if abs(value) >= 10000 else f"{value:.{digits}f}"
    return f"{text} {unit}".strip()


def table(sections: list[Section]) -> str:
    head = ("figure", "EDC", "raw baseline", "ratio", "quality bar", "")
    lines: list[tuple[str, ...]] = []
    for section in sections:
        lines.append((f"[{section.title}]", "", "", "", "", ""))
        if section.status != "ok":
            lines.append((f"  {section.status}: {section.why}", "", "", "", "", ""))
            continue
        for row in section.rows:
            mark = "" if row.meets is None else ("meets" if row.meets else "SHORT")
            lines.append(("  " + row.figure, row.edc, row.baseline, row.ratio, row.bar, mark))
    widths = [max(len(r[i]) for r in [head, *lines]) for i in range(len(head))]
    widths[0] = min(widths[0], 60)

    def render(cells: tuple[str, ...]) -> str:
        if cells[0].startswith(("[", "  not available", "  failed")) and not any(cells[1:]):
            return cells[0]
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
    return "\n".join([render(head), rule, *(render(line) for line in lines)])


def write_json(path: Path, meta: dict[str, Any], sections: list[Section]) -> None:
    data = {**meta, "sections": {s.key: s.as_json() for s in sections}}
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
