"""Reading the read models: the lists the read use cases (`edc.usecases.reads`) ask for.

Only what a production path reads is here: participants, visits, the audit index's positions
and serious adverse events (with `projections.worklists` and `projections.participant_list`,
which read the review tables and the weekly sheets). One participant's page, their queries,
signatures and locks are read from the store by the application; nothing here answers them.

Every method takes the view to read, "blinded" or "unblinded"; the caller chooses it from the
actor (`actor.blinded`). A blinded read touches only the blinded tables, which hold nothing
arm-revealing. An unblinded read combines the blinded tables with the unblinded model's own
(arm, emergency unblinding, the arm-revealing forms with their signatures and SDV). Site
filtering is offered here; who may see which site is the caller's permission check. Results
are plain dicts and lists.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from domain.randomisation_deviation import randomisation_deviations_of
from projections.batch import decode
from projections.db import ViewDatabase
from projections.schema import columns, table_name
from projections.spec import BLINDED, UNBLINDED, VIEW_NAMES, view_spec
from projections.visits import OPEN_STATUSES, visit_status

_NO_ARM: dict[str, Any] = {"arm": None, "arm_revealed": None}


def _view(view: str) -> str:
    if view not in VIEW_NAMES:
        raise ValueError(f"Unknown read model {view!r}; use one of: {', '.join(VIEW_NAMES)}.")
    return view


class ReadModels:
    """Queries over both read models in one database."""

    def __init__(self, db: ViewDatabase) -> None:
        self.db = db

    def _rows(
        self,
        view: str,
        table: str,
        where: str = "",
        params: tuple[Any, ...] = (),
        order: str = "",
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        cols = columns(view_spec(_view(view)), table)
        sql = f"SELECT {', '.join(cols)} FROM {table_name(view, table)}"
        if where:
            sql += f" WHERE {where}"
        if order:
            sql += f" ORDER BY {order}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [
            {col: decode(col, value) for col, value in zip(cols, row, strict=True)}
            for row in self.db.query(sql, params)
        ]

    # ---- participants ---------------------------------------------------------------------

    @staticmethod
    def _summary(row: dict[str, Any]) -> dict[str, Any]:
        summary = dict(row)
        for internal in ("seq", "last_position", "signature_count", "valid_signatures"):
            summary.pop(internal, None)
        summary["mri_eligible"] = bool(row["mri_eligible"])
        summary["included"] = bool(row["included"])
        summary["locked"] = bool(row["locked"])
        summary["randomisation_deviations"] = randomisation_deviations_of(row["deviations"] or {})
        return summary

    def participants(
        self,
        view: str,
        site: str | None = None,
        visit_due: date | None = None,
    ) -> list[dict[str, Any]]:
        """Participants in screening order; `visit_due` keeps those with a visit due or
        overdue on that day."""
        where, params = ("site = ?", (site,)) if site is not None else ("", ())
        rows = self._rows(BLINDED, "participants", where, params, "seq")
        if visit_due is not None:
            due = {
                v["participant_id"]
                for v in self.visits(view, visit_due, site=site)
                if v["status"] in OPEN_STATUSES
            }
            rows = [row for row in rows if row["id"] in due]
        summaries = [self._summary(row) for row in rows]
        if _view(view) == UNBLINDED:
            arms = self._arms()
            for summary in summaries:
                summary.update(arms.get(summary["id"], _NO_ARM))
        return summaries

    def _arms(self) -> dict[str, dict[str, Any]]:
        """Arm and emergency unblinding per participant (unblinded tables only)."""
        arms: dict[str, dict[str, Any]] = {
            row["participant_id"]: {"arm": row["arm"], "arm_revealed": None}
            for row in self._rows(UNBLINDED, "allocations")
        }
        for row in self._rows(UNBLINDED, "revelations", order="position"):
            arms.setdefault(row["participant_id"], dict(_NO_ARM))["arm_revealed"] = {
                "at": row["at"],
                "by": row["user_name"],
                "reason": row["reason"],
            }
        return arms

    # ---- visits ---------------------------------------------------------------------------

    def visits(
        self,
        view: str,
        reference_date: date,
        site: str | None = None,
        participant: str | None = None,
        status: str | None = None,
    ) -> list[dict[str, Any]]:
        """Scheduled visits of randomised participants with their status on `reference_date`."""
        _view(view)  # visits reveal nothing about the arm: both views read the blinded tables
        v, p = table_name(BLINDED, "visits"), table_name(BLINDED, "participants")
        sql = (
            f"SELECT v.participant_id, p.screening_number, p.site, v.visit, v.target_on, "
            f"v.window_start, v.window_end, v.done_on, v.deviation, p.ended_on, v.missed "
            f"FROM {v} v JOIN {p} p ON p.id = v.participant_id"
        )
        clauses, params = [], []
        if site is not None:
            clauses.append("p.site = ?")
            params.append(site)
        if participant is not None:
            clauses.append("v.participant_id = ?")
            params.append(str(participant))
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY v.target_on, p.seq, v.visit"
        keys = (
            "participant_id",
            "screening_number",
            "site",
            "visit",
            "target_on",
            "window_start",
            "window_end",
            "done_on",
            "deviation",
            "ended_on",
            "missed",
        )
        result = []
        for values in self.db.query(sql, tuple(params)):
            visit = dict(zip(keys, values, strict=True))
            visit["missed"] = decode("missed", visit["missed"])
            visit["status"] = visit_status(
                reference_date,
                target_on=visit["target_on"],
                window_start=visit["window_start"],
                window_end=visit["window_end"],
                done_on=visit["done_on"],
                ended_on=visit["ended_on"],
                recorded_missed_on=(visit["missed"] or {}).get("on"),
            )
            if status is None or visit["status"] == status:
                result.append(visit)
        return result

    # ---- audit index ----------------------------------------------------------------------

    def audit_positions(
        self,
        view: str,
        *,
        user: str | None = None,
        form: str | None = None,
        item: str | None = None,
        since: int = 0,
        before: int | None = None,
        newest_first: bool = False,
        page: int = 500,
    ) -> Iterator[int]:
        """Positions of the events an audit filter may match, in order (newest first on
        request), read page by page. A locator for the trail, which re-reads and re-checks the
        events: an `item` keeps every form entry too (`item` ""), since a first entry sets the
        items it holds."""
        clauses: list[str] = ["position > ?"]
        params: list[Any] = [int(since)]
        if before is not None:
            clauses.append("position < ?")
            params.append(int(before))
        for column, value in (("user_name", user), ("form", form)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        if item is not None:
            clauses.append("(item = ? OR (item = ? AND form IS NOT NULL))")
            params += [item, ""]
        order = "DESC" if newest_first else "ASC"
        table = table_name(_view(view), "audit")
        cursor: int | None = None
        while True:
            where, args = list(clauses), list(params)
            if cursor is not None:
                where.append("position < ?" if newest_first else "position > ?")
                args.append(cursor)
            sql = (
                f"SELECT DISTINCT position FROM {table} WHERE {' AND '.join(where)}"
                f" ORDER BY position {order} LIMIT {int(page)}"
            )
            positions = [int(row[0]) for row in self.db.query(sql, tuple(args))]
            yield from positions
            if len(positions) < page:
                return
            cursor = positions[-1]

    # ---- harms ----------------------------------------------------------------------------

    def serious_adverse_events(self, site: str | None = None) -> list[dict[str, Any]]:
        """Serious adverse events, newest first (unblinded tables only: harms reveal the arm)."""
        events = self._rows(UNBLINDED, "adherence", "form = ?", ("adverse_event",), "position")
        serious = [e for e in events if (e["items"] or {}).get("AE_SERIOUS") == "Y"]
        people = {
            row["id"]: row
            for row in self._rows(BLINDED, "participants")
            if site is None or row["site"] == site
        }
        return [
            {
                "participant_id": event["participant_id"],
                "screening_number": people[event["participant_id"]]["screening_number"],
                "site": people[event["participant_id"]]["site"],
                "ae_no": event["items"].get("AE_NO"),
                "term": event["items"].get("AE_TERM"),
                "onset": event["items"].get("AE_ONSET"),
                "criteria": event["items"].get("AE_SAE_CRITERIA") or [],
                "outcome": event["items"].get("AE_OUTCOME"),
                "reported_at": event["updated_at"],
            }
            for event in reversed(serious)
            if event["participant_id"] in people
        ]
