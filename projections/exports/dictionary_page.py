"""The data dictionary as a page for people, in the reader's language (the CSV stays English).

The dictionary describes each column once, in English (projections.exports.dictionary). Its page
says each description in the reader's language: the trial's wording (item, code, form and visit
labels, notes) through the eCRF catalogue, the dictionary's own phrases through the page
catalogue, and the phrases built around an item's name ("empty when LBP_NOW has a value") as
one catalogue entry with the name as its hole. Item names, codes, OIDs and ranges stay as they
are. `phrases` lists what the catalogue needs (web.i18n_catalogue reads it through edc).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator

from domain.protocol import FORM_LABELS, STUDY_NAME
from projections.exports.casebook_words import ENGLISH, Words
from projections.exports.dictionary import ALL_FORMS, named_entries
from projections.exports.view import View

# A description built around a name: (its pattern, how the hole is worded).
Hole = Callable[[str, Words], str]


def _as_is(value: str, w: Words) -> str:
    return value


def _word(value: str, w: Words) -> str:
    return w.word(value)


def _phrase(value: str, w: Words) -> str:
    return worded(value, w)


def _patterns(w: Words) -> list[tuple[re.Pattern[str], str, dict[str, Hole]]]:
    # Each English form here is also the catalogue's message id (`w.gettext` marks it).
    return [
        (
            re.compile(r"Missing-answer code of (?P<item>\w+)"),
            w.gettext("Missing-answer code of %(item)s"),
            {"item": _as_is},
        ),
        (
            re.compile(r"empty when (?P<item>\w+) has a value"),
            w.gettext("empty when %(item)s has a value"),
            {"item": _as_is},
        ),
        (
            re.compile(r"Minimisation factor (?P<factor>[a-z ]+) at randomisation"),
            w.gettext("Minimisation factor %(factor)s at randomisation"),
            {"factor": _phrase},
        ),
        (
            re.compile(r"Minimisation factor (?P<factor>[a-z ]+) as the decision used it"),
            w.gettext("Minimisation factor %(factor)s as the decision used it"),
            {"factor": _phrase},
        ),
        (
            re.compile(r"Imbalance score if allocated to (?P<arm>\w+)"),
            w.gettext("Imbalance score if allocated to %(arm)s"),
            {"arm": _word},
        ),
        (
            re.compile(r"when (?P<condition>.+)"),
            w.gettext("when %(condition)s"),
            {"condition": _phrase},
        ),
    ]


def worded(text: str, w: Words) -> str:
    """One description in the reader's language; what no catalogue knows is kept as written
    (a code, a name, a range)."""
    if not text:
        return text
    for translated in (w.crf(text), w.gettext(text)):
        if translated != text:
            return translated
    for pattern, message, holes in _patterns(w):
        if found := pattern.fullmatch(text):
            return message % {name: holes[name](found[name], w) for name in holes}
    if "; " in text:
        return "; ".join(worded(part, w) for part in text.split("; "))
    return text


def codes_worded(codes: str, w: Words) -> str:
    """`code=label; ...` with each label in the reader's language and each code as it is."""
    if not codes:
        return codes
    pairs = (pair.partition("=") for pair in codes.split("; "))
    # A label spelt as its code (a minimisation level) is the code.
    return "; ".join(
        f"{code}{eq}{label if label == code else worded(label, w)}" for code, eq, label in pairs
    )


_WORDS = re.compile(r"[a-z]{2,}")


def phrases(known: Callable[[str], bool] = lambda text: False) -> Iterator[tuple[str, str]]:
    """(phrase, column) for every English phrase of the unblinded dictionary that its page
    translates: labels, code labels, requirements, derivations and notes, split where the
    page splits them and with the names taken out where a pattern holds them. Phrases
    without a word (a range, "UUID") read the same in every language and are left out, and
    so are the `known` ones (the trial's wording, whole), which the page finds as they are."""
    found: dict[str, str] = {}

    def add(text: str, column: str) -> None:
        if not text or known(text):
            return
        for pattern, _message, holes in _patterns(ENGLISH):
            if hit := pattern.fullmatch(text):
                for name, hole in holes.items():
                    if hole is _phrase:
                        add(hit[name], column)
                return
        if "; " in text:
            for part in text.split("; "):
                add(part, column)
            return
        if _WORDS.search(text):
            found.setdefault(text, column)

    for entry in named_entries(View.UNBLINDED):
        add(entry.label, "label")
        add(entry.required, "required")
        add(entry.derivation, "derivation")
        add(entry.note, "note")
        for code, _eq, label in (p.partition("=") for p in entry.codes.split("; ") if p):
            if label != code:
                add(label, "codes")
    yield from found.items()


def dictionary_html(view: View, w: Words = ENGLISH) -> str:
    """A self-contained HTML page: one table per file, in protocol order, in the reader's
    language; item names, codes and ranges as they are."""
    title = w.gettext("Data dictionary (%(view)s view)") % {"view": w.word(view.value)}
    headings = (
        w.gettext("item"),
        w.gettext("label"),
        w.gettext("type"),
        w.gettext("codes"),
        w.gettext("range"),
        w.gettext("required"),
        w.gettext("derivation"),
        w.gettext("note"),
        w.gettext("short name"),
    )
    types = {
        "text": w.gettext("text"),
        "code": w.gettext("code"),
        "codes": w.gettext("codes"),
        "yesno": w.gettext("yes/no"),
        "integer": w.gettext("whole number"),
        "float": w.gettext("decimal number"),
        "date": w.gettext("date"),
    }
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{html.escape(w.lang)}"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;"
        "margin-bottom:2em}th,td{border:1px solid #999;padding:.25em .5em;text-align:left;"
        "vertical-align:top}th{background:#eee}</style>",
        "</head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{html.escape(STUDY_NAME)}</p>",
    ]
    current = None
    for entry in named_entries(view):
        if entry.file != current:
            if current is not None:
                parts.append("</tbody></table>")
            current = entry.file
            if entry.file == ALL_FORMS:
                heading = w.gettext("(every form file)")
            else:
                heading = w.crf(FORM_LABELS.get(entry.file, entry.file))
            file_name = heading if entry.file == ALL_FORMS else f"{entry.file}.csv"
            parts.append(
                f"<h2>{html.escape(heading)} <small>({html.escape(file_name)})</small></h2>"
                if entry.file != ALL_FORMS
                else f"<h2>{html.escape(heading)}</h2>"
            )
            parts.append("<table><thead><tr>")
            parts.extend(f'<th scope="col">{html.escape(c)}</th>' for c in headings)
            parts.append("</tr></thead><tbody>")
        values = (
            entry.item,
            worded(entry.label, w),
            types.get(entry.type, entry.type),
            codes_worded(entry.codes, w),
            entry.range,
            worded(entry.required, w),
            worded(entry.derivation, w),
            worded(entry.note, w),
            entry.short_name,
        )
        cells = "".join(f"<td>{html.escape(value)}</td>" for value in values)
        parts.append(f"<tr>{cells}</tr>")
    parts.append("</tbody></table></body></html>")
    return "\n".join(parts) + "\n"
