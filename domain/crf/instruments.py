"""The validated wording of the instruments (RMDQ statements, EQ-5D levels), as a site gives it.

The product ships short neutral labels of its own (domain.crf.items); the validated wording is
licensed text that a site fills into one file (`EDC_INSTRUMENT_WORDING`). Here its content is
checked: every key names a questionnaire item, every value is a non-empty text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.crf.missing import MISSING_CODE_ITEMS

WORDING_MAX_LENGTH = 1000
KNOWN_ITEMS = frozenset(name for names in MISSING_CODE_ITEMS.values() for name in names)


class WordingInvalid(ValueError):
    """The site's wording file does not say what it must; the message says what is wrong."""


def parse_wording(data: Mapping[str, Any]) -> dict[str, str]:
    """The wording by item name from a file's content: `{"items": {"RMDQ_01": "...", ...}}`."""
    items = data.get("items")
    if not isinstance(items, Mapping):
        raise WordingInvalid('The wording file needs an [items] table: ITEM = "wording".')
    unknown = sorted(str(name) for name in items if name not in KNOWN_ITEMS)
    if unknown:
        raise WordingInvalid(f"The wording file names unknown items: {', '.join(unknown)}.")
    bad = sorted(
        str(name)
        for name, text in items.items()
        if not isinstance(text, str) or not text.strip() or len(text) > WORDING_MAX_LENGTH
    )
    if bad:
        raise WordingInvalid(
            f"The wording of {', '.join(bad)} must be text of 1 to {WORDING_MAX_LENGTH} characters."
        )
    return {str(name): text.strip() for name, text in items.items()}
