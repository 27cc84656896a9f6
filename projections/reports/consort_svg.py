"""The CONSORT 2010 flow diagram as SVG, drawn only from numbers that add up.

Enrolment (assessed, excluded with reasons, not yet randomised at the cut-off, randomised),
then one column per arm (unblinded) or one column of totals (blinded) for allocation,
follow-up and analysis. `consort_svg` checks the arithmetic first and raises
ConsortArithmeticError rather than draw a diagram whose boxes do not add up.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.crf import describe_criterion
from domain.itt import FOLLOW_UP_LABELS, FOLLOW_UP_VISITS
from domain.protocol import ARM_LABELS, Arm
from projections.reports.consort import require_consistent
from projections.reports.svg import Box, arrow, document, line, text

WIDTH = 980
LEFT = 120  # room for the phase labels
GAP = 36
Lines = tuple[tuple[str, int], ...]


def _reasons(by_reason: Mapping[str, int], indent: int, describe: Any = str) -> Lines:
    return tuple((f"{describe(reason)} (n={n})", indent) for reason, n in by_reason.items())


def enrolment_lines(counts: Mapping[str, Any]) -> tuple[Lines, Lines]:
    excluded = counts["excluded"]
    not_meeting = excluded["not_meeting_criteria"]
    excluded_lines: Lines = (
        (f"Excluded (n={excluded['total']})", 0),
        (f"Not meeting inclusion criteria (n={not_meeting['total']})", 1),
        (
            f"Not eligible for MRI (n={not_meeting['screen_failure']}); criteria not met "
            "(one person may fail several):",
            2,
        ),
        *_reasons(not_meeting["by_criterion"], 3, describe_criterion),
        (f"No Modic changes on MRI (n={not_meeting['no_modic_changes']})", 2),
        (f"Declined to participate (n={excluded['declined']})", 1),
        (f"Other reasons (n={excluded['other']['total']})", 1),
        *_reasons(excluded["other"]["by_reason"], 2),
    )
    pending_lines: Lines = (
        (f"Not yet randomised at the cut-off (n={counts['pending']})", 0),
        ("still between screening and randomisation", 1),
    )
    return excluded_lines, pending_lines


def column_lines(group: Mapping[str, Any], heading: str, blinded: bool) -> tuple[Lines, ...]:
    if blinded:
        allocation: Lines = (
            (heading, 0),
            ("Arms are not shown in the blinded view.", 1),
            ("Receipt of the intervention, discontinuations and harms are not shown", 1),
            ("(they reveal the arm).", 1),
        )
    else:
        not_received = group["not_received"]
        allocation = (
            (heading, 0),
            (f"Received allocated intervention (n={group['received']})", 1),
            (f"Did not receive allocated intervention (n={not_received['total']})", 1),
            *_reasons(not_received["by_reason"], 2),
        )
    follow_up = group["follow_up"]
    follow: list[tuple[str, int]] = []
    for visit in FOLLOW_UP_VISITS:
        label = FOLLOW_UP_LABELS[visit]
        unseen = follow_up[visit]["not_assessed"]
        follow += [
            (f"Assessed at {label} (n={follow_up[visit]['assessed']})", 0),
            (f"Not assessed at {label} (n={unseen['total']})", 1),
            *_reasons(unseen["by_reason"], 2),
        ]
    left = follow_up["left_study"]
    follow += [(f"Lost to follow-up or left the study (n={left['total']})", 0)]
    follow += _reasons(left["by_reason"], 1)
    if not blinded:
        stopped = follow_up["discontinued"]
        follow += [
            (f"Discontinued intervention (n={stopped['total']})", 0),
            *_reasons(stopped["by_reason"], 1, _disc_reason),
            (f"still followed up (n={stopped['follow_up_continues']})", 1),
            (f"follow-up ended (n={stopped['follow_up_stopped']})", 1),
        ]
    analysis: list[tuple[str, int]] = []
    for visit in FOLLOW_UP_VISITS:
        label = FOLLOW_UP_LABELS[visit]
        excluded = group["analysis"][visit]["excluded"]
        analysis += [
            (f"Analysed at {label} (n={group['analysis'][visit]['analysed']})", 0),
            (f"Excluded from analysis at {label} (n={excluded['total']})", 1),
            *_reasons(excluded["by_reason"], 2),
        ]
    if not blinded:
        harms = group["harms"]
        analysis += [
            (f"Harms: adverse events (n={harms['adverse_events']})", 0),
            (f"serious adverse events (n={harms['serious_adverse_events']})", 1),
            (f"participants with at least one AE (n={harms['participants_with_ae']})", 1),
            (f"participants with at least one SAE (n={harms['participants_with_sae']})", 1),
        ]
    return allocation, tuple(follow), tuple(analysis)


def _disc_reason(code: str) -> str:
    return code.replace("_", " ")


def columns(counts: Mapping[str, Any], blinded: bool) -> list[tuple[Lines, ...]]:
    if blinded or "arms" not in counts:
        heading = f"Allocated (n={counts['randomised']}), all arms together"
        return [column_lines(counts, heading, blinded=True)]
    result = []
    for arm, group in counts["arms"].items():
        label = ARM_LABELS.get(Arm(arm), arm) if arm in set(Arm) else arm
        result.append(
            column_lines(group, f"Allocated to {label} (n={group['allocated']})", blinded=False)
        )
    return result


def consort_svg(counts: Mapping[str, Any], *, blinded: bool, caption: str) -> str:
    """Draw the diagram; raises ConsortArithmeticError if the counts do not add up."""
    require_consistent(counts)
    body: list[str] = []
    main_width = 300
    main_x = LEFT + 40
    side_x = main_x + main_width + 60
    side_width = WIDTH - side_x - 20
    y = 56
    body.append(text(WIDTH / 2, 24, "CONSORT 2010 flow diagram", "middle", 16, "bold"))
    body.append(text(WIDTH / 2, 42, caption, "middle", 11))

    assessed = Box(
        main_x, y, main_width, ((f"Assessed for eligibility (n={counts['assessed']})", 0),)
    )
    excluded_lines, pending_lines = enrolment_lines(counts)
    excluded = Box(side_x, assessed.bottom + GAP / 2, side_width, excluded_lines)
    pending = Box(side_x, excluded.bottom + GAP / 2, side_width, pending_lines)
    randomised = Box(
        main_x,
        pending.bottom + GAP / 2,
        main_width,
        ((f"Randomised (n={counts['randomised']})", 0),),
    )
    trunk = main_x + main_width / 2
    body += [assessed.svg(), excluded.svg(), pending.svg(), randomised.svg()]
    body.append(arrow(trunk, assessed.bottom, trunk, randomised.y))
    for side in (excluded, pending):
        body.append(arrow(trunk, side.y + side.height / 2, side.x, side.y + side.height / 2))
    body.append(_phase(y, randomised.bottom, "Enrolment"))

    cols = columns(counts, blinded)
    usable = WIDTH - LEFT - 20
    width = (usable - GAP * (len(cols) - 1)) / len(cols)
    top = randomised.bottom + GAP
    centres = [LEFT + index * (width + GAP) + width / 2 for index in range(len(cols))]
    # Randomised -> a bar over the columns -> one arrow down into each arm's column.
    bar_y = randomised.bottom + GAP / 2
    body.append(line(trunk, randomised.bottom, trunk, bar_y))
    body.append(line(min(*centres, trunk), bar_y, max(*centres, trunk), bar_y))
    previous = [bar_y] * len(cols)
    for phase_number, phase in enumerate(("Allocation", "Follow-up", "Analysis")):
        boxes = [
            Box(LEFT + index * (width + GAP), top, width, col[phase_number])
            for index, col in enumerate(cols)
        ]
        for box, source in zip(boxes, previous, strict=True):
            body.append(arrow(box.centre, source, box.centre, box.y))
            body.append(box.svg())
        bottom = max(box.bottom for box in boxes)
        body.append(_phase(top, bottom, phase))
        previous = [box.bottom for box in boxes]
        top = bottom + GAP
    return document(WIDTH, top, f"CONSORT 2010 flow diagram. {caption}", body)


def _phase(top: float, bottom: float, label: str) -> str:
    return text(12, (top + bottom) / 2, label, "start", 13, "bold", "#333")
