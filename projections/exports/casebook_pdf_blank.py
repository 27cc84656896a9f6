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
from projections.exports.casebook_pdf_paper import Paper, local_time
from projections.exports.dictionary import codes_text, range_text, required_text, visible_forms
from projections.exports.odm.names import codelist_oid, form_oid, group_oid, item_oid
from projections.exports.view import View

TITLE = "Annotated blank CRF"


def annotated_crf_pdf(view: View, created: datetime, version: str) -> bytes:
    """The blank CRF as PDF bytes; `created` (the cut's time) fixes the bytes."""
    pdf = Paper(f"{TITLE} · {STUDY_NAME}", f"{TITLE} · {view.value} view · {version}", created)
    pdf.add_page()
    pdf.title_block(
        TITLE,
        [
            STUDY_NAME,
            f"Study OID {STUDY_OID} · {view.value} view · {version}",
            f"Made from the item specifications as of {local_time(created)}.",
            "Each item shows the variable name in exports, its ODM ItemOID and CodeListOID, "
            "its type, codes and range, and when it is required.",
            "Missing answers: "
            + "; ".join(f"{code.value} = {label}" for code, label in MISSING_CODE_LABELS.items())
            + " (held in the item's companion <ITEM>_NC).",
        ],
    )
    shown = set(visible_forms(view))
    for visit in VISITS:
        for form in visit.forms:
            if form in shown:
                _form(pdf, visit.label, visit.oid, form)
    return pdf.bytes()


def _form(pdf: Paper, visit: str, visit_oid: str, form: str) -> None:
    pdf.heading(f"{visit}: {FORM_LABELS[form]}")
    notes = [
        f"StudyEventOID {visit_oid} · FormOID {form_oid(form)} · ItemGroupOID {group_oid(form)}"
    ]
    if form in REPEATING_FORM_KEY_ITEM:
        notes.append(f"Repeating: one sheet per {REPEATING_FORM_KEY_ITEM[form]}.")
    pdf.note(" ".join(notes))
    coded = set(MISSING_CODE_ITEMS.get(form, ()))
    pdf.rows(
        ("Item", "Variable / OIDs", "Type", "Codes", "Range", "Required", "Value"),
        [_row(spec, spec.name in coded) for spec in ITEMS[form]],
        (36, 44, 12, 36, 14, 22, 18),
        size=6.5,
    )
    derived = DERIVED.get(form, ())
    if derived:
        pdf.rows(
            ("Derived score", "Variable / OIDs", "Derivation"),
            [(spec.label, f"{spec.name}\n{item_oid(spec.name)}", spec.note) for spec in derived],
            (50, 40, 92),
            size=6.5,
        )


def _row(spec: ItemSpec, missing_code: bool) -> tuple[str, ...]:
    oids = f"{spec.name}\n{item_oid(spec.name)}"
    if spec.codes:
        oids += f"\n{codelist_oid(spec)}"
    required = required_text(spec)
    if missing_code:
        required += f"; missing code in {companion(spec.name)}"
    label = f"{spec.label}\n({spec.note})" if spec.note else spec.label
    return (label, oids, spec.datatype, codes_text(spec), range_text(spec), required, "")
