"""Finding English a page would show untranslated: in a template's own text, and on a page.

A template's text is what remains after every jinja2 expression, statement and comment is taken
out: text between tags and the attributes a person reads (aria-label, title, placeholder, alt).
Wrapped text (`_()`, `{% trans %}`) is an expression, so it is gone; what is left with a letter
in it is English nobody translates. String literals inside expressions that read as words (with
a space), are printed (`{{ }}`, not compared in `{% %}`) and are not the argument of `_()` are
reported too.
"""

from __future__ import annotations

import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import jinja2
from babel.messages.pofile import read_po

from domain import crf
from domain.protocol import STUDY_NAME
from web.i18n import DOMAINS, po_path

TEMPLATES = Path(__file__).parents[2] / "web" / "templates"
READ_ATTRIBUTES = frozenset({"aria-label", "title", "placeholder", "alt"})
# Names that are the same in every language.
PROPER_NAMES = ("Modic EDC", "NCT00454792", "Modic")
GETTEXT_NAMES = frozenset({"_", "gettext", "ngettext", "pgettext", "npgettext"})
LETTER = re.compile(r"[A-Za-zÆØÅæøå]")
HOLE = " "


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.extend(value for name, value in attrs if name in READ_ATTRIBUTES and value)

    def handle_data(self, data: str) -> None:
        self.found.append(data)


# Attributes a macro writes into a tag (`class="item" id="wrap-…"`) are markup, not text.
_ATTRIBUTES = re.compile(r'(\s*[\w-]+(="[^"]*")?\s*)+')


def _readable(text: str) -> str | None:
    if '="' in text and _ATTRIBUTES.fullmatch(text):
        return None
    for name in PROPER_NAMES:
        text = text.replace(name, "")
    text = text.replace(HOLE, " ").strip()
    return text if LETTER.search(text) else None


def unwrapped(source: str) -> list[str]:
    """The English text of one template that is not wrapped for translation."""
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    parts: list[str] = []
    literals: list[str] = []
    in_trans = in_output = False
    output: list[tuple[str, str]] = []
    for _line, kind, value in env.lex(source):
        if kind == "name" and value in ("trans", "pluralize"):
            in_trans = True
        elif kind == "name" and value == "endtrans":
            in_trans = False
        if kind == "variable_begin":
            in_output, output = True, []
        elif kind == "variable_end":
            in_output = False
            literals.extend(_printed_literals(output))
        elif in_output and kind != "whitespace":
            output.append((kind, value))
        if kind == "data" and not in_trans:
            parts.append(value)
        elif not parts or parts[-1] != HOLE:
            parts.append(HOLE)
    parser = _Text()
    parser.feed("".join(parts))
    parser.close()
    texts = [text for text in map(_readable, parser.found) if text]
    return texts + literals


# A literal next to these is compared or passed on, not printed.
_NOT_PRINTED = frozenset({"==", "!=", "in", "(", ",", "is"})


def _printed_literals(tokens: list[tuple[str, str]]) -> list[str]:
    found = []
    for i, (kind, value) in enumerate(tokens):
        if kind != "string" or " " not in value or not LETTER.search(value):
            continue
        before = tokens[i - 1][1] if i > 0 else ""
        after = tokens[i + 1][1] if i + 1 < len(tokens) else ""
        if before in _NOT_PRINTED or after in ("==", "!=", ","):
            continue
        found.append(value)
    return found


def template_names() -> list[str]:
    return sorted(path.name for path in TEMPLATES.glob("*.html"))


def visible_text(html: str) -> str:
    """What a person reads on a page: text and read attributes, without markup."""
    parser = _Text()
    parser.feed(re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S))
    parser.close()
    return " ".join(" ".join(parser.found).split())


# ---- English left on a page shown in Danish -------------------------------------------------

# The eCRF's codes spelt as words ("lost to follow-up"): stored values, the same in every
# language, shown where a code must be (the data dictionary's `code=label`). Their labels
# ("Lost to follow-up") are translated, and still caught here when they are not.
WORD_CODES = tuple(
    sorted(
        {
            str(code)
            for specs in (*crf.ITEMS.values(), *crf.DERIVED.values())
            for spec in specs
            for code, _label in spec.codes
            if " " in str(code)
        },
        key=len,
        reverse=True,
    )
)
# What stays the same in Danish: the trial's registered title, names of standards and units.
ALLOWED_ENGLISH = (
    STUDY_NAME,
    *WORD_CODES,
    *PROPER_NAMES,
    "EQ-5D",
    "Roland-Morris",
    "ODM",
    "CSV",
    "JSON",
)
_WORD = re.compile(r"[A-Za-zÆØÅæøåÉé]+(?:['\u2019-][A-Za-zÆØÅæøå]+)*|\S")


@cache
def _vocabularies() -> tuple[frozenset[str], frozenset[str]]:
    """The words of the catalogues' English that their Danish never uses, and the words both
    use ("for", "status")."""
    english: set[str] = set()
    danish: set[str] = set()
    for domain in DOMAINS:
        with po_path("da", domain).open("rb") as po:
            for message in read_po(po, locale="da", domain=domain):
                ids = message.id if isinstance(message.id, tuple) else (message.id,)
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                for text in ids:
                    english.update(w.lower() for w in _words(re.sub(r"%\(\w+\)s", " ", text)))
                for text in strings:
                    danish.update(w.lower() for w in _words(re.sub(r"%\(\w+\)s", " ", text or "")))
    return frozenset(english - danish), frozenset(english & danish)


def _words(text: str) -> list[str]:
    return [token for token in _WORD.findall(text) if LETTER.match(token)]


def english_runs(text: str, typed: tuple[str, ...] = ()) -> list[str]:
    """Runs of words holding two or more English words (words of the catalogues' English that
    their Danish never uses; words both languages use, such as "for" or "status", may join a
    run but do not count) in a page's visible text: what a Danish reader meets untranslated.
    Codes (item names, ALL CAPS), the allowed names and what people typed are left out."""
    for allowed in (*ALLOWED_ENGLISH, *typed):
        text = text.replace(allowed, " ")
    english, shared = _vocabularies()
    runs: set[str] = set()
    run: list[str] = []
    count = 0
    for token in [*_WORD.findall(text), "."]:
        word = token.lower()
        is_code = (token.isupper() and len(token) > 1) or "_" in token
        if LETTER.match(token) and not is_code and (word in english or word in shared):
            run.append(token)
            count += word in english
            continue
        if count >= 2:
            runs.add(" ".join(run))
        run, count = [], 0
    return sorted(runs)
