"""The free-text rule: which characters a person may type into any text the trial keeps.

Every free text (CRF text items, account names and sites, query texts and answers, reasons for
change, lock, unlock and unblinding reasons, signature meanings) is checked here at entry, so
one rule holds everywhere:

- control characters are refused: C0 (U+0000-U+001F), DEL and C1 (U+007F-U+009F); a text that
  allows several lines keeps TAB and line breaks (a CR LF or lone CR becomes LF);
- lone surrogates (U+D800-U+DFFF, which no UTF-8 file can hold) and the noncharacters
  U+FFFE and U+FFFF are refused;
- bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) are
  refused: they make a text read differently from what is stored.

Stores written before the rule (or through any other path) may still hold such characters, so
exports do not rely on it: `for_export` replaces what an XML or UTF-8 file cannot hold. The log
of refused commands keeps what broke the rule with every refused character replaced
(`refused_replaced`), as does a page echoing a typed filter.
"""

from __future__ import annotations

import re

from domain.errors import FormInvalid
from domain.wording import Message, Word

# What no text may hold, line breaks and TAB included (single-line texts).
_REFUSED_SINGLE_LINE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff\ud800-\udfff]"
)
# The same, with TAB and LF allowed (multi-line texts, after CR LF became LF).
_REFUSED_MULTI_LINE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff\ud800-\udfff]"
)
# What an XML 1.0 document or a UTF-8 file cannot hold at all.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
REPLACEMENT = "\ufffd"

_KINDS = (
    (re.compile("[\ud800-\udfff]"), Message("an unpaired surrogate code")),
    (re.compile("[\u202a-\u202e\u2066-\u2069]"), Message("a bidirectional override")),
    (re.compile("[\ufffe\uffff]"), Message("a noncharacter")),
)


def _kind(character: str) -> Message:
    for pattern, kind in _KINDS:
        if pattern.fullmatch(character):
            return kind
    if character in "\t\n\r":
        return Message("a tab or line break")
    return Message("a control character")


def normalise_line_breaks(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def text_problem(text: str, *, multiline: bool = False) -> str | None:
    """Why `text` may not be stored (one sentence), or None when it may."""
    pattern = _REFUSED_MULTI_LINE if multiline else _REFUSED_SINGLE_LINE
    found = pattern.search(normalise_line_breaks(text) if multiline else text)
    if found is None:
        return None
    character = found.group()
    code = f"U+{ord(character):04X}"
    return Message(
        "Contains %(kind)s (%(code)s) at position %(position)s; remove it and type the text again.",
        kind=_kind(character),
        code=code,
        position=found.start() + 1,
    )


def checked_text(text: str, *, multiline: bool = False) -> str:
    """`text` as it may be stored (line breaks made LF); ValueError with the problem if not.

    The ValueError form lets pydantic models use the rule as a validator.
    """
    problem = text_problem(text, multiline=multiline)
    if problem is not None:
        raise ValueError(problem)
    return normalise_line_breaks(text) if multiline else text


def require_text(text: str, field: str, *, multiline: bool = False) -> str:
    """`checked_text` for a use case: FormInvalid naming `field` when the text is refused."""
    problem = text_problem(text, multiline=multiline)
    if problem is not None:
        raise FormInvalid({field: problem}, field_problem(field, problem))
    return normalise_line_breaks(text) if multiline else text


def field_problem(field: str, problem: str) -> Message:
    """A refused field's problem, named by the field ("Reason text: ...")."""
    what = field.replace("_", " ")
    return Message(
        "%(field)s: %(problem)s", field=Word(what[0].upper() + what[1:]), problem=problem
    )


def for_export(text: str) -> str:
    """`text` with every character an XML 1.0 or UTF-8 file cannot hold replaced by U+FFFD.

    Used by the export writers, so a value stored before the rule (or by any other path)
    never makes an export fail; texts that follow the rule come out unchanged.
    """
    return _UNWRITABLE.sub(REPLACEMENT, text)


def refused_replaced(text: str) -> str:
    """`text` with every character the rule refuses (a control character, a bidirectional
    override, one no file can hold) replaced by U+FFFD; TAB and line breaks stay. For text
    kept or shown as it was sent although it broke the rule (a refused command in the log, a
    filter typed into a page), so that it never reorders or rewrites a reader's screen."""
    return _REFUSED_MULTI_LINE.sub(REPLACEMENT, normalise_line_breaks(text))


def has_unwritable(text: str) -> bool:
    return _UNWRITABLE.search(text) is not None
