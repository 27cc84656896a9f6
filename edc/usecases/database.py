"""Use cases of the database lock and of the release of the unblinded data (DESIGN.md,
"Database lock and release"), and the record of every unblinded export.

Lock: the pre-lock checks are worked out here from the store (open queries, follow-up,
signatures), each failing one needs an override reason, and the data manager signs with the
password (the same check, and lock-out, as any signature). Release: a second signed step on
a locked database; from then on analysts may take unblinded data at positions from the
release on. An unlock after the release suspends that until the next lock and release.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from domain.actor import Actor
from domain.arm_revealing_query import ArmRevealingQuery
from domain.database_lock import DatabaseLock
from domain.errors import PermissionDenied
from domain.prelock import (
    ARM_REVEALING_QUERIES,
    CHECK_LABELS,
    CasebookFacts,
    PreLockFindings,
    pre_lock_findings,
)
from domain.query import QueryStatus
from domain.roles import Role
from domain.signing import CASEBOOK
from domain.unblinded_export import UnblindedExport
from domain.wording import Message
from edc.concurrency import retry_on_conflict
from edc.permissions import Action, authorize, sees_arm_revealing_forms
from edc.query_lookup import AnyQuery, arm_revealing_queries_of, queries_of
from edc.refusals import logs_refusals
from edc.usecases.review import ReviewUseCases

LAST_VISIT_FORM = "month12"


class DatabaseUseCases(ReviewUseCases):
    # Signing the lock and the release re-enters the password as any signature does
    # (ReviewUseCases._signer_name), so the lock-out counts those attempts too.

    @logs_refusals
    def pre_lock_checks(self, actor: Actor) -> dict[str, dict[str, Any]]:
        """Each pre-lock check with its label and what it finds now."""
        authorize(actor, Action.LOCK_DATABASE)
        checks: dict[str, dict[str, Any]] = {
            check: {"label": CHECK_LABELS[check], "findings": list(found)}
            for check, found in self._findings().items()
        }
        if checks[ARM_REVEALING_QUERIES]["findings"]:
            checks[ARM_REVEALING_QUERIES]["details"] = self._arm_revealing_query_details(actor)
        return checks

    @logs_refusals
    @retry_on_conflict
    def lock_database(
        self, actor: Actor, password: object, overrides: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """Freeze the whole trial database (end of study), signed, after the pre-lock checks."""
        at = self.clock()
        authorize(actor, Action.LOCK_DATABASE)
        findings = self._findings()
        signed_by = self._signer_name(actor, password)
        lock = self.load_database_lock() or DatabaseLock.start(at)
        lock.lock_database(findings, overrides or {}, signed_by, actor, at)
        self.save(lock)
        return self.database_lock_status()

    @logs_refusals
    @retry_on_conflict
    def release_unblinded_data(self, actor: Actor, password: object) -> dict[str, Any]:
        """Release the unblinded data of the locked database to the analysts, signed."""
        at = self.clock()
        authorize(actor, Action.LOCK_DATABASE)
        signed_by = self._signer_name(actor, password)
        lock = self.load_database_lock() or DatabaseLock.start(at)
        head = self.recorder.max_notification_id() or 0
        lock.release_unblinded_data(head, signed_by, actor, at)
        self.save(lock)
        return self.database_lock_status()

    @logs_refusals
    @retry_on_conflict
    def unlock_database(self, actor: Actor, reason: str) -> dict[str, Any]:
        at = self.clock()
        authorize(actor, Action.LOCK_DATABASE)
        lock = self.load_database_lock() or DatabaseLock.start(at)
        lock.unlock_database(reason, actor, at)
        self.save(lock)
        return self.database_lock_status()

    def database_locked(self) -> bool:
        lock = self.load_database_lock(copy=False)
        return lock is not None and lock.locked

    def database_lock_status(self) -> dict[str, Any]:
        lock = self.load_database_lock()
        held = lock.lock if lock is not None else None
        release = lock.release if lock is not None else None
        return {
            "locked": held is not None,
            "state": lock.state if lock is not None else "open",
            "locked_by": held["user"] if held else None,
            "locked_at": held["at"].isoformat() if held else None,
            "released": release is not None,
            "released_by": release["user"] if release else None,
            "released_at": release["at"].isoformat() if release else None,
            "release_from_position": release["from_position"] if release else None,
            "unlocks_after_release": lock.unlocks_after_release if lock is not None else 0,
        }

    # ---- unblinded data for analysts --------------------------------------------------------

    def unblinded_release_position(self) -> int | None:
        """The first position analysts may read unblinded, while released (else None)."""
        lock = self.load_database_lock(copy=False)
        if lock is None or lock.release is None:
            return None
        return int(lock.release["from_position"])

    def check_unblinded_access(self, actor: Actor, as_of: int | None) -> None:
        """Unblinded accounts may read the unblinded view; a blinded analyst only after the
        release, and only at a position from the release on."""
        if not actor.blinded:
            return
        if Role(actor.role) is not Role.ANALYST:
            raise PermissionDenied("The unblinded view is for unblinded accounts.")
        start = self.unblinded_release_position()
        if start is None:
            raise PermissionDenied(
                "The unblinded data are not released: analysts get them after the database "
                "is locked and the release is signed."
            )
        if as_of is not None and as_of < start:
            raise PermissionDenied(
                Message(
                    "The unblinded data are released from position %(start)s on; "
                    "position %(as_of)s is before the release.",
                    start=start,
                    as_of=as_of,
                )
            )

    def record_unblinded_export(self, actor: Actor, kind: str, as_of: int, channel: str) -> None:
        """Every unblinded export, snapshot, analysis or download is an event in the store."""
        export = UnblindedExport.take(uuid.uuid4(), kind, as_of, channel, actor, self.clock())
        self.save(export)

    # ---- the checks -------------------------------------------------------------------------

    def _findings(self) -> PreLockFindings:
        open_queries: list[str] = []
        arm_revealing_open = False
        facts: list[CasebookFacts] = []
        for pid in self.participant_ids():
            participant = self._participant(pid)
            for query in queries_of(self, pid):
                if query.status is not QueryStatus.CLOSED:
                    open_queries.append(_open_query_finding(participant.screening_number, query))
            arm_revealing_open = arm_revealing_open or any(
                query.status is not QueryStatus.CLOSED
                for query in arm_revealing_queries_of(self, pid)
            )
            valid = [s for s in participant.signatures if participant.signature_is_valid(s)]
            facts.append(
                CasebookFacts(
                    screening_number=participant.screening_number,
                    randomised=participant.randomised_on is not None,
                    ended=participant.ended,
                    last_visit_done=bool(participant.sheets_of(LAST_VISIT_FORM)),
                    casebook_signed=any(s.scope == CASEBOOK for s in valid),
                    invalid_signatures=len(participant.signatures) - len(valid),
                )
            )
        return pre_lock_findings(open_queries, facts, arm_revealing_queries_open=arm_revealing_open)

    def _arm_revealing_query_details(self, actor: Actor) -> list[str]:
        """The open queries on arm-revealing forms one by one, for an unblinded reader of the
        checks (never kept in the lock event, which blinded readers see)."""
        if not sees_arm_revealing_forms(actor):
            return []
        details: list[str] = []
        for pid in self.participant_ids():
            for query in arm_revealing_queries_of(self, pid):
                if query.status is not QueryStatus.CLOSED:
                    details.append(_open_query_finding(query.screening_number, query))
        return details


def _open_query_finding(screening_number: str, query: AnyQuery) -> str:
    # An adverse event's number says which one; weekly queries read as they always have.
    repeat = f" {query.week}" if isinstance(query, ArmRevealingQuery) and query.week else ""
    return f"{screening_number}: {query.form}{repeat} {query.item} ({query.status.value})"
