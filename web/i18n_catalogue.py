"""Keeping the catalogues complete: what must be translated, and the command that updates the .po.

`python -m web.i18n_catalogue` extracts every marked string with Babel (templates through
jinja2's extractor; the web layer's Python through `_`, `gettext`, `ngettext`, `pgettext`,
`npgettext` and `N_`), collects the eCRF's wording from `domain.crf` for the `crf` domain, and
merges both into `web/translations/<lang>/LC_MESSAGES/*.po`: new strings are added with an
empty translation, translations of strings still in use are kept, and strings no longer used
are dropped. `--check` changes nothing and exits 1 naming each string without a translation.
The test suite runs the same check (tests/web/test_i18n_catalogue.py).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from domain import crf, protocol, visit_records
from domain.crf.eligibility import CRITERIA
from domain.crf.missing import MISSING_CODE_LABELS
from domain.wording import Label, Message, Word
from edc.permissions import Action
from edc.usecases.downloads import dictionary_wording
from edc.usecases.reads import COLUMNS
from web.i18n import LANGUAGES, SOURCE_LANGUAGE, po_path
from web.i18n_audit import audit_phrases

ROOT = Path(__file__).parent.parent
METHOD_MAP = [
    ("web/templates/**.html", "jinja2.ext:babel_extract"),
    ("web/**.py", "python"),
    # The casebook PDFs word their phrases through `w.gettext` (projections.exports.casebook_words).
    ("projections/exports/casebook_pdf.py", "python"),
    ("projections/exports/casebook_pdf_*.py", "python"),
    # The reports and the data dictionary written as pages for people, through `w.gettext`.
    ("projections/reports/output.py", "python"),
    ("projections/exports/dictionary_page.py", "python"),
    # Messages the domain and the use cases word with their holes (domain.wording.Message).
    ("domain/**.py", "python"),
    ("edc/**.py", "python"),
]
OPTIONS_MAP = {"web/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
KEYWORDS: dict[str, tuple[int | tuple[int, str], ...] | None] = {
    "_": None,
    "gettext": None,
    "N_": None,
    "Message": None,
    # A code or phrase a message names in words (domain.wording.Word), when given literally.
    "Word": None,
    "Missing": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
}
COMMENT_TAGS = ("Translators:",)
# Every entry of the `crf` domain is the trial's clinical wording: its Danish must be checked by
# a Danish-speaking clinician before it is used with patients. The translator comment says so
# until a clinician replaces it with "clinical review: done (NAME, DATE)".
CLINICAL_REVIEW = "clinical review: needed (a Danish-speaking clinician)"
CLINICAL_REVIEW_PREFIX = "clinical review:"
MessageId = str | tuple[str, ...]


@dataclass(frozen=True)
class Found:
    msgid: MessageId
    context: str | None
    where: str  # file:line, or the item it came from


def ui_messages() -> Iterator[Found]:
    """Every string marked for translation in the templates and the web layer's Python."""
    for filename, lineno, message, _comments, context in extract_from_dir(
        ROOT,
        METHOD_MAP,
        OPTIONS_MAP,
        keywords=KEYWORDS,
        comment_tags=COMMENT_TAGS,
        strip_comment_tags=True,
    ):
        if isinstance(message, tuple) and len(message) == 1:
            message = message[0]
        yield Found(message, context, f"{filename}:{lineno}")


def crf_messages() -> Iterator[Found]:
    """The eCRF's wording as the pages show it: labels, code labels, notes, conditions."""
    for form, specs in [*crf.ITEMS.items(), *crf.DERIVED.items()]:
        for spec in specs:
            where = f"{form}.{spec.name}"
            for text in (spec.label, spec.note, spec.required_when or ""):
                if text:
                    yield Found(text, None, where)
            for code, label in spec.codes:
                # Every label a person reads is in the catalogue, those spelt as their code too
                # ("lost to follow-up"); a label without a letter ("0") reads the same anywhere.
                if any(c.isalpha() for c in label):
                    yield Found(label, None, f"{where}={code}")
    for code, label in MISSING_CODE_LABELS.items():
        yield Found(label, None, f"missing code {code.value}")
    for name, text in CRITERIA.items():
        yield Found(text, None, f"eligibility criterion {name}")
    for where, labels in TRIAL_LABELS.items():
        for key, label in labels.items():
            yield Found(label, None, f"{where} {key}")
    for visit in protocol.VISITS:
        yield Found(visit.label, None, f"visit {visit.key}")
    # The data dictionary's own labels (its files' key columns, the allocation's columns).
    for part, column in dictionary_wording():
        if isinstance(part, Label) and any(c.isalpha() for c in part):
            yield Found(str(part), None, f"data dictionary {column}")


