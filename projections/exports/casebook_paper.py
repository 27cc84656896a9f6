"""What one reader may see of one participant at a cut (`CasebookPaper`), apart from its
layout (casebook_pdf): the application fills it without loading the PDF library, which only
the commands and pages that print need."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

Row = Mapping[str, Any]


@dataclass(frozen=True)
class CasebookPaper:
    """What one reader may see of one participant at a cut, ready to print."""

    participant: Row  # the participant as the application shows them to this reader
    signatures: Sequence[Row]
    queries: Sequence[Row]
    trail: Sequence[Row]  # the participant's audit rows, in store order
    reader: str  # who the paper was made for: "name (role, site)"
    view: str  # "blinded" or "unblinded"
    as_of: int
    as_of_time: datetime
    chain_head: str | None = None

    @property
    def file_name(self) -> str:
        return f"casebook-{self.participant['screening_number']}-{self.as_of}.pdf"
