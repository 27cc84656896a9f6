"""The data dictionary words its descriptions (domain.wording), so its page says them in the
reader's language from their parts, while its CSV stays the English it always was.

The CSV expectations in `expected/` are the dictionary as it stood before its descriptions were
worded; a deliberate change of the CRF or of a description changes them too (write them again
with `dictionary_csv` and read the difference)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import astuple, replace
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from domain.wording import Label, Listing, Message, Word
from projections.exports.casebook_words import ENGLISH
from projections.exports.cells import csv_row
from projections.exports.dictionary import COLUMNS, Entry, dictionary_csv, named_entries
from projections.exports.dictionary_page import said
from projections.exports.view import View
from web.i18n import po_path

EXPECTED = Path(__file__).parent / "expected"
# What a language would translate: a run of lower-case letters ("empty", but not "UUID").
WORDS = re.compile(r"[a-z]{2,}")


def _leaves(text: str) -> Iterator[str]:
    """The texts a description is said with: labels, messages (and their holes), words and
    plain text, listings opened."""
    if isinstance(text, Listing):
        for part in text.parts:
            yield from _leaves(part)
        return
    if text:
        yield text
    if isinstance(text, Message):
        for value in text.params.values():
            if isinstance(value, str):
                yield from _leaves(value)


def _described(entry: Entry) -> Iterator[tuple[str, str]]:
    """(column, leaf) of an entry's descriptions; of its codes, the labels (each code is shown
    as it is stored)."""
    for column in ("label", "required", "derivation", "note"):
        for leaf in _leaves(getattr(entry, column)):
            yield column, leaf
    codes = entry.codes
    pairs = codes.parts if isinstance(codes, Listing) else [codes] if codes else []
    for pair in pairs:
        label = pair.parts[-1] if isinstance(pair, Listing) and len(pair.parts) == 2 else pair
        code = pair.parts[0] if isinstance(pair, Listing) else ""
        if label != code:
            yield from (("codes", leaf) for leaf in _leaves(label))


@pytest.mark.parametrize("view", list(View))
def test_every_description_is_worded_or_reads_the_same_in_every_language(view: View) -> None:
    """A description written as plain English would stay English on the Danish page."""
    plain = [
        f"{entry.file}.{entry.item} {column}: {leaf!r}"
        for entry in named_entries(view)
        for column, leaf in _described(entry)
        if not isinstance(leaf, Label | Message | Word) and WORDS.search(leaf)
    ]
    assert plain == []


def _catalogue(domain: str) -> dict[str, str]:
    with po_path("da", domain).open("rb") as po:
        catalog = read_po(po, locale="da", domain=domain)
    return {
        str(message.id): str(message.string)
        for message in catalog
        if message.id and message.string and not message.fuzzy
    }


def test_every_label_message_and_word_of_the_dictionary_has_danish() -> None:
    """Each part in the catalogue it is looked up in: a label in the eCRF catalogue (reviewed
    by a clinician), a message's id and a word in the page catalogue."""
    crf, messages = _catalogue("crf"), _catalogue("messages")
    lacking: set[str] = set()
    seen: set[str] = set()
    for entry in named_entries(View.UNBLINDED):
        for column, leaf in _described(entry):
            if isinstance(leaf, Label):
                found = leaf in crf or not any(c.isalpha() for c in leaf)
                key = f"crf {leaf!r}"
            elif isinstance(leaf, Message):
                found, key = leaf.msgid in messages, f"messages {leaf.msgid!r}"
            elif isinstance(leaf, Word):
                words = leaf.replace("_", " ")
                found, key = words in messages, f"messages {words!r}"
            else:
                continue
            seen.add(key)
            if not found:
                lacking.add(f"{key} ({entry.file}.{entry.item} {column})")
    assert lacking == set()
    # The phrases built around an item's name are among them.
    assert "messages 'Missing-answer code of %(item)s'" in seen
    assert "messages 'empty when %(item)s has a value'" in seen


@pytest.mark.parametrize("view", list(View))
def test_the_csv_is_byte_for_byte_what_it_was(view: View) -> None:
    expected = (EXPECTED / f"dictionary-{view.value}.csv").read_bytes()
    assert dictionary_csv(view).encode("utf-8") == expected


@pytest.mark.parametrize("view", list(View))
def test_the_page_in_english_says_what_the_csv_says(view: View) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for entry in named_entries(view):
        english = replace(
            entry,
            **{
                column: said(getattr(entry, column), ENGLISH)
                for column in ("label", "codes", "required", "derivation", "note")
            },
        )
        writer.writerow(csv_row(astuple(english)))
    assert buffer.getvalue() == dictionary_csv(view)
