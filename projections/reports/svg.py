"""Hand-written SVG: boxes of text, arrows, lines. Deterministic output, no plotting library.

A plotting library (matplotlib) would add a large dependency and embed its version and a
creation date in every file; the diagrams here are boxes, lines and text, so plain SVG is
enough and the same input always gives the same bytes.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

FONT = "font-family='Helvetica, Arial, sans-serif'"
FONT_SIZE = 12
LINE_HEIGHT = 16
PADDING = 8
CHAR_WIDTH = 6.4  # average width of a character at FONT_SIZE, for wrapping


def wrap(line: str, width: float, indent: int = 0) -> list[str]:
    """Wrap one line of text to a box width; continuation lines keep the indent."""
    chars = max(10, int((width - 2 * PADDING) / CHAR_WIDTH))
    prefix = " " * indent
    return textwrap.wrap(
        line.strip(), chars - indent, initial_indent=prefix, subsequent_indent=prefix + "  "
    ) or [prefix]


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    lines: tuple[tuple[str, int], ...]  # (text, indent level)

    @property
    def wrapped(self) -> list[str]:
        out: list[str] = []
        for text, indent in self.lines:
            out.extend(wrap(text, self.width, 2 * indent))
        return out

    @property
    def height(self) -> float:
        return 2 * PADDING + LINE_HEIGHT * len(self.wrapped)

    @property
    def bottom(self) -> float:
        return self.y + self.height

    @property
    def centre(self) -> float:
        return self.x + self.width / 2

    def moved_to(self, y: float) -> Box:
        return Box(self.x, y, self.width, self.lines)

    def svg(self) -> str:
        parts = [
            f"<rect x='{_n(self.x)}' y='{_n(self.y)}' width='{_n(self.width)}' "
            f"height='{_n(self.height)}' fill='white' stroke='black'/>"
        ]
        for number, text in enumerate(self.wrapped):
            baseline = self.y + PADDING + LINE_HEIGHT * number + FONT_SIZE
            parts.append(
                f"<text x='{_n(self.x + PADDING)}' y='{_n(baseline)}' xml:space='preserve'>"
                f"{escape(text)}</text>"
            )
        return "\n".join(parts)


def _n(value: float) -> str:
    """Numbers without float noise, so output is stable."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def arrow(x1: float, y1: float, x2: float, y2: float) -> str:
    return (
        f"<line x1='{_n(x1)}' y1='{_n(y1)}' x2='{_n(x2)}' y2='{_n(y2)}' stroke='black' "
        "marker-end='url(#arrow)'/>"
    )


def line(
    x1: float, y1: float, x2: float, y2: float, stroke: str = "black", width: float = 1
) -> str:
    return (
        f"<line x1='{_n(x1)}' y1='{_n(y1)}' x2='{_n(x2)}' y2='{_n(y2)}' stroke='{stroke}' "
        f"stroke-width='{_n(width)}'/>"
    )


def text(
    x: float,
    y: float,
    content: str,
    anchor: str = "start",
    size: int = FONT_SIZE,
    weight: str = "normal",
    fill: str = "black",
) -> str:
    return (
        f"<text x='{_n(x)}' y='{_n(y)}' text-anchor='{anchor}' font-size='{size}' "
        f"font-weight='{weight}' fill='{fill}'>{escape(content)}</text>"
    )


def vertical_text(x: float, y: float, content: str, size: int = 11) -> str:
    """Text read bottom to top (an axis label)."""
    return (
        f"<text x='{_n(x)}' y='{_n(y)}' text-anchor='middle' font-size='{size}' "
        f"transform='rotate(-90 {_n(x)} {_n(y)})'>{escape(content)}</text>"
    )


def polyline(points: list[tuple[float, float]], stroke: str) -> str:
    coordinates = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
    return f"<polyline points='{coordinates}' fill='none' stroke='{stroke}' stroke-width='2'/>"


def document(width: float, height: float, title: str, body: list[str]) -> str:
    return "\n".join(
        [
            "<?xml version='1.0' encoding='UTF-8'?>",
            f"<svg xmlns='http://www.w3.org/2000/svg' width='{_n(width)}' "
            f"height='{_n(height)}' viewBox='0 0 {_n(width)} {_n(height)}' {FONT} "
            f"font-size='{FONT_SIZE}' role='img' aria-label={quoteattr(title)}>",
            f"<title>{escape(title)}</title>",
            "<defs><marker id='arrow' viewBox='0 0 10 10' refX='10' refY='5' "
            "markerWidth='8' markerHeight='8' orient='auto-start-reverse'>"
            "<path d='M 0 0 L 10 5 L 0 10 z'/></marker></defs>",
            *body,
            "</svg>",
            "",
        ]
    )
