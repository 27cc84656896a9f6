"""The CONSORT 2010 flow diagram: counts of the hand-counted trial, and its arithmetic check."""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

import pytest
from lxml import etree

from domain.protocol import ARM_LABELS, Arm
from projections.exports import Cut, View
from projections.reports.consort import ConsortArithmeticError, consort_counts
from projections.reports.consort_svg import consort_svg
from tests.exports.conftest import Built

LOST = "lost to follow-up"
OPEN = "visit window still open at the cut-off"
# Counted by hand from tests/exports/scenario.py (the cut-off is 2025-01-15: the 1-year
# window of H, randomised 2024-01-15, is still open).
BLINDED = {
    "assessed": 8,
    "excluded": {
        "total": 4,
        "not_meeting_criteria": {
            "total": 3,
            "screen_failure": 2,
            "by_criterion": {"age_out_of_range": 1, "lbp_too_mild": 1, "not_willing": 1},
            "no_modic_changes": 1,
        },
        "declined": 1,
        "other": {"total": 0, "by_reason": {}},
    },
    "pending": 1,
    "randomised": 3,
    "follow_up": {
        "week10": {"assessed": 2, "not_assessed": {"total": 1, "by_reason": {LOST: 1}}},
        "month12": {"assessed": 1, "not_assessed": {"total": 2, "by_reason": {LOST: 1, OPEN: 1}}},
        "left_study": {"total": 1, "by_reason": {LOST: 1}},
    },
    "analysis": {
        "week10": {"analysed": 2, "excluded": {"total": 1, "by_reason": {LOST: 1}}},
        "month12": {"analysed": 1, "excluded": {"total": 2, "by_reason": {LOST: 1, OPEN: 1}}},
    },
}


def arm_box(people: set[str], small_arms: dict[str, str], arm: str) -> dict[str, Any]:
    """One arm's boxes, counted from what F, G and H did (see the scenario)."""
    mine = {p for p in people if small_arms[p] == arm}

    def box(reasons: dict[str, str]) -> dict[str, Any]:
        counted = Counter(reason for p, reason in reasons.items() if p in mine)
        return {"total": sum(counted.values()), "by_reason": dict(sorted(counted.items()))}

    def visit(seen: set[str], reasons: dict[str, str]) -> dict[str, Any]:
        return {"assessed": len(seen & mine), "not_assessed": box(reasons)}

    def analysed(seen: set[str], reasons: dict[str, str]) -> dict[str, Any]:
        return {"analysed": len(seen & mine), "excluded": box(reasons)}

    received = {"F"} & mine
    shows_none, no_record = {"G"} & mine, {"H"} & mine
    reasons = {}
    if no_record:
        reasons["no adherence record"] = 1
    if shows_none:
        reasons["adherence record shows none"] = 1
    return {
        "allocated": len(mine),
        "received": len(received),
        "not_received": {
            "total": len(mine) - len(received),
            "by_reason": dict(sorted(reasons.items())),
        },
        "follow_up": {
            "week10": visit({"F", "H"}, {"G": LOST}),
            "month12": visit({"F"}, {"G": LOST, "H": OPEN}),
            "left_study": box({"G": LOST}),
            "discontinued": {
                "total": 0,
                "by_reason": {},
                "follow_up_continues": 0,
                "follow_up_stopped": 0,
            },
        },
        "analysis": {
            "week10": analysed({"F", "H"}, {"G": LOST}),
            "month12": analysed({"F"}, {"G": LOST, "H": OPEN}),
        },
        "harms": {
            "adverse_events": 0,
            "serious_adverse_events": 0,
            "participants_with_ae": 0,
            "participants_with_sae": 0,
        },
    }


def test_blinded_counts_match_the_hand_count_and_hold_no_arms(built: Built) -> None:
    assert consort_counts(Cut.of(built.reader, View.BLINDED)) == BLINDED


def test_unblinded_counts_add_one_column_per_arm(built: Built) -> None:
    counts = consort_counts(Cut.of(built.reader, View.UNBLINDED))
    arms = counts.pop("arms")
    assert counts == BLINDED
    assert arms == {arm.value: arm_box({"F", "G", "H"}, built.small.arms, arm.value) for arm in Arm}


def test_counts_at_a_cut_off_use_only_the_events_before_it(built: Built) -> None:
    counts = consort_counts(Cut.of(built.reader, View.BLINDED, built.small.after_randomisation))
    assert (counts["assessed"], counts["randomised"], counts["pending"]) == (8, 3, 1)
    # Right after randomisation every follow-up window is still open.
    assert counts["follow_up"]["week10"] == {
        "assessed": 0,
        "not_assessed": {"total": 3, "by_reason": {OPEN: 3}},
    }
    assert counts["analysis"]["month12"]["analysed"] == 0


BREAKAGES = {
    "assessed is not excluded + pending + randomised": lambda c: c.update(assessed=9),
    "a reason box does not add up": lambda c: c["excluded"]["other"]["by_reason"].update(x=1),
    "more analysed than randomised": lambda c: c["analysis"]["week10"].update(analysed=4),
    "arms do not add up to randomised": lambda c: c["arms"]["rest"].update(
        allocated=c["arms"]["rest"]["allocated"] + 1
    ),
}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_the_diagram_refuses_numbers_that_do_not_add_up(built: Built, breakage: str) -> None:
    counts = copy.deepcopy(consort_counts(Cut.of(built.reader, View.UNBLINDED)))
    consort_svg(counts, blinded=False, caption="as counted")  # draws when consistent
    BREAKAGES[breakage](counts)
    with pytest.raises(ConsortArithmeticError, match="do not add up"):
        consort_svg(counts, blinded=False, caption="broken")


def texts(svg: str) -> str:
    root = etree.fromstring(svg.encode())
    words = " ".join(" ".join(e.itertext()) for e in root.iter("{http://www.w3.org/2000/svg}text"))
    return " ".join(words.split())  # wrapped lines read as one


def test_the_diagram_shows_every_box_and_arms_only_when_unblinded(built: Built) -> None:
    blinded = texts(consort_svg(BLINDED, blinded=True, caption="cut"))
    for box in (
        "Assessed for eligibility (n=8)",
        "Excluded (n=4)",
        "Randomised (n=3)",
        "Declined to participate (n=1)",
        "Not yet randomised at the cut-off (n=1)",
        "Age must be 18 to 60 years (n=1)",
        "Assessed at week 10 (n=2)",
        "Not assessed at 1 year (n=2)",
        "lost to follow-up (n=1)",
        "Analysed at week 10 (n=2)",
        "Analysed at 1 year (n=1)",
        "visit window still open at the cut-off (n=1)",
    ):
        assert box in blinded
    assert not any(label in blinded for label in ARM_LABELS.values())
    # Receipt, discontinuation and harms reveal the arm: no box of them when blinded.
    for arm_revealing in ("Received allocated", "Discontinued intervention", "Harms", "adverse"):
        assert arm_revealing not in blinded
    counts = consort_counts(Cut.of(built.reader, View.UNBLINDED))
    unblinded = texts(consort_svg(counts, blinded=False, caption="cut"))
    for arm in Arm:
        n = counts["arms"][arm.value]["allocated"]
        assert f"Allocated to {ARM_LABELS[arm]} (n={n})" in unblinded
    for box in ("Received allocated", "Discontinued intervention (n=0)", "Harms: adverse events"):
        assert box in unblinded
