"""Who may read which kind of data, whatever the route: the exports page, the JSON API's
snapshot and ODM routes, the analysis page and `edc export --user`.

One permission per kind of data, not per route: the same records reached through ODM
Transactional or the audit stream are the audit trail (with the refusal log and the login
history), so only roles that may read the audit trail get them, while analysts get the data as
they stand (snapshots, ODM Snapshot, analysis files) and the data dictionary.
"""

from __future__ import annotations

from enum import StrEnum

from domain.actor import Actor
from domain.errors import PermissionDenied
from domain.roles import Role
from edc.base import TrialBase
from edc.permissions import ROLE_ACTIONS, Action, may
from edc.refusals import record_refusal
from projections.exports import ExportKind


class DataKind(StrEnum):
    SNAPSHOT = "the data as they stand"
    DICTIONARY = "the data dictionary"
    AUDIT_TRAIL = "the audit trail"


# Kind of data -> what a role must be allowed (edc.permissions.ROLE_ACTIONS) to read it.
READERS: dict[DataKind, frozenset[Action]] = {
    DataKind.SNAPSHOT: frozenset({Action.EXPORT}),
    DataKind.DICTIONARY: frozenset({Action.EXPORT}),
    DataKind.AUDIT_TRAIL: frozenset({Action.EXPORT, Action.VIEW_AUDIT}),
}

# Each export, by the kind of data it carries.
EXPORT_KINDS: dict[ExportKind, DataKind] = {
    ExportKind.CSV: DataKind.SNAPSHOT,
    ExportKind.ODM_SNAPSHOT: DataKind.SNAPSHOT,
    ExportKind.ANALYSIS: DataKind.SNAPSHOT,
    ExportKind.DICTIONARY: DataKind.DICTIONARY,
    ExportKind.ODM: DataKind.AUDIT_TRAIL,
    ExportKind.AUDIT: DataKind.AUDIT_TRAIL,
}


def readers(kind: DataKind) -> frozenset[Role]:
    """The roles that may read a kind of data (for pages and documentation)."""
    return frozenset(role for role, actions in ROLE_ACTIONS.items() if READERS[kind] <= actions)


def may_read(actor: Actor, export: ExportKind) -> bool:
    return all(may(actor, action) for action in READERS[EXPORT_KINDS[export]])


def authorize_read(app: TrialBase, actor: Actor, export: ExportKind) -> None:
    """Raise PermissionDenied (and log the refusal) unless the actor may read this export."""
    if may_read(actor, export):
        return
    kind = EXPORT_KINDS[export]
    error = PermissionDenied(f"Your role ({actor.role}) may not read {kind.value} ({export}).")
    record_refusal(app, actor.as_dict(), "export", {"scope": export.value}, error)
    raise error
