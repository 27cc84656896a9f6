"""The Danish catalogues are complete: every string marked for translation has Danish, every
template's text is marked, and the clinical wording says it awaits a clinician's review."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from domain import crf
from tests.web.untranslated import TEMPLATES, template_names, unwrapped
from web.i18n import po_path
from web.i18n_catalogue import CLINICAL_REVIEW_PREFIX, SOURCES, untranslated

# Templates not yet wrapped for translation; each one wrapped leaves the list (and a template
# on it that no longer holds English makes the last test fail, so the list only shrinks).
NOT_YET_WRAPPED: frozenset[str] = frozenset()


@pytest.mark.parametrize("domain", sorted(SOURCES))
def test_every_marked_string_has_danish(domain: str) -> None:
    missing = [f"{found.msgid!r} ({found.where})" for found in untranslated("da", domain)]
    assert missing == [], (
        "Strings without Danish; run `.venv/bin/python -m web.i18n_catalogue` and fill in "
        f"msgstr in {po_path('da', domain)}:\n" + "\n".join(missing)
    )


def test_every_code_label_of_every_crf_item_has_danish() -> None:
    """Labels spelt as their code ("lost to follow-up", "L4/L5") too: a page shows the label."""
    with po_path("da", "crf").open("rb") as po:
        catalog = read_po(po, locale="da", domain="crf")
    lacking = [
        f"{form}.{spec.name}={code}: {label!r}"
        for form, specs in [*crf.ITEMS.items(), *crf.DERIVED.items()]
        for spec in specs
        for code, label in spec.codes
        if any(c.isalpha() for c in label)
        and ((message := catalog.get(label)) is None or not message.string or message.fuzzy)
    ]
    assert lacking == []


def test_translations_keep_the_placeholders() -> None:
    # Only the `messages` domain is %-formatted; eCRF labels are shown as written ("25% of").
    with po_path("da", "messages").open("rb") as po:
        catalog = read_po(po, locale="da", domain="messages")
    problems = [
        f"{message.id!r}: {'; '.join(str(e) for e in errors)}"
        for message, errors in catalog.check()
    ]
    assert problems == []


def test_clinical_wording_is_marked_for_review_by_a_danish_clinician() -> None:
    with po_path("da", "crf").open("rb") as po:
        catalog = read_po(po, locale="da", domain="crf")
    unmarked = [
        message.id
        for message in catalog
        if message.id
        and not any(c.startswith(CLINICAL_REVIEW_PREFIX) for c in message.user_comments)
    ]
    assert len(catalog) > 200 and unmarked == []


@pytest.mark.parametrize("name", [n for n in template_names() if n not in NOT_YET_WRAPPED])
def test_templates_show_no_unwrapped_english(name: str) -> None:
    english = unwrapped((TEMPLATES / name).read_text(encoding="utf-8"))
    assert english == [], f"{name}: wrap these with _() (see README, Translations): {english}"


def test_the_list_of_templates_not_yet_wrapped_only_shrinks() -> None:
    names = set(template_names())
    stale = sorted(
        n
        for n in NOT_YET_WRAPPED
        if n not in names or not unwrapped((TEMPLATES / n).read_text(encoding="utf-8"))
    )
    assert stale == [], f"remove from NOT_YET_WRAPPED: {stale}"
