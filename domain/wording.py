"""Messages the domain words once, in English, and a page says in the reader's language.

A `Message` is the English text itself (a `str`: the JSON API, the command line and the logs
show it as they always did) that also carries its message id, the English with `%(name)s`
holes, and the values of the holes. The web looks the id up in its catalogue and fills the holes
in, so no message is parsed back into its parts. A hole's value is shown as given (a level
code, a screening number, a user's name), unless it is a `Label` (the trial's wording, such as a
form's name, translated through the eCRF catalogue) or a `Word` (a code shown as words, such as
a state or an arm). The catalogue finds the ids by the `Message(` and `Missing(` calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Self
from zoneinfo import ZoneInfo

from domain.protocol import TIME_ZONE

_SITE_ZONE = ZoneInfo(TIME_ZONE)


class Label(str):
    """The trial's wording (a form's, visit's or item's label): translated as eCRF text."""

    __slots__ = ()


class Word(str):
    """A code shown as words (`site_staff` as "site staff"): translated as a page's word."""

    __slots__ = ()

    def __new__(cls, code: Any) -> Self:
        return super().__new__(cls, str(code).replace("_", " "))


class Moment(str):
    """A time as the site reads it (Copenhagen time with the zone); a page writes `at` in the
    reader's language."""

    at: datetime

    def __new__(cls, at: datetime) -> Self:
        self = super().__new__(cls, at.astimezone(_SITE_ZONE).strftime("%Y-%m-%d %H:%M %Z"))
        self.at = at
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (Moment, (self.at,))


class Message(str):
    """English text with its message id and the values of its holes."""

    msgid: str
    params: Mapping[str, Any]

    def __new__(cls, msgid: str, /, **params: Any) -> Self:
        self = super().__new__(cls, msgid % params if params else msgid)
        self.msgid = msgid
        self.params = params
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.msgid, dict(self.params)))


def _rebuild(cls: type[Message], msgid: str, params: dict[str, Any]) -> Message:
    return cls(msgid, **params)
