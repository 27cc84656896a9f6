"""Plain dicts for the outside world (web, CLI, JSON), filtered by what the actor may see."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from domain import crf
from domain.arm_revealing import ArmRevealingRecord
from domain.participant import Participant
from domain.protocol import ARM_REVEALING_FORMS, FORMS, REPEATING_FORM_KEY_ITEM
from domain.randomisation_deviation import randomisation_deviations_of

# Completeness does not depend on dates, so any day will do.
_ANY_DAY = crf.FormContext(today=date.max)


def form_view(
    source: Participant | ArmRevealingRecord | None,
    form: str,
    open_queries: int | None = None,
    *,
    participant: Participant | None = None,
) -> dict[str, Any]:
    """One form as the API shows it: version, status, items, derived scores and badges
    (locked, signed by a still-valid signature, source-verified, and, when the caller counted
    them, the number of queries not yet closed).

    `source` holds the form: the participant, or their arm-revealing record (None while it has
    none; then `participant` is theirs, for the lock that spans both). Arm-revealing forms are
    signed and source-verified by unblinded accounts only, in that record.
    """
    version = source.form_version(form) if source is not None else 0
    values = source.sheets.get(form) if source is not None else None
    if form in REPEATING_FORM_KEY_ITEM:
        sheets = source.sheets_of(form) if source is not None else {}
        items: dict[str, Any] = {
            key.split(":")[1].lstrip("0"): dict(sheet) for key, sheet in sorted(sheets.items())
        }
        missing: dict[str, str] = {}
    else:
        items = dict(values) if values is not None else {}
        missing = crf.missing_items(form, values, _ANY_DAY) if values is not None else {}
    participant_locked = participant is not None and participant.participant_lock is not None
    view: dict[str, Any] = {
        "version": version,
        "status": "entered" if version else "not started",
        # A draft saved incomplete lists the required items still empty (CRF.md).
        "complete": bool(version) and not missing,
        "missing": list(missing),
        "items": items,
        "derived": crf.derive(form, values) if values is not None else {},
        "deviation": source.deviations.get(form) if isinstance(source, Participant) else None,
        "locked": participant_locked or (source is not None and source.is_form_locked(form)),
        "signed": bool(version) and source is not None and bool(source.valid_signatures_of(form)),
        "resign_needed": bool(version) and source is not None and source.needs_resigning(form),
        "verified": source is not None and source.is_verified(form),
    }
    if open_queries is not None:
        view["open_queries"] = open_queries
    return view


def participant_view(
    participant: Participant,
    *,
    blinded: bool,
    arm: str | None = None,
    open_queries: Mapping[str, int] | None = None,
    arm_revealing: ArmRevealingRecord | None = None,
) -> dict[str, Any]:
    """A participant as the API shows it; blinded views never contain arm-revealing forms
    (unblinded ones read them from `arm_revealing`, the participant's record of them)."""
    state = participant.state
    eligibility = state.mri_eligibility
    visible = [form for form in FORMS if not (blinded and form in ARM_REVEALING_FORMS)]
    view: dict[str, Any] = {
        "id": str(participant.id),
        "screening_number": participant.screening_number,
        "site": participant.site,
        "status": state.status,
        "mri_eligible": eligibility.eligible,
        "failed_criteria": list(eligibility.failed_criteria),
        "included": state.included,
        "randomised_on": state.randomised_on.isoformat() if state.randomised_on else None,
        "locked": participant.participant_lock is not None,
        "casebook_resign_needed": participant.needs_resigning(None),
        "randomisation_deviations": randomisation_deviations_of(participant.deviations),
        "missed_visits": missed_visits_view(participant),
        "deviations_recorded": deviations_view(participant, None if blinded else arm_revealing),
        "forms": {
            form: form_view(
                arm_revealing if form in ARM_REVEALING_FORMS else participant,
                form,
                None if open_queries is None else open_queries.get(form, 0),
                participant=participant,
            )
            for form in visible
        },
    }
    if not blinded:
        view["arm"] = arm
    return view


def missed_visits_view(participant: Participant) -> dict[str, dict[str, str]]:
    return {visit: dict(reason) for visit, reason in participant.missed_visits.items()}


def deviations_view(
    participant: Participant, record: ArmRevealingRecord | None
) -> list[dict[str, Any]]:
    """The deviations recorded by the site, the arm-revealing ones only when `record` is
    given (unblinded readers)."""
    rows = [_deviation_row(d, arm_revealing=False) for d in participant.recorded_deviations]
    if record is not None:
        rows.extend(_deviation_row(d, arm_revealing=True) for d in record.deviations)
    return sorted(rows, key=lambda row: (row["occurred_on"], row["at"]))


def _deviation_row(deviation: Mapping[str, Any], *, arm_revealing: bool) -> dict[str, Any]:
    actor = deviation["actor"]
    return {
        "kind": deviation["kind"],
        "description": deviation["description"],
        "occurred_on": deviation["occurred_on"],
        "at": deviation["at"].isoformat(),
        "user": actor.get("user"),
        "role": actor.get("role"),
        "arm_revealing": arm_revealing,
    }
