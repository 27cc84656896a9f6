"""The audit trail's words (edc/audit/rendering.py) for the `messages` catalogue.

The trail words its events, reasons, forms and visits in one place, in English, outside the web
layer; a page shows them through `gettext`. Babel cannot find phrases held in a mapping, so the
catalogue takes them from here.
"""

from __future__ import annotations

from collections.abc import Iterator

from edc.audit.rendering import all_words


def audit_phrases() -> Iterator[tuple[str, str]]:
    """(phrase, where it comes from) for every phrase the trail may show."""
    for phrase in all_words():
        yield phrase, "edc/audit/rendering.py"