# The trial's other wording that pages show (`{{ label | crf }}`).
TRIAL_LABELS: dict[str, dict[str, str]] = {
    "form": protocol.FORM_LABELS,
    "reason for change": {str(code): label for code, label in protocol.REASON_LABELS.items()},
    "missed visit reason": {
        str(code): label for code, label in visit_records.MISSED_REASON_LABELS.items()
    },
    "deviation kind": {
        str(code): label for code, label in visit_records.DEVIATION_KIND_LABELS.items()
    },
    "participant list column": dict(COLUMNS),
}


def page_messages() -> Iterator[Found]:
    """The `messages` domain: marked strings, the audit trail's words (web.i18n_audit), and
    the actions a role may be refused, which a refusal names (edc.permissions)."""
    yield from ui_messages()
    for phrase, where in audit_phrases():
        yield Found(phrase, None, where)
    # The data dictionary's phrases, which its builders word as messages (some with a
    # variable id, such as exports.cells' rule for formula-like text), and the words of holes.
    for part, column in dictionary_wording():
        if isinstance(part, Message):
            yield Found(part.msgid, None, f"data dictionary {column}")
        elif isinstance(part, Word):
            yield Found(part.replace("_", " "), None, f"data dictionary {column}")
    for action in Action:
        yield Found(action.value, None, "edc/permissions.py")


SOURCES = {"messages": page_messages, "crf": crf_messages}


def template(domain: str) -> Catalog:
    """The catalogue template (.pot) of `domain`: every msgid with where it is used."""
    catalog = Catalog(domain=domain, project="Modic EDC", fuzzy=False)
    for found in SOURCES[domain]():
        if domain == "crf" and catalog.get(found.msgid, context=found.context) is not None:
            continue  # the first item using a label says where it comes from; "Yes" is many
        path, _, line = found.where.partition(":")
        catalog.add(
            found.msgid,
            locations=[(path, int(line) if line.isdigit() else None)],  # type: ignore[list-item]
            context=found.context,
        )
    return catalog


def read(lang: str, domain: str) -> Catalog:
    path = po_path(lang, domain)
    if not path.exists():
        return Catalog(
            locale=lang,
            domain=domain,
            project="Modic EDC",
            version="1",
            copyright_holder="Modic EDC",
            msgid_bugs_address="",
            fuzzy=False,
        )
    with path.open("rb") as po:
        return read_po(po, locale=lang, domain=domain)


def untranslated(lang: str, domain: str) -> list[Found]:
    """The strings in use that have no (non-fuzzy) translation in `lang`'s catalogue."""
    catalog = read(lang, domain)
    missing, seen = [], set()
    for found in SOURCES[domain]():
        if (found.msgid, found.context) in seen:
            continue
        seen.add((found.msgid, found.context))
        message = catalog.get(found.msgid, context=found.context)
        if message is None or message.fuzzy or not _complete(message.string):
            missing.append(found)
    return missing


def _complete(string: str | Iterable[str] | None) -> bool:
    if string is None:
        return False
    if isinstance(string, str):
        return bool(string.strip())
    return all(part.strip() for part in string)


def update(lang: str, domain: str) -> int:
    """Merge the template into `lang`'s catalogue; returns how many strings still lack Danish."""
    catalog = read(lang, domain)
    pot = template(domain)
    # The header stays as it is, so that two people updating the catalogue do not conflict.
    pot.creation_date = catalog.creation_date
    catalog.update(pot, no_fuzzy_matching=True)
    catalog.obsolete.clear()
    if domain == "crf":
        for message in catalog:
            if message.id and not any(
                c.startswith(CLINICAL_REVIEW_PREFIX) for c in message.user_comments
            ):
                message.user_comments.append(CLINICAL_REVIEW)
    path = po_path(lang, domain)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as po:
        write_po(po, catalog, width=100, sort_output=True, include_lineno=False)
    return len(untranslated(lang, domain))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; list what lacks")
    args = parser.parse_args(argv)
    status = 0
    for lang in LANGUAGES:
        if lang == SOURCE_LANGUAGE:
            continue
        for domain in SOURCES:
            if args.check:
                for found in untranslated(lang, domain):
                    print(f"{lang}/{domain}: {found.msgid!r} ({found.where})")
                    status = 1
            else:
                left = update(lang, domain)
                print(f"{po_path(lang, domain).relative_to(ROOT)}: {left} without a translation")
    return status


if __name__ == "__main__":
    sys.exit(main())
