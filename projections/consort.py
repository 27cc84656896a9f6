"""CONSORT 2010 flow counts as data, at any event position, with an arithmetic self-check.

The read models keep, per participant, a history of their CONSORT standing (a small record
written each time it changes, tagged with the event position). Counting at a cut-off takes each
participant's latest record at or before it. Blinded models never hold an arm, so their counts
are totals only; the unblinded model adds one column per arm.

Definitions (*assumed* where the trial's own are not published):
- assessed: everyone screened; excluded: screen failure (by criterion; one person may fail
  several), no Modic changes on MRI, declined (withdrew consent before randomisation), other
  reasons (ended before randomisation for another reason); pending: still between screening
  and randomisation at the cut-off.
- randomised: intention to treat. Once randomised, always counted, in the arm allocated, even
  when a screening or MRI item is later corrected to ineligible (that is a protocol deviation,
  not an exclusion).
- follow-up, per visit (week 10, 1 year): assessed (the visit's form entered) or not, with the
  reason (`domain.itt`): left the study before the visit (by end-of-study status), visit window
  still open at the cut-off, visit missed (recorded as missed by the site, or its window
  closed without it). Left the study early: ended with a status other than
  completed, by status.
- analysed, per visit: the visit holds the primary outcome (`domain.itt.has_outcome`, the one
  definition); excluded from analysis: everyone else randomised, with the same reasons plus
  "assessed, primary outcome missing".
- arm-revealing, unblinded only, per arm: received the allocated intervention (the adherence
  form shows any participation in that arm's intervention; no adherence form counts as not
  received), discontinued the intervention (the `discontinuation` form, by reason, and whether
  follow-up continues), harms (adverse events, serious ones, participants with at least one).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from domain.crf.items import ARM_ITEMS
from domain.itt import (
    FOLLOW_UP_VISITS,
    NotAnalysed,
    VisitOutcome,
    left_study_early,
    not_analysed_reason,
    visit_outcome,
)
from domain.protocol import ARMS

EXCLUSION_STAGES = ("screen_failure", "excluded_mri", "declined", "other")
Items = Mapping[str, Any]


def adherence_received(arm: str | None, adherence: Mapping[str, Any] | None) -> bool:
    """Whether the adherence form shows any participation in the allocated intervention."""
    if arm is None or adherence is None:
        return False
    for item in ARM_ITEMS.get(arm, ()):
        value = adherence.get(item)
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            return True
        if isinstance(value, str) and value not in ("", "never"):
            return True
    return False


# ---- per-participant records ---------------------------------------------------------------


def follow_up_record(row: Mapping[str, Any], sheets: Mapping[str, Items | None]) -> dict[str, Any]:
    """The blinded-safe part of a randomised participant's record: dates, status, visits.

    `row` has `randomised_on`, `ended_on`, `eos_status` and `missed_visits` (the visits
    recorded as missed); `sheets` the follow-up forms.
    """
    missed = [visit for visit in FOLLOW_UP_VISITS if visit in (row.get("missed_visits") or {})]
    record: dict[str, Any] = {
        "randomised_on": _iso(row.get("randomised_on")),
        "ended_on": _iso(row.get("ended_on")),
        "eos_status": row.get("eos_status"),
        "missed": missed or None,
    }
    for visit in FOLLOW_UP_VISITS:
        outcome = visit_outcome(sheets.get(visit))
        record[visit] = outcome.value if outcome else None
    return {key: value for key, value in record.items() if value is not None}


def arm_record(arm: str | None, sheets: Mapping[str, Items]) -> dict[str, Any]:
    """The arm-revealing part: arm, receipt, discontinuation and harms, from the arm's sheets.

    `sheets` are the participant's arm-revealing sheets by key (`adherence`,
    `discontinuation`, `adverse_event:01`, ...).
    """
    record: dict[str, Any] = {"arm": arm}
    adherence = sheets.get("adherence")
    # Without an adherence form, receipt is unknown: counted as "no adherence record".
    if adherence is not None:
        record["received"] = adherence_received(arm, adherence)
    stopped = sheets.get("discontinuation")
    if stopped is not None:
        record["discontinued"] = str(stopped.get("DISC_REASON_CODE") or "other")
        record["follow_up_continues"] = stopped.get("FOLLOW_UP_CONTINUES") != "N"
    events = [items for key, items in sheets.items() if key.split(":")[0] == "adverse_event"]
    if events:
        record["adverse_events"] = len(events)
        record["serious_adverse_events"] = sum(1 for e in events if e.get("AE_SERIOUS") == "Y")
    return record


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


# ---- counting ------------------------------------------------------------------------------


def _by(counter: Counter[str]) -> dict[str, int]:
    return dict(sorted(counter.items()))


def _box(counter: Counter[str]) -> dict[str, Any]:
    return {"total": sum(counter.values()), "by_reason": _by(counter)}


def count_consort(
    records: Iterable[Mapping[str, Any]], *, blinded: bool, cut_off: date | None = None
) -> dict[str, Any]:
    """Aggregate per-participant CONSORT records into the flow diagram's boxes.

    `cut_off` is the date of the cut (a visit whose window is still open then is not yet
    due); None counts as after every window.
    """
    stages: Counter[str] = Counter()
    criteria: Counter[str] = Counter()
    other: Counter[str] = Counter()
    randomised: list[Mapping[str, Any]] = []
    for record in records:
        stage = record["stage"]
        stages[stage] += 1
        if stage == "screen_failure":
            criteria.update(record.get("criteria", ()))
        elif stage == "other":
            other[record.get("reason") or "unknown"] += 1
        elif stage == "randomised":
            randomised.append(record)
    not_meeting = stages["screen_failure"] + stages["excluded_mri"]
    counts: dict[str, Any] = {
        "assessed": sum(stages.values()),
        "excluded": {
            "total": not_meeting + stages["declined"] + stages["other"],
            "not_meeting_criteria": {
                "total": not_meeting,
                "screen_failure": stages["screen_failure"],
                "by_criterion": _by(criteria),
                "no_modic_changes": stages["excluded_mri"],
            },
            "declined": stages["declined"],
            "other": {"total": stages["other"], "by_reason": _by(other)},
        },
        "pending": stages["pending"],
        "randomised": len(randomised),
        **_follow_up(randomised, cut_off),
    }
    if not blinded:
        counts["arms"] = {
            arm: _arm_counts([r for r in randomised if r.get("arm") == arm], cut_off)
            for arm in ARMS
        }
        unallocated = [r for r in randomised if r.get("arm") not in ARMS]
        if unallocated:
            counts["arms"]["unknown"] = _arm_counts(unallocated, cut_off)
    return counts


def _follow_up(records: list[Mapping[str, Any]], cut_off: date | None) -> dict[str, Any]:
    follow_up: dict[str, Any] = {}
    analysis: dict[str, Any] = {}
    for visit in FOLLOW_UP_VISITS:
        reasons: Counter[str] = Counter()
        for record in records:
            outcome = record.get(visit)
            reason = not_analysed_reason(
                visit,
                VisitOutcome(outcome) if outcome else None,
                randomised_on=date.fromisoformat(record["randomised_on"]),
                ended_on=date.fromisoformat(record["ended_on"]) if record.get("ended_on") else None,
                eos_status=record.get("eos_status"),
                cut_off=cut_off,
                recorded_missed=visit in record.get("missed", ()),
            )
            if reason is not None:
                reasons[reason] += 1
        missing = reasons.pop(NotAnalysed.OUTCOME_MISSING, 0)
        assessed = sum(1 for r in records if r.get(visit))
        follow_up[visit] = {"assessed": assessed, "not_assessed": _box(reasons)}
        if missing:
            reasons[NotAnalysed.OUTCOME_MISSING] = missing
        analysis[visit] = {"analysed": assessed - missing, "excluded": _box(reasons)}
    left = Counter(str(r["eos_status"]) for r in records if left_study_early(r.get("eos_status")))
    follow_up["left_study"] = _box(left)
    return {"follow_up": follow_up, "analysis": analysis}


def _arm_counts(records: list[Mapping[str, Any]], cut_off: date | None) -> dict[str, Any]:
    received = sum(1 for r in records if r.get("received"))
    no_record = sum(1 for r in records if "received" not in r)
    counts = {
        "allocated": len(records),
        "received": received,
        "not_received": {
            "total": len(records) - received,
            "by_reason": {
                key: n
                for key, n in (
                    ("no adherence record", no_record),
                    ("adherence record shows none", len(records) - received - no_record),
                )
                if n
            },
        },
        **_follow_up(records, cut_off),
    }
    stopped = [r for r in records if r.get("discontinued")]
    counts["follow_up"]["discontinued"] = {
        **_box(Counter(str(r["discontinued"]) for r in stopped)),
        "follow_up_continues": sum(1 for r in stopped if r.get("follow_up_continues")),
        "follow_up_stopped": sum(1 for r in stopped if not r.get("follow_up_continues")),
    }
    counts["harms"] = {
        "adverse_events": sum(int(r.get("adverse_events", 0)) for r in records),
        "serious_adverse_events": sum(int(r.get("serious_adverse_events", 0)) for r in records),
        "participants_with_ae": sum(1 for r in records if r.get("adverse_events")),
        "participants_with_sae": sum(1 for r in records if r.get("serious_adverse_events")),
    }
    return counts


# ---- the arithmetic self-check -------------------------------------------------------------


def _total_matches(problems: list[str], name: str, box: Mapping[str, Any]) -> None:
    if box["total"] != sum(box["by_reason"].values()):
        problems.append(f"{name}: total {box['total']} != sum of reasons")


def check_consort(counts: Mapping[str, Any]) -> list[str]:
    """Every arithmetic identity the diagram must satisfy; an empty list means it adds up."""
    problems: list[str] = []
    excluded = counts["excluded"]
    not_meeting = excluded["not_meeting_criteria"]
    if counts["assessed"] != excluded["total"] + counts["pending"] + counts["randomised"]:
        problems.append("assessed != excluded + pending + randomised")
    if (
        excluded["total"]
        != not_meeting["total"] + excluded["declined"] + excluded["other"]["total"]
    ):
        problems.append("excluded != not meeting criteria + declined + other")
    if not_meeting["total"] != not_meeting["screen_failure"] + not_meeting["no_modic_changes"]:
        problems.append("not meeting criteria != screen failures + no Modic changes")
    failures = not_meeting["screen_failure"]
    by_criterion = not_meeting["by_criterion"]
    if any(n > failures for n in by_criterion.values()) or (
        failures and sum(by_criterion.values()) < failures
    ):
        problems.append("screen-failure criteria do not account for the screen failures")
    _total_matches(problems, "other reasons", excluded["other"])
    problems += _check_randomised_group("all randomised", counts, counts["randomised"])
    arms = counts.get("arms")
    if arms is not None:
        problems += _check_arms(counts, arms)
    return problems


def _check_arms(counts: Mapping[str, Any], arms: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    if sum(arm["allocated"] for arm in arms.values()) != counts["randomised"]:
        problems.append("randomised != sum of allocated")
    for name, arm in arms.items():
        size = arm["allocated"]
        if size != arm["received"] + arm["not_received"]["total"]:
            problems.append(f"{name}: allocated != received + not received")
        _total_matches(problems, f"{name}: not received", arm["not_received"])
        problems += _check_randomised_group(name, arm, size)
        stopped = arm["follow_up"]["discontinued"]
        _total_matches(problems, f"{name}: discontinued", stopped)
        if stopped["total"] != stopped["follow_up_continues"] + stopped["follow_up_stopped"]:
            problems.append(f"{name}: discontinued != followed up further + not followed up")
        if stopped["total"] > size:
            problems.append(f"{name}: more discontinued than allocated")
        harms = arm["harms"]
        if not (
            harms["participants_with_sae"] <= harms["participants_with_ae"] <= size
            and harms["serious_adverse_events"] <= harms["adverse_events"]
            and harms["participants_with_ae"] <= harms["adverse_events"]
            and harms["participants_with_sae"] <= harms["serious_adverse_events"]
        ):
            problems.append(f"{name}: harms do not add up (events, serious, participants)")
    for visit in FOLLOW_UP_VISITS:
        if (
            sum(a["follow_up"][visit]["assessed"] for a in arms.values())
            != (counts["follow_up"][visit]["assessed"])
        ):
            problems.append(f"follow-up at {visit}: arms do not add up to the total")
        if (
            sum(a["analysis"][visit]["analysed"] for a in arms.values())
            != (counts["analysis"][visit]["analysed"])
        ):
            problems.append(f"analysed at {visit}: arms do not add up to the total")
    if (
        sum(a["follow_up"]["left_study"]["total"] for a in arms.values())
        != (counts["follow_up"]["left_study"]["total"])
    ):
        problems.append("left the study early: arms do not add up to the total")
    return problems


def _check_randomised_group(name: str, box: Mapping[str, Any], size: int) -> list[str]:
    problems: list[str] = []
    follow_up, analysis = box["follow_up"], box["analysis"]
    for visit in FOLLOW_UP_VISITS:
        seen, unseen = follow_up[visit]["assessed"], follow_up[visit]["not_assessed"]
        analysed, excluded = analysis[visit]["analysed"], analysis[visit]["excluded"]
        _total_matches(problems, f"{name}: not assessed at {visit}", unseen)
        _total_matches(problems, f"{name}: excluded from analysis at {visit}", excluded)
        if seen + unseen["total"] != size:
            problems.append(f"{name}: assessed + not assessed at {visit} != {size}")
        if analysed + excluded["total"] != size:
            problems.append(f"{name}: analysed + excluded from analysis at {visit} != {size}")
        # Reconciliation: the analysis box is the follow-up box less missing outcomes.
        missing = excluded["by_reason"].get(NotAnalysed.OUTCOME_MISSING, 0)
        if analysed != seen - missing:
            problems.append(f"{name}: analysed at {visit} != assessed - outcome missing")
        others = dict(excluded["by_reason"])
        others.pop(NotAnalysed.OUTCOME_MISSING, None)
        if others != unseen["by_reason"]:
            problems.append(
                f"{name}: reasons for exclusion at {visit} != reasons for not being assessed"
            )
    left = follow_up["left_study"]
    _total_matches(problems, f"{name}: left the study early", left)
    if left["total"] > size:
        problems.append(f"{name}: more left the study than randomised")
    return problems
