"""The annotated blank CRF for the trial master file: every form of every visit with its items,
each annotated with its variable name, ODM OIDs, type, codes, range and requirement.

Everything comes from the protocol and the item specifications (the data dictionary's own
sources), so the paper and the exports can never disagree. A blinded view leaves out the
arm-revealing forms, as the blinded dictionary does.
"""

from __future__ import annotations

from datetime import datetime

from domain.crf import DERIVED, MISSING_CODE_ITEMS, ItemSpec
from domain.crf.items import ITEMS
from domain.crf.missing import MISSING_CODE_LABELS, companion
from domain.protocol import FORM_LABELS, REPEATING_FORM_KEY_ITEM, STUDY_NAME, STUDY_OID, VISITS
from projections.exports.casebook_pdf_paper import Paper
from projections.exports.casebook_words import ENGLISH, Words
from projections.exports.dictionary import codes_text, range_text, required_text, visible_forms
from projections.exports.odm.names import codelist_oid, form_oid, group_oid, item_oid
from projections.exports.view import View

TITLE = "Annotated blank CRF"


def annotated_crf_pdf(view: View, created: datetime, as_of: int, w: Words = ENGLISH) -> bytes:
    """The blank CRF as PDF bytes in `w`'s language; `created` (the cut's time) fixes the bytes."""
    title = w.gettext(TITLE)
    version = w.gettext("as of event %(position)s") % {"position": as_of}
    shown_view = w.gettext("%(view)s view") % {"view": w.word(view.value)}
    pdf = Paper(
        f"{title} · {STUDY_NAME}",
        f"{title} · {shown_view} · {version}",
        created,
        w.gettext("page"),
        w.lang,
    )
    pdf.add_page()
    missing = "; ".join(
        f"{code.value} = {w.crf(label)}" for code, label in MISSING_CODE_LABELS.items()
    )
    pdf.title_block(
        title,
        [
            STUDY_NAME,
            f"Study OID {STUDY_OID} · {shown_view} · {version}",
            w.gettext("Made from the item specifications as of %(time)s.")
            % {"time": w.time(created)},
            w.gettext(
                "Each item shows the variable name in exports, its ODM ItemOID and CodeListOID, "
                "its type, codes and range, and when it is required."
            ),
            w.gettext("Missing answers: %(codes)s (held in the item's companion <ITEM>_NC).")
            % {"codes": missing},
        ],
    )
    shown = set(visible_forms(view))
    for visit in VISITS:
        for form in visit.forms:
            if form in shown:
                _form(pdf, w.crf(visit.label), visit.oid, form, w)
    return pdf.bytes()


def _form(pdf: Paper, visit: str, visit_oid: str, form: str, w: Words) -> None:
    pdf.heading(f"{visit}: {w.crf(FORM_LABELS[form])}")
    notes = [
        f"StudyEventOID {visit_oid} · FormOID {form_oid(form)} · ItemGroupOID {group_oid(form)}"
    ]
    if form in REPEATING_FORM_KEY_ITEM:
        notes.append(
            w.gettext("Repeating: one sheet per %(item)s.")
            % {"item": REPEATING_FORM_KEY_ITEM[form]}
        )
    pdf.note(" ".join(notes))
    coded = set(MISSING_CODE_ITEMS.get(form, ()))
    pdf.rows(
        (
            w.gettext("Item"),
            w.gettext("Variable / OIDs"),
            w.gettext("Type"),
            w.gettext("Codes"),
            w.gettext("Range"),
            w.gettext("Required"),
            w.gettext("Value"),
        ),
        [_row(spec, spec.name in coded, w) for spec in ITEMS[form]],
        (36, 44, 12, 36, 14, 22, 18),
        size=6.5,
    )
    derived = DERIVED.get(form, ())
    if derived:
        pdf.rows(
            (w.gettext("Derived score"), w.gettext("Variable / OIDs"), w.gettext("Derivation")),
            [
                (w.crf(spec.label), f"{spec.name}\n{item_oid(spec.name)}", w.crf(spec.note))
                for spec in derived
            ],
            (50, 40, 92),
            size=6.5,
        )


def _row(spec: ItemSpec, missing_code: bool, w: Words) -> tuple[str, ...]:
    oids = f"{spec.name}\n{item_oid(spec.name)}"
    if spec.codes:
        oids += f"\n{codelist_oid(spec)}"
    required = _required(spec, w)
    if missing_code:
        required += "; " + w.gettext("missing code in %(item)s") % {"item": companion(spec.name)}
    label = w.crf(spec.label)
    if spec.note:
        label += f"\n({w.crf(spec.note)})"
    codes = codes_text(spec) if w.lang == "en" else _codes(spec, w)
    return (label, oids, spec.datatype, codes, range_text(spec), required, "")


def _codes(spec: ItemSpec, w: Words) -> str:
    return "; ".join(f"{code}={w.crf(label)}" for code, label in spec.codes)


def _required(spec: ItemSpec, w: Words) -> str:
    if w.lang == "en":
        return required_text(spec)  # the data dictionary's own words
    if spec.required:
        return w.gettext("yes")
    if spec.required_when:
        return w.gettext("when %(condition)s") % {"condition": w.crf(spec.required_when)}
    return w.gettext("no")
