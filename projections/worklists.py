"""Work lists from the read models: forms to sign, forms to verify, visits due, deviations.

Like every read here, each function takes the view chosen from the reader's blinding and the
site the reader may see (None: every site); who gets which list is the caller's decision
(`edc/worklists.py`). Signatures, source data verification, visits and deviations of the
participant's own forms are blinded-safe facts, read from the blinded tables in both views.
The arm-revealing forms (signed and verified by unblinded accounts in the participant's
arm-revealing record) are added to an unblinded reader's lists from the unblinded tables
alone, so nothing a blinded reader's list holds or counts depends on them.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from domain.protocol import ARM_REVEALING_FORMS, FORMS
from projections.reading import ReadModels, _view
from projections.spec import BLINDED, UNBLINDED
from projections.visits import OPEN_STATUSES

# The site's own records, which an investigator signs and a monitor checks against the
# source documents. The weekly reports are the participant's own answers, with no source
# document behind them; the casebook signature covers them.
REVIEWED_FORMS: tuple[str, ...] = tuple(
    form for form in FORMS if form not in ARM_REVEALING_FORMS and form != "weekly"
)
# Reviewed in an unblinded reader's lists only, one form at a time.
REVIEWED_ARM_FORMS: tuple[str, ...] = tuple(form for form in FORMS if form in ARM_REVEALING_FORMS)
WEEK = timedelta(days=6)
# How the read model keys the deviations a site records (`DeviationRecorded`).
RECORDED = "recorded:"


def _participants(models: ReadModels, site: str | None) -> list[dict[str, Any]]:
    where, params = ("site = ?", (site,)) if site is not None else ("", ())
    return models._rows(BLINDED, "participants", where, params, "seq")


def _casebooks(models: ReadModels, site: str | None) -> list[dict[str, Any]]:
    """Participants with a casebook to review: those whose consent is recorded. A screen
    failure's or MRI exclusion's screening log is not signed or verified form by form."""
    return [p for p in _participants(models, site) if p["consent_on"] is not None]


def _by_participant(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(row["participant_id"], []).append(row)
    return grouped


def _entered(participant: dict[str, Any]) -> list[str]:
    versions = participant["form_versions"] or {}
    return [form for form in REVIEWED_FORMS if versions.get(form)]


def _arm_forms_entered(models: ReadModels, view: str) -> dict[str, set[str]]:
    """Per participant, the arm-revealing forms entered (none for a blinded reader)."""
    if _view(view) == BLINDED:
        return {}
    entered: dict[str, set[str]] = {}
    for row in models._rows(UNBLINDED, "adherence"):
        if row["form"] in ARM_REVEALING_FORMS:
            entered.setdefault(row["participant_id"], set()).add(row["form"])
    return entered


def _who(participant: dict[str, Any]) -> dict[str, Any]:
    return {
        "participant_id": participant["id"],
        "screening_number": participant["screening_number"],
        "site": participant["site"],
    }


def _in_order(forms: list[str]) -> list[str]:
    return [form for form in FORMS if form in forms]


def to_sign(models: ReadModels, view: str, site: str | None) -> list[dict[str, Any]]:
    """Per participant: entered forms no valid signature covers, signatures a later change
    made invalid and not yet signed again ("casebook" for the whole casebook), and whether
    the casebook waits for its signature (the study ended, randomised, not signed). For an
    unblinded reader, the arm-revealing forms too (which no casebook signature covers)."""
    invalid = _by_participant(models._rows(BLINDED, "signatures", "valid = ?", (0,), "position"))
    arm_entered = _arm_forms_entered(models, view)
    arm_signatures = (
        _by_participant(models._rows(UNBLINDED, "signatures", order="position"))
        if arm_entered
        else {}
    )
    work = []
    for participant in _casebooks(models, site):
        signed = set((participant["valid_signatures"] or {}).values())
        casebook_signed = None in signed
        forms = [] if casebook_signed else [f for f in _entered(participant) if f not in signed]
        re_sign: list[str] = []
        for signature in invalid.get(participant["id"], []):
            scope = signature["form"]
            if casebook_signed or scope in signed:
                continue
            name = scope or "casebook"
            if name not in re_sign:
                re_sign.append(name)
        arm_rows = arm_signatures.get(participant["id"], [])
        arm_signed = {row["form"] for row in arm_rows if row["valid"]}
        for form in _in_order(list(arm_entered.get(participant["id"], ()))):
            if form in arm_signed:
                continue
            forms.append(form)
            if any(not row["valid"] and row["form"] == form for row in arm_rows):
                re_sign.append(form)
        casebook = bool(
            participant["ended_on"] and participant["randomised_on"] and not casebook_signed
        )
        if forms or re_sign or casebook:
            work.append(
                {
                    **_who(participant),
                    "forms": _in_order(forms),
                    "re_sign": re_sign,
                    "casebook": casebook,
                }
            )
    return work


def to_verify(models: ReadModels, view: str, site: str | None) -> list[dict[str, Any]]:
    """Per participant: entered forms not verified against the source, and those whose
    verification a later change cleared (to verify again); for an unblinded reader, the
    arm-revealing forms too."""
    checks = _by_participant(models._rows(BLINDED, "sdv", order="form"))
    arm_entered = _arm_forms_entered(models, view)
    arm_checks = _by_participant(models._rows(UNBLINDED, "sdv")) if arm_entered else {}
    work = []
    for participant in _casebooks(models, site):
        pid = participant["id"]
        state = {row["form"]: row for row in checks.get(pid, [])}
        state |= {row["form"]: row for row in arm_checks.get(pid, [])}
        forms: list[str] = []
        again: list[str] = []
        for form in _in_order([*_entered(participant), *arm_entered.get(pid, ())]):
            row = state.get(form)
            if row is not None and row["verified"]:
                continue
            (again if row is not None and row["cleared_by"] else forms).append(form)
        if forms or again:
            work.append({**_who(participant), "forms": forms, "again": again})
    return work


def visits_due(
    models: ReadModels, view: str, today: date, site: str | None
) -> list[dict[str, Any]]:
    """Visits due or overdue on `today`, and those whose window opens within the week;
    overdue first, then by target day. `this_week`: the target day falls within the week."""
    work = []
    for visit in models.visits(view, today, site):
        opens = date.fromisoformat(visit["window_start"])
        coming = visit["status"] == "not due" and opens <= today + WEEK
        # A visit whose window closed without it, and that nobody recorded as missed, is still
        # the site's work: overdue.
        if visit["status"] in OPEN_STATUSES or visit["status"] == "missed" or coming:
            target = date.fromisoformat(visit["target_on"])
            work.append({**visit, "this_week": target <= today + WEEK})
    work.sort(key=lambda v: (_URGENCY.get(v["status"], 2), v["target_on"], v["screening_number"]))
    return work


# Past the window's end first, then past the target day, then due and coming.
_URGENCY = {"missed": 0, "overdue": 1}


def deviations(
    models: ReadModels, view: str, today: date, site: str | None
) -> list[dict[str, Any]]:
    """Protocol deviations to review: randomisations found to deviate by a later correction,
    deviations the site recorded (those that do not reveal the arm) and visits done out of
    their window."""
    _view(view)
    work = []
    for participant in models.participants(BLINDED, site):
        for kind, text in participant["randomisation_deviations"].items():
            work.append(
                {
                    "participant_id": participant["id"],
                    "screening_number": participant["screening_number"],
                    "site": participant["site"],
                    "kind": kind,
                    "details": text,
                }
            )
        for key, text in sorted((participant["deviations"] or {}).items()):
            if key.startswith(RECORDED):
                work.append(
                    {
                        "participant_id": participant["id"],
                        "screening_number": participant["screening_number"],
                        "site": participant["site"],
                        "kind": "recorded by the site",
                        "details": text,
                    }
                )
    for visit in models.visits(view, today, site, status="done out of window"):
        work.append(
            {
                "participant_id": visit["participant_id"],
                "screening_number": visit["screening_number"],
                "site": visit["site"],
                "kind": "visit out of window",
                "details": visit["deviation"]
                or f"{visit['visit']} done on {visit['done_on']}, window "
                f"{visit['window_start']} to {visit['window_end']}",
            }
        )
    return work
