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
- followed up: the week 10 / month 12 outcome form was entered. Lost or discontinued: ended
  after randomisation with a status other than completed, by that status.
- analysed (intention to treat, by allocated arm): randomised with a month 12 outcome form.
- received the allocated intervention: the adherence form shows any participation in that
  arm's intervention; no adherence form, or one showing none, counts as not received.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from domain.crf.items import ARM_ITEMS
from domain.protocol import ARMS

EXCLUSION_STAGES = ("screen_failure", "excluded_mri", "declined", "other")


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


def _by(counter: Counter[str]) -> dict[str, int]:
    return dict(sorted(counter.items()))


def count_consort(records: Iterable[Mapping[str, Any]], *, blinded: bool) -> dict[str, Any]:
    """Aggregate per-participant CONSORT records into the flow diagram's boxes."""
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
        **_follow_up(randomised),
    }
    if not blinded:
        counts["arms"] = {
            arm: _arm_counts([r for r in randomised if r.get("arm") == arm]) for arm in ARMS
        }
        unallocated = [r for r in randomised if r.get("arm") not in ARMS]
        if unallocated:
            counts["arms"]["unknown"] = _arm_counts(unallocated)
    return counts


def _follow_up(records: list[Mapping[str, Any]]) -> dict[str, Any]:
    lost = Counter(
        str(r["eos_status"]) for r in records if r.get("eos_status") not in (None, "completed")
    )
    analysed = sum(1 for r in records if r.get("month12"))
    return {
        "follow_up": {
            "week10": sum(1 for r in records if r.get("week10")),
            "month12": sum(1 for r in records if r.get("month12")),
            "lost": {"total": sum(lost.values()), "by_reason": _by(lost)},
        },
        "analysed": analysed,
        "excluded_from_analysis": {
            "total": len(records) - analysed,
            "by_reason": {"no month 12 outcome": len(records) - analysed}
            if len(records) > analysed
            else {},
        },
    }


def _arm_counts(records: list[Mapping[str, Any]]) -> dict[str, Any]:
    received = sum(1 for r in records if r.get("received"))
    no_record = sum(1 for r in records if "received" not in r)
    return {
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
        **_follow_up(records),
    }


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
        if sum(arm["allocated"] for arm in arms.values()) != counts["randomised"]:
            problems.append("randomised != sum of allocated")
        for name, arm in arms.items():
            if arm["allocated"] != arm["received"] + arm["not_received"]["total"]:
                problems.append(f"{name}: allocated != received + not received")
            _total_matches(problems, f"{name}: not received", arm["not_received"])
            problems += _check_randomised_group(name, arm, arm["allocated"])
        for key in ("week10", "month12"):
            if sum(a["follow_up"][key] for a in arms.values()) != counts["follow_up"][key]:
                problems.append(f"follow-up at {key}: arms do not add up to the total")
        if sum(a["analysed"] for a in arms.values()) != counts["analysed"]:
            problems.append("analysed: arms do not add up to the total")
    return problems


def _check_randomised_group(name: str, box: Mapping[str, Any], size: int) -> list[str]:
    problems: list[str] = []
    follow_up = box["follow_up"]
    for key in ("week10", "month12"):
        if not 0 <= follow_up[key] <= size:
            problems.append(f"{name}: followed up at {key} is not between 0 and {size}")
    _total_matches(problems, f"{name}: lost", follow_up["lost"])
    if follow_up["lost"]["total"] > size:
        problems.append(f"{name}: more lost than randomised")
    if box["analysed"] + box["excluded_from_analysis"]["total"] != size:
        problems.append(f"{name}: analysed + excluded from analysis != {size}")
    _total_matches(problems, f"{name}: excluded from analysis", box["excluded_from_analysis"])
    return problems
