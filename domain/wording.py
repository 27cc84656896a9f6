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

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Self
from zoneinfo import ZoneInfo

from domain.protocol import TIME_ZONE

_SITE_ZONE = ZoneInfo(TIME_ZONE)


class Label(str):
    """The trial's wording (a form's, visit's or item's label): translated as eCRF text."""

    __slots__ = ()


class Word(str):
    """A code a page shows as words (`site_staff` as "site staff", translated as a page's
    word); the English text keeps the code as it is, as the API and the logs always said it."""

    __slots__ = ()

    def __new__(cls, code: Any) -> Self:
        return super().__new__(cls, str(code))


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


# How a stored message's holes keep their kind, so that a reader in another language gets the
# wording and words translated again (a log keeps a refusal's message for later readers).
_KINDS: dict[str, type[str]] = {"label": Label, "word": Word}


def message_record(text: str) -> tuple[str, dict[str, Any]] | None:
    """A message as a record keeps it (its id, and its holes as JSON-ready kind and value);
    None for text that is not a `Message`."""
    if not isinstance(text, Message):
        return None
    return text.msgid, {name: _hole_record(value) for name, value in text.params.items()}


def _hole_record(value: Any) -> dict[str, Any]:
    if isinstance(value, Message):
        msgid, params = message_record(value) or (str(value), {})
        return {"kind": "message", "id": msgid, "params": params}
    if isinstance(value, Moment):
        return {"kind": "moment", "value": value.at.isoformat()}
    if isinstance(value, Listing):
        parts = [_hole_record(part) for part in value.parts]
        return {"kind": "listing", "parts": parts, "separator": value.separator}
    for kind, cls in _KINDS.items():
        if isinstance(value, cls):
            return {"kind": kind, "value": str(value)}
    return {"kind": "value", "value": value if isinstance(value, int | float) else str(value)}


def message_from_record(text: str, msgid: str | None, params: Mapping[str, Any] | None) -> str:
    """The `Message` a record keeps, for its readers to read again in their language; `text`
    itself (the English as it was stored) when the record has no id, or when the id and holes
    no longer give that English: what was stored is what was refused."""
    rebuilt = _rebuilt(msgid, params) if msgid else None
    return rebuilt if rebuilt is not None and rebuilt == text else text


def _rebuilt(msgid: str, params: Mapping[str, Any] | None) -> Message | None:
    try:
        holes = {name: _hole(hole) for name, hole in (params or {}).items()}
        return Message(msgid, **holes)
    except (AttributeError, KeyError, TypeError, ValueError):
        return None


def _hole(record: Mapping[str, Any]) -> Any:
    kind, value = record.get("kind"), record.get("value")
    if kind == "message":
        nested = _rebuilt(str(record.get("id")), record.get("params"))
        if nested is None:
            raise ValueError("a message's hole does not fit its id")
        return nested
    if kind == "moment":
        return Moment(datetime.fromisoformat(str(value)))
    if kind == "listing":
        return Listing((_hole(part) for part in record["parts"]), str(record["separator"]))
    if kind in _KINDS:
        return _KINDS[kind](value)
    return value


class Listing(str):
    """Messages said one after another ("a; b"): a page says each in the reader's language."""

    parts: tuple[str, ...]
    separator: str

    def __new__(cls, parts: Iterable[str], separator: str = "; ") -> Self:
        listed = tuple(parts)
        self = super().__new__(cls, separator.join(listed))
        self.parts, self.separator = listed, separator
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (Listing, (self.parts, self.separator))
