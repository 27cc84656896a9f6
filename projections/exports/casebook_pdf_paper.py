"""The paper every casebook PDF is printed on: A4, the repository's DejaVu Sans, a footer.

fpdf2 lays out the pages (pure Python, installs from PyPI with no system library). The PDF core
fonts cover Latin-1 only, so the font is DejaVu Sans, shipped in `fonts/` with its licence: it
has the Danish letters and the arrows item histories are written with. The creation date is the
time of the last event the document includes, so the same cut always gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

FONT_DIR = Path(__file__).with_name("fonts")
FAMILY = "DejaVu"
ARROW = "\u2192"
HEADING_FILL = (226, 232, 240)


class Paper(FPDF):
    """An A4 page with the document's title in the header and its cut in the footer."""

    def __init__(
        self, title: str, footer: str, created: datetime, page: str = "page", lang: str = "en"
    ) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.document_title = title
        self.footer_text = footer
        self.page_word = page
        self.set_lang(lang)
        self.add_font(FAMILY, "", FONT_DIR / "DejaVuSans.ttf")
        self.add_font(FAMILY, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
        self.set_creation_date(created)
        self.set_title(title)
        self.set_author("Modic EDC")
        self.set_creator("Modic EDC")
        self.set_producer("Modic EDC (fpdf2)")
        self.set_auto_page_break(auto=True, margin=16)
        self.set_margins(14, 14, 14)
        self.alias_nb_pages()

    def header(self) -> None:
        self.set_font(FAMILY, "", 7)
        self.set_text_color(90, 90, 90)
        self.cell(0, 4, self.document_title, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.ln(1)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, "", 7)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, f"{self.footer_text} · {self.page_word} {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0, 0, 0)

    # ---- building blocks ------------------------------------------------------------------

    def title_block(self, title: str, lines: Sequence[str]) -> None:
        self.set_font(FAMILY, "B", 15)
        self.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FAMILY, "", 9)
        for line in lines:
            self.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def heading(self, text: str, size: int = 11) -> None:
        if self.will_page_break(20):
            self.add_page()
        self.ln(2)
        # Each heading is also a bookmark, so a reader jumps to a form from the outline.
        self.start_section(text)
        self.set_font(FAMILY, "B", size)
        self.set_fill_color(*HEADING_FILL)
        self.multi_cell(0, 6, text, fill=True, new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def note(self, text: str) -> None:
        self.set_font(FAMILY, "", 8)
        self.multi_cell(0, 4.5, text, align="L", new_x="LMARGIN", new_y="NEXT")

    def rows(
        self,
        header: Sequence[str],
        body: Sequence[Sequence[str]],
        widths: Sequence[float],
        size: float = 7.5,
    ) -> None:
        """A table with a repeated header row; long cells wrap."""
        if not body:
            return
        self.set_font(FAMILY, "", size)
        bold = FontFace(family=FAMILY, emphasis="BOLD", fill_color=HEADING_FILL)
        with self.table(
            col_widths=tuple(widths),
            text_align="LEFT",
            line_height=size * 0.55,
            headings_style=bold,
            repeat_headings=1,
        ) as table:
            table.row(list(header))
            for values in body:
                table.row([str(value) for value in values])
        self.ln(2)

    def bytes(self) -> bytes:
        return bytes(self.output())
