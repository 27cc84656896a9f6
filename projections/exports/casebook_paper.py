"""What one reader may see of one participant at a cut (`CasebookPaper`) and the site's clock
its times are printed in, apart from the layout (casebook_pdf): the application fills it
without loading the PDF library, which only the commands and pages that print need."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from domain.protocol import TIME_ZONE

Row = Mapping[str, Any]
SITE_ZONE = ZoneInfo(TIME_ZONE)


def local_time(moment: datetime | str | None) -> str:
    """A stored UTC time as the site reads it: Copenhagen time with the zone's name."""
    if moment is None or moment == "":
        return ""
    at = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return at.astimezone(SITE_ZONE).strftime("%Y-%m-%d %H:%M %Z")


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
