"""The checks made before the database is locked, and their overrides (pure).

Each check lists what stands in the way of a final database: open queries (those on
arm-revealing forms as one finding of their own, which says neither how many nor where), randomised
participants neither ended nor followed up to the last visit, signatures a later change made
invalid and randomised casebooks nobody signed. A check with findings blocks the lock unless
it is overridden with a reason, which the lock event keeps beside the findings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from domain import errors
from domain.text import text_problem
from domain.wording import Message

OPEN_QUERIES = "open_queries"
ARM_REVEALING_QUERIES = "arm_revealing_queries"
FOLLOW_UP = "follow_up"
SIGNATURES = "signatures"
CHECK_LABELS: dict[str, str] = {
    OPEN_QUERIES: Message("No query is open"),
    ARM_REVEALING_QUERIES: Message("No query on an arm-revealing form is open"),
    FOLLOW_UP: Message(
        "Every randomised participant has ended the study or reached the 1-year visit"
    ),
    SIGNATURES: Message("Every randomised casebook is signed and no signature needs signing again"),
}
MAX_OVERRIDE = 500

PreLockFindings = dict[str, tuple[str, ...]]

# The one finding of open queries on arm-revealing forms, whatever their number: the findings
# are kept in the lock event and shown to blinded data managers, and which participants,
# forms and how many would tell of harms (README, "Queries on arm-revealing forms").
ARM_REVEALING_QUERIES_OPEN = Message(
    "Queries on arm-revealing forms are open: unblinded monitors and data managers see them"
)


@dataclass(frozen=True)
class CasebookFacts:
    """What the checks need to know of one participant."""

    screening_number: str
    randomised: bool
    ended: bool
    last_visit_done: bool
    casebook_signed: bool
    invalid_signatures: int


def pre_lock_findings(
    open_queries: Iterable[str],
    casebooks: Iterable[CasebookFacts],
    *,
    arm_revealing_queries_open: bool = False,
) -> PreLockFindings:
    """Every check, with what it found (empty: passed). Open queries on arm-revealing forms
    are one finding, never counted or named (`ARM_REVEALING_QUERIES_OPEN`)."""
    follow_up: list[str] = []
    signatures: list[str] = []
    for c in casebooks:
        if c.randomised and not (c.ended or c.last_visit_done):
            follow_up.append(
                Message("%(number)s: not ended and no 1-year visit", number=c.screening_number)
            )
        if c.invalid_signatures:
            signatures.append(
                Message(
                    "%(number)s: %(count)s signature(s) need signing again",
                    number=c.screening_number,
                    count=c.invalid_signatures,
                )
            )
        elif c.randomised and not c.casebook_signed:
            signatures.append(Message("%(number)s: casebook not signed", number=c.screening_number))
    return {
        OPEN_QUERIES: tuple(open_queries),
        ARM_REVEALING_QUERIES: (ARM_REVEALING_QUERIES_OPEN,) if arm_revealing_queries_open else (),
        FOLLOW_UP: tuple(follow_up),
        SIGNATURES: tuple(signatures),
    }


def check_overrides(findings: PreLockFindings, overrides: Mapping[str, str]) -> dict[str, str]:
    """The override reason of each failing check; raises FormInvalid naming each one missing."""
    problems: dict[str, str] = {}
    reasons: dict[str, str] = {}
    for check, found in findings.items():
        if not found:
            continue
        reason = overrides.get(check, "")
        reason = reason.strip() if isinstance(reason, str) else ""
        problem = text_problem(reason, multiline=True) if reason else None
        if not reason:
            problems[check] = Message(
                "%(check)s: %(count)s finding(s); give a reason to override",
                check=CHECK_LABELS[check],
                count=len(found),
            )
        elif problem:
            problems[check] = problem
        elif len(reason) > MAX_OVERRIDE:
            problems[check] = Message("At most %(limit)s characters", limit=MAX_OVERRIDE)
        else:
            reasons[check] = reason
    if problems:
        raise errors.FormInvalid(
            problems,
            Message("The pre-lock checks did not pass: resolve or override each with a reason."),
        )
    return reasons
