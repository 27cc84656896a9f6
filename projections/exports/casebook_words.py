"""The words a casebook on paper is printed in: English here, the reader's language from the web.

The layouts (casebook_pdf*.py) write every phrase once, in English, through a `Words`; the web
passes its own (web.i18n.PageWords), which looks the phrase up in the Babel catalogues and
writes dates as the reader's language does. The phrases are marked by the `gettext` and
`ngettext` calls, which the catalogue's extraction (web.i18n_catalogue) reads in these files.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol

from projections.exports.casebook_paper import local_time


class Words(Protocol):
    lang: str

    def gettext(self, message: str) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int) -> str: ...

    def crf(self, message: str) -> str:
        """The trial's wording (item, code, form and visit labels): the `crf` catalogue."""
        ...

    def word(self, code: Any) -> str:
        """A code such as `site_staff` or `randomised` as words."""
        ...

    def time(self, moment: datetime | str | None) -> str: ...

    def date(self, day: date | str | None) -> str: ...


class English:
    """The source language: every phrase as written."""

    lang = "en"

    def gettext(self, message: str) -> str:
        return message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return singular if n == 1 else plural

    def crf(self, message: str) -> str:
        return message

    def word(self, code: Any) -> str:
        return "" if code is None else str(code).replace("_", " ")

    def time(self, moment: datetime | str | None) -> str:
        return local_time(moment)

    def date(self, day: date | str | None) -> str:
        return "" if day is None else str(day)


ENGLISH = English()
