"""ODM Snapshot ClinicalData: every participant's current values at the cut.

Each SubjectData is an Insert with the AuditRecord of the screening; each FormData carries the
AuditRecord of the last change to that form (who, when, why), so a reader of the snapshot
knows where each current value came from without the whole history.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

from domain.participant import Participant
from domain.protocol import REPEATING_FORM_KEY_ITEM, VisitDef
from projections.exports.casebook import Casebook, Change
from projections.exports.odm.clinical import ClinicalOut, Signed
from projections.exports.odm.forms import ALLOCATION, RANDOMISATION, OdmForm, odm_visits
from projections.exports.odm.xml import attribute_text, attributes
from projections.exports.tables import derived_values
from projections.exports.view import View

Entry = tuple[OdmForm, dict[str, Any], Change | None]


def write_snapshot_clinical(
    clinical: ClinicalOut, casebooks: Iterable[Casebook], view: View
) -> None:
    """Each casebook's SubjectData, written as one string of markup (the bytes the element
    writer would write: every element here has content, so none is `<X/>` but SiteRef)."""
    out = clinical.out
    visits = odm_visits(view)
    for casebook in casebooks:
        participant = casebook.participant
        key = attribute_text(casebook.screening_number)
        parts = [
            f'<SubjectData SubjectKey="{key}" TransactionType="Insert">',
            clinical.audit_markup(casebook.screened),
        ]
        signatures = latest_valid_signatures(participant)
        if None in signatures:
            parts.append(clinical.signature_markup(signatures[None]))
        location = clinical.directory.location({"site": participant.site})
        parts.append(f"<SiteRef{attributes({'LocationOID': location})}/>")
        for visit, forms in visits:
            for repeat_key, entries in visit_entries(casebook, visit, forms):
                parts.append(study_event_start(visit.oid, repeat_key))
                for form, values, change in entries:
                    parts.append(
                        clinical.form_data_markup(
                            form.key,
                            form.all_items,
                            values,
                            change,
                            signed=signatures.get(form.key),
                        )
                    )
                parts.append("</StudyEventData>")
        parts.append("</SubjectData>\n")
        out.top_level("".join(parts))


@lru_cache(maxsize=1024)
def study_event_start(oid: str, repeat_key: str | None) -> str:
    """The start tag of a snapshot's StudyEventData."""
    return (
        f"<StudyEventData{attributes({'StudyEventOID': oid, 'StudyEventRepeatKey': repeat_key})}>"
    )


def latest_valid_signatures(participant: Participant) -> dict[str | None, Signed]:
    """Per form (None: the casebook), its last signature still valid at the cut.

    ODM allows one Signature per element; an invalidated signature no longer covers the
    current values, so the snapshot shows the latest one that does (the history of all
    signatures is in the transactional file). Each signature is checked at most once.
    """
    found: dict[str | None, Signed] = {}
    for record in reversed(participant.signatures):
        if record.form not in found and participant.signature_is_valid(record):
            found[record.form] = Signed(
                record.meaning, record.signer, record.signed_at, record.content_hash
            )
    return found


def visit_entries(
    casebook: Casebook, visit: VisitDef, forms: tuple[OdmForm, ...]
) -> Iterator[tuple[str | None, list[Entry]]]:
    """The forms of one visit that have data, grouped by repeat key (the week, if weekly)."""
    groups: dict[str | None, list[Entry]] = {}
    for form in forms:
        for repeat_key, values, change in form_entries(casebook, form):
            groups.setdefault(repeat_key, []).append((form, values, change))
    for repeat_key in sorted(groups, key=lambda key: int(key) if key else 0):
        yield repeat_key, groups[repeat_key]


def form_entries(
    casebook: Casebook, form: OdmForm
) -> Iterator[tuple[str | None, dict[str, Any], Change | None]]:
    participant = casebook.participant
    if form.key == RANDOMISATION:
        if casebook.randomised is not None:
            yield None, {"RANDOMISED_ON": participant.randomised_on}, casebook.randomised
        return
    if form.key == ALLOCATION:
        if casebook.arm is not None:
            yield None, {"ARM": casebook.arm}, casebook.allocated
        return
    key_item = REPEATING_FORM_KEY_ITEM.get(form.key)
    for key, sheet in sorted(casebook.sheets_of(form.key).items()):
        values = {**sheet, **derived_values(casebook, form.key, sheet)}
        repeat_key = str(int(sheet[key_item])) if key_item else None
        yield repeat_key, values, casebook.sheet_changes.get(key)
