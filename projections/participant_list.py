"""The participant list: each participant's progress by form, sorted by any column, as rows
for the page and for its CSV download.

Progress counts the forms every reader may see (never an arm-revealing one), so the list and
its CSV are the same for blinded and unblinded readers of a site: no column, count or sort
order depends on the arm. Rows come from the read models' participant summaries, or from the
application's participant views while the read models catch up (both carry each form's
version).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from projections.reading import ReadModels
from projections.schema import table_name
from projections.spec import BLINDED

# Forms entered once per participant, in protocol order, that no one's blind hides.
PROGRESS_FORMS: tuple[str, ...] = (
    "screening",
    "mri",
    "consent",
    "baseline",
    "week10",
    "month12",
    "end_of_study",
)
SHORT_LABELS = {
    "screening": "Screening",
    "mri": "MRI",
    "consent": "Consent",
    "baseline": "Baseline",
    "week10": "Week 10",
    "month12": "1 year",
    "end_of_study": "End of study",
    "weekly": "Weekly reports",
}
# Column key -> heading, in the order of the page and the CSV.
COLUMNS: dict[str, str] = {
    "screening_number": "Screening number",
    "site": "Site",
    "status": "Status",
    "randomised_on": "Randomised on",
    "progress": "Forms entered",
    **{form: SHORT_LABELS[form] for form in PROGRESS_FORMS},
    "weekly": SHORT_LABELS["weekly"],
}
ORDERS = ("asc", "desc")


class UnknownColumn(ValueError):
    def __init__(self, column: str) -> None:
        super().__init__(column)
        self.column = column


def weekly_reports(models: ReadModels, site: str | None) -> dict[str, int]:
    """Weekly reports received per participant (blinded-safe: the participant's own answers)."""
    forms, participants = table_name(BLINDED, "forms"), table_name(BLINDED, "participants")
    sql = (
        f"SELECT f.participant_id, COUNT(*) FROM {forms} f "
        f"JOIN {participants} p ON p.id = f.participant_id WHERE f.form = ?"
    )
    params: tuple[Any, ...] = ("weekly",)
    if site is not None:
        sql += " AND p.site = ?"
        params += (site,)
    sql += " GROUP BY f.participant_id"
    return {str(pid): int(count) for pid, count in models.db.query(sql, params)}


def _versions(participant: dict[str, Any]) -> dict[str, int]:
    if "form_versions" in participant:
        return dict(participant["form_versions"] or {})
    return {form: state.get("version", 0) for form, state in participant.get("forms", {}).items()}


def _weekly_of(participant: dict[str, Any], weekly: dict[str, int] | None) -> int:
    if weekly is not None:
        return weekly.get(str(participant["id"]), 0)
    return len(participant.get("forms", {}).get("weekly", {}).get("items", {}) or {})


def progress_rows(
    participants: Iterable[dict[str, Any]], weekly: dict[str, int] | None = None
) -> list[dict[str, Any]]:
    """One row per participant: the columns of COLUMNS (forms: entered or not)."""
    rows = []
    for participant in participants:
        versions = _versions(participant)
        entered = {form: bool(versions.get(form)) for form in PROGRESS_FORMS}
        rows.append(
            {
                "id": str(participant["id"]),
                "screening_number": participant["screening_number"],
                "site": participant["site"],
                "status": participant["status"],
                "randomised_on": participant.get("randomised_on"),
                "progress": sum(entered.values()),
                **entered,
                "weekly": _weekly_of(participant, weekly),
            }
        )
    return rows


def _key(column: str) -> Callable[[dict[str, Any]], tuple[bool, Any]]:
    # Empty cells last whichever the order, by putting them after every value ascending.
    return lambda row: (row[column] is None, row[column] if row[column] is not None else 0)


def sort_rows(rows: list[dict[str, Any]], column: str, order: str) -> list[dict[str, Any]]:
    """Rows sorted by a column (ties keep screening order); refuses an unknown column."""
    if column not in COLUMNS:
        raise UnknownColumn(column)
    if order == "desc":
        filled = [row for row in rows if row[column] is not None]
        empty = [row for row in rows if row[column] is None]
        return sorted(filled, key=_key(column), reverse=True) + empty
    return sorted(rows, key=_key(column))


def csv_table(rows: Iterable[dict[str, Any]]) -> Iterable[list[object]]:
    """The header and one line per row: forms as yes/no, the rest as shown."""
    yield list(COLUMNS.values())
    for row in rows:
        yield [
            ("yes" if row[key] else "no") if key in PROGRESS_FORMS else row[key] for key in COLUMNS
        ]
