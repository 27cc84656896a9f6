"""Reading the read models: what the web pages, the JSON API and reports ask for.

Every method takes the view to read, "blinded" or "unblinded"; the caller chooses it from the
actor (`actor.blinded`). A blinded read touches only the blinded tables, which hold nothing
arm-revealing. An unblinded read combines the blinded tables with the unblinded model's own
(arm, emergency unblinding, the arm-revealing forms with their signatures, locks and SDV). Site
filtering is offered here; who may see which site is the caller's permission check. Results
are plain dicts and lists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from domain.protocol import ARM_REVEALING_FORMS, FORMS, REPEATING_FORM_KEY_ITEM
from domain.randomisation_deviation import randomisation_deviations_of
from domain.signing import covers
from projections.batch import decode
from projections.db import ViewDatabase
from projections.schema import SCHEMA_VERSION, TRACKING_TABLE, columns, table_name
from projections.spec import BLINDED, UNBLINDED, VIEW_NAMES, view_spec
from projections.visits import OPEN_STATUSES, visit_status

MAX_AUDIT_PAGE = 10_000
_NO_ARM: dict[str, Any] = {"arm": None, "arm_revealed": None}


def _view(view: str) -> str:
    if view not in VIEW_NAMES:
        raise ValueError(f"Unknown read model {view!r}; use one of: {', '.join(VIEW_NAMES)}.")
    return view


class ReadModels:
    """Queries over both read models in one database."""

    def __init__(self, db: ViewDatabase, head: Callable[[], int] | None = None) -> None:
        self.db = db
        self._head = head

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
        status: str | None = None,
        visit_due: date | None = None,
    ) -> list[dict[str, Any]]:
        """Participants in screening order; `visit_due` keeps those with a visit due or
        overdue on that day."""
        clauses, params = [], []
        if site is not None:
            clauses.append("site = ?")
            params.append(site)
        if status is not None:
            clauses.append("status = ?")
            params.append(status)
        rows = self._rows(BLINDED, "participants", " AND ".join(clauses), tuple(params), "seq")
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

    def _arms(self, participant_id: str | None = None) -> dict[str, dict[str, Any]]:
        """Arm and emergency unblinding per participant (unblinded tables only)."""
        where, params = ("participant_id = ?", (participant_id,)) if participant_id else ("", ())
        arms: dict[str, dict[str, Any]] = {
            row["participant_id"]: {"arm": row["arm"], "arm_revealed": None}
            for row in self._rows(UNBLINDED, "allocations", where, params)
        }
        for row in self._rows(UNBLINDED, "revelations", where, params, "position"):
            arms.setdefault(row["participant_id"], dict(_NO_ARM))["arm_revealed"] = {
                "at": row["at"],
                "by": row["user_name"],
                "reason": row["reason"],
            }
        return arms

    def participant(self, view: str, participant_id: str) -> dict[str, Any] | None:
        """One participant with their forms, shaped like the application's participant view."""
        found = self._rows(BLINDED, "participants", "id = ?", (str(participant_id),))
        if not found:
            return None
        row = found[0]
        sheets = self._rows(BLINDED, "forms", "participant_id = ?", (row["id"],), "sheet_key")
        if _view(view) == UNBLINDED:
            adherence = self._rows(
                UNBLINDED, "adherence", "participant_id = ?", (row["id"],), "sheet_key"
            )
            sheets += adherence
            # Each sheet counts its own entries and corrections; a repeating form's version
            # (adverse events) counts those of all its sheets.
            arm_versions: dict[str, int] = {}
            for sheet in adherence:
                arm_versions[sheet["form"]] = arm_versions.get(sheet["form"], 0) + sheet["version"]
            row = {**row, "form_versions": {**row["form_versions"], **arm_versions}}
        by_form: dict[str, list[dict[str, Any]]] = {}
        for sheet in sheets:
            by_form.setdefault(sheet["form"], []).append(sheet)
        result = self._summary(row)
        visible = [f for f in FORMS if not (view == BLINDED and f in ARM_REVEALING_FORMS)]
        badges = self._badges(row, view)
        result["forms"] = {
            form: {**self._form(form, by_form.get(form, []), row), **badges(form)}
            for form in visible
        }
        if view == UNBLINDED:
            result.update(self._arms(row["id"]).get(row["id"], _NO_ARM))
        return result

    def _review_models(self, view: str) -> tuple[str, ...]:
        """The models whose review tables (signatures, locks, sdv) a reader takes: the blinded
        one, and for unblinded readers the arm-revealing forms' own as well."""
        return (BLINDED,) if _view(view) == BLINDED else (BLINDED, UNBLINDED)

    def _badges(self, row: dict[str, Any], view: str) -> Callable[[str], dict[str, Any]]:
        """Per form: locked, signed (by a still-valid signature), verified, open queries."""
        pid = row["id"]
        locked_forms: set[str] = set()
        verified: set[str] = set()
        for model in self._review_models(view):
            locked_forms |= {
                r["form"]
                for r in self._rows(
                    model,
                    "locks",
                    "participant_id = ? AND locked = ? AND form IS NOT NULL",
                    (pid, 1),
                )
            }
            verified |= {
                r["form"]
                for r in self._rows(model, "sdv", "participant_id = ? AND verified = ?", (pid, 1))
            }
        open_queries: dict[str, int] = {}
        for query in self._rows(
            BLINDED, "queries", "participant_id = ? AND status <> ?", (pid, "closed")
        ):
            open_queries[query["form"]] = open_queries.get(query["form"], 0) + 1
        # The forms of the valid signatures (None: the whole casebook), those of the
        # arm-revealing forms too for unblinded readers; which forms each covers is the
        # signing rule's (`domain.signing.covers`).
        signed = set(row["valid_signatures"].values()) | (
            set()
            if view == BLINDED
            else {
                r["form"]
                for r in self._rows(
                    UNBLINDED, "signatures", "participant_id = ? AND valid = ?", (pid, 1)
                )
            }
        )

        def badges(form: str) -> dict[str, Any]:
            entered = bool(row["form_versions"].get(form))
            return {
                "locked": bool(row["locked"]) or form in locked_forms,
                "signed": entered and any(covers(signed_form, form) for signed_form in signed),
                "verified": form in verified,
                "open_queries": open_queries.get(form, 0),
            }

        return badges

    @staticmethod
    def _form(form: str, sheets: list[dict[str, Any]], row: dict[str, Any]) -> dict[str, Any]:
        version = row["form_versions"].get(form, 0)
        if form in REPEATING_FORM_KEY_ITEM:
            items: dict[str, Any] = {
                s["sheet_key"].split(":")[1].lstrip("0"): s["items"] for s in sheets
            }
            derived: dict[str, Any] = {}
        else:
            items = sheets[0]["items"] if sheets else {}
            derived = sheets[0]["derived"] if sheets else {}
        return {
            "version": version,
            "status": "entered" if version else "not started",
            "items": items,
            "derived": derived,
            "deviation": row["deviations"].get(form),
        }

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

    # ---- review: queries, signatures, locks, verification ---------------------------------

    def open_queries(
        self, view: str, site: str | None = None, participant: str | None = None
    ) -> list[dict[str, Any]]:
        clauses, params = ["status <> ?"], ["closed"]
        if site is not None:
            clauses.append("site = ?")
            params.append(site)
        if participant is not None:
            clauses.append("participant_id = ?")
            params.append(str(participant))
        return self._rows(view, "queries", " AND ".join(clauses), tuple(params), "position")

    def signatures(self, view: str, participant: str) -> list[dict[str, Any]]:
        """The participant's signatures; for unblinded readers, then those of the
        arm-revealing forms (numbered in their record), as the application lists them."""
        return [
            row
            for model in self._review_models(view)
            for row in self._rows(
                model, "signatures", "participant_id = ?", (str(participant),), "position"
            )
        ]

    def locks(self, view: str, participant: str | None = None) -> list[dict[str, Any]]:
        where: str = "locked = ?"
        params: tuple[Any, ...] = (1,)
        if participant is not None:
            where, params = "participant_id = ? AND locked = ?", (str(participant), 1)
        rows = [
            row
            for model in self._review_models(view)
            for row in self._rows(model, "locks", where, params)
        ]
        return sorted(rows, key=lambda row: row["position"])

    def verification(self, view: str, participant: str) -> list[dict[str, Any]]:
        rows = [
            row
            for model in self._review_models(view)
            for row in self._rows(model, "sdv", "participant_id = ?", (str(participant),))
        ]
        return sorted(rows, key=lambda row: row["form"])

    # ---- audit index ----------------------------------------------------------------------

    def audit_index(
        self,
        view: str,
        participant: str | None = None,
        user: str | None = None,
        event_type: str | None = None,
        since: int = 0,
        limit: int = 100,
        *,
        form: str | None = None,
        item: str | None = None,
        site: str | None = None,
    ) -> list[dict[str, Any]]:
        """Audit index rows after position `since`, oldest first. An `item` filter also keeps
        whole-form entries (item ""), since a first entry sets every item of the form."""
        clauses: list[str] = ["position > ?"]
        params: list[Any] = [int(since)]
        for column, value in (
            ("participant_id", participant),
            ("user_name", user),
            ("event_type", event_type),
            ("form", form),
            ("site", site),
        ):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(str(value))
        if item is not None:
            clauses.append("(item = ? OR item = ?)")
            params += [item, ""]
        limit = max(1, min(int(limit), MAX_AUDIT_PAGE))
        return self._rows(
            view, "audit", " AND ".join(clauses), tuple(params), "position, item", limit
        )

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

    # ---- positions and dumps --------------------------------------------------------------

    def position(self, view: str) -> int:
        rows = self.db.query(
            f"SELECT position FROM {TRACKING_TABLE} WHERE name = ?", (_view(view),)
        )
        return int(rows[0][0]) if rows else 0

    def status(self) -> dict[str, dict[str, Any]]:
        """Position of each read model against the head of the event store."""
        head = self._head() if self._head else None
        rows = self.db.query(
            f"SELECT name, position, schema_version FROM {TRACKING_TABLE} ORDER BY name"
        )
        return {
            name: {
                "position": int(position),
                "head": head,
                "lag": None if head is None else max(0, head - int(position)),
                "schema_ok": schema == SCHEMA_VERSION,
            }
            for name, position, schema in rows
        }

    def dump(self, view: str) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table of a read model, sorted: for comparing two builds."""
        prefix = f"{_view(view)}_"
        return {
            table: sorted(self.db.query(f"SELECT * FROM {table}"), key=repr)
            for table in self.db.tables()
            if table.startswith(prefix)
        }
