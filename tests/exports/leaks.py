"""Finding arm-revealing content in bytes: what a blinded reader must never be given.

Searched for: the arm codes as words (`exercise`, `rest`) and their labels, the adherence
form and its item names, the allocation item and form, the names of arm-revealing event
types, and an `ARM` column. The trial's public title names both arms ("Rest versus exercise
..."), so it is removed before the search.
"""

from __future__ import annotations

import re

from domain.crf import ITEMS
from domain.protocol import ARM_LABELS, STUDY_NAME

ARM_WORDS = re.compile(r"\b(exercise|rest)\b", re.IGNORECASE)
ARM_COLUMN = re.compile(r"(^|,)ARM(,|\r?$)", re.MULTILINE)
TOKENS = (
    *ARM_LABELS.values(),
    *(spec.name for spec in ITEMS["adherence"]),
    "adherence",
    "I.ARM",
    "F.ALLOCATION",
    "Allocation.",
    "ArmRevealed",
    "Allocated to",
)


def arm_revealing(data: bytes) -> list[str]:
    """Every arm-revealing thing found in `data` (empty when there is none)."""
    text = data.decode("utf-8", errors="replace").replace(STUDY_NAME, "")
    found = [f"arm name {m.group()!r} at {m.start()}" for m in ARM_WORDS.finditer(text)]
    lowered = text.lower()
    found += [f"{token!r}" for token in TOKENS if token.lower() in lowered]
    if ARM_COLUMN.search(text):
        found.append("an ARM column")
    return found
