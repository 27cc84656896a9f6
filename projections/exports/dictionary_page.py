"""The data dictionary as a page for people, in the reader's language (the CSV stays English).

The dictionary words each description once (projections.exports.dictionary): the trial's
wording as labels, its own phrases as messages with their holes. The page says each from its
parts: a label through the eCRF catalogue, a message through the page catalogue with its holes
said in turn, an item name or a code as it is. `wording` lists the parts the catalogues need
(web.i18n_catalogue reads it through edc).
"""

from __future__ import annotations

import html
from collections.abc import Iterator

from domain.protocol import FORM_LABELS, STUDY_NAME
from domain.wording import Label, Listing, Message, Word
from projections.exports.casebook_words import ENGLISH, Words
from projections.exports.dictionary import ALL_FORMS, named_entries
from projections.exports.view import View

# The columns that hold descriptions, as the catalogue names where a phrase is from.
DESCRIBED = ("label", "codes", "required", "derivation", "note")


def said(text: str, w: Words) -> str:
    """A description in the reader's language; plain text (a code, a name, a range) as it is."""
    if isinstance(text, Message):
        message = w.gettext(text.msgid)
        if not text.params:
            return message
        return message % {name: said(value, w) for name, value in text.params.items()}
    if isinstance(text, Label):
        return w.crf(text)
    if isinstance(text, Word):
        return w.word(text)
    if isinstance(text, Listing):
        return text.separator.join(said(part, w) for part in text.parts)
    return text


def parts(text: str) -> Iterator[str]:
    """The labels, messages and words a description is said with, holes and listings opened."""
    if isinstance(text, Label | Word):
        yield text
    elif isinstance(text, Message):
        yield text
        for value in text.params.values():
            if isinstance(value, str):
                yield from parts(value)
    elif isinstance(text, Listing):
        for part in text.parts:
            yield from parts(part)


def wording() -> Iterator[tuple[str, str]]:
    """(part, column) for every label, message and word of the unblinded dictionary (the
    blinded one says a part of it), for the catalogues to list."""
    for entry in named_entries(View.UNBLINDED):
        for column in DESCRIBED:
            for part in parts(getattr(entry, column)):
                yield part, column


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
            said(entry.label, w),
            types.get(entry.type, entry.type),
            said(entry.codes, w),
            entry.range,
            said(entry.required, w),
            said(entry.derivation, w),
            said(entry.note, w),
            entry.short_name,
        )
        cells = "".join(f"<td>{html.escape(value)}</td>" for value in values)
        parts.append(f"<tr>{cells}</tr>")
    parts.append("</tbody></table></body></html>")
    return "\n".join(parts) + "\n"
