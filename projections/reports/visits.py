"""Visit status at a cut-off: each randomised participant's scheduled visits, with dates.

The schedule (target day and window from the date of randomisation) and the status wording
are shared with the read models (`projections.participant_row`, `projections.visits`); the
reference day is the cut-off's own date (the day of its last event, in the trial's time zone),
so the report at a position never changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import astuple, dataclass, fields
from datetime import date
from zoneinfo import ZoneInfo

from domain.protocol import TIME_ZONE, VISIT_DATE_ITEM
from domain.visit_records import MISSED_REASON_LABELS, MissedReason
from projections.exports.casebook import Casebook, casebooks
from projections.exports.source import Cut
from projections.participant_row import VISIT_DATE_FORM, visit_rows
from projections.visits import VISIT_STATUSES, visit_status


@dataclass(frozen=True)
class VisitLine:
    participant_id: str
    screening_number: str
    visit: str
    target_on: str
    window_start: str
    window_end: str
    done_on: str | None
    status: str
    deviation: str | None
    missed_reason: str | None


COLUMNS = tuple(f.name for f in fields(VisitLine))
SUMMARY_COLUMNS = ("visit", *VISIT_STATUSES, "total")


def cut_off_date(cut: Cut) -> date:
    return cut.last_event_time().astimezone(ZoneInfo(TIME_ZONE)).date()


def visit_lines(
    books: Iterable[Casebook], reference: date, label: Callable[[str], str] = str
) -> Iterator[VisitLine]:
    """Each randomised participant's scheduled visits; `label` words the trial's labels (the
    reason a visit was missed) in the reader's language."""
    for casebook in books:
        participant = casebook.participant
        if participant.randomised_on is None:
            continue
        end = participant.sheets.get("end_of_study")
        ended_on = end.get("EOS_DATE") if end else None
        for row in visit_rows(str(participant.id), participant.randomised_on.isoformat()):
            form = VISIT_DATE_FORM[row["visit"]]
            sheet = participant.sheets.get(form)
            done_on = sheet.get(VISIT_DATE_ITEM[form]) if sheet else None
            status = visit_status(
                reference,
                target_on=row["target_on"],
                window_start=row["window_start"],
                window_end=row["window_end"],
                done_on=done_on,
                ended_on=ended_on,
                # The cut holds the record only if it was made by then.
                recorded_missed_on=(
                    reference.isoformat() if row["visit"] in participant.missed_visits else None
                ),
            )
            yield VisitLine(
                str(participant.id),
                participant.screening_number,
                row["visit"],
                row["target_on"],
                row["window_start"],
                row["window_end"],
                done_on,
                status,
                participant.deviations.get(form),
                missed_reason_text(participant.missed_visits.get(row["visit"]), label),
            )


def missed_reason_text(
    reason: Mapping[str, str] | None, label: Callable[[str], str] = str
) -> str | None:
    """Why a visit recorded as missed did not take place: the reason, then the site's words."""
    if reason is None:
        return None
    words = label(MISSED_REASON_LABELS[MissedReason(reason["code"])])
    return f"{words}: {reason['text']}" if reason.get("text") else words


def visit_report(cut: Cut, label: Callable[[str], str] = str) -> list[VisitLine]:
    return list(visit_lines(casebooks(cut), cut_off_date(cut), label))


def visit_summary(lines: Iterable[VisitLine]) -> list[tuple[object, ...]]:
    """Counts of each status per visit, in schedule order."""
    counts: dict[str, dict[str, int]] = {}
    for visit_line in lines:
        per_visit = counts.setdefault(visit_line.visit, dict.fromkeys(VISIT_STATUSES, 0))
        per_visit[visit_line.status] = per_visit.get(visit_line.status, 0) + 1
    return [
        (visit, *(per_visit[status] for status in VISIT_STATUSES), sum(per_visit.values()))
        for visit, per_visit in counts.items()
    ]


def as_rows(lines: Iterable[VisitLine]) -> list[tuple[object, ...]]:
    return [astuple(visit_line) for visit_line in lines]
