"""Shared pieces of ODM ClinicalData: audit records, item data, form data."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from domain.crf import DERIVED, ITEMS, ItemSpec, export_items
from projections.exports.casebook import Change
from projections.exports.odm.admin import Directory
from projections.exports.odm.names import form_oid, group_oid, item_oid
from projections.exports.odm.xml import TextOut, attribute_text, element_text
from projections.exports.values import as_text, is_missing


@dataclass(frozen=True)
class Signed:
    """A signature as ODM shows it, from a `Signed` event or a signature record."""

    meaning: str
    actor: Mapping[str, Any]
    at: datetime
    content_hash: str


def item_data_start(name: str) -> str:
    """An ItemData element up to its value: `<ItemData ItemOID="I.NAME" Value="`."""
    return f'<ItemData ItemOID="{attribute_text(item_oid(name))}" Value="'


# The start of each CRF item's ItemData, made once (a file writes one per value).
ITEM_DATA_STARTS = {
    spec.name: item_data_start(spec.name)
    for specs in (*(export_items(form) for form in ITEMS), *DERIVED.values())
    for spec in specs
}
# Actors whose references an AuditRecord repeats, each made once (few: they are the accounts).
KNOWN_ACTORS = 1024


def reason_text(reason: Mapping[str, str] | None) -> str | None:
    """The user's reason for change as text: the code, then their words if they gave any."""
    if not reason:
        return None
    code, text = reason.get("code", ""), reason.get("text", "")
    return f"{code}: {text}" if text else code


class ClinicalOut:
    """Writes the parts of ClinicalData that snapshot and transactional files share."""

    def __init__(self, out: TextOut, directory: Directory) -> None:
        self.out = out
        self.directory = directory
        # The latest time written: the file cannot be created before it (ODM 1.3.2, 2.10).
        self.latest: datetime | None = None
        self.actor_refs: dict[tuple[Any, Any, Any], str] = {}

    def stamp(self, at: datetime) -> str:
        """A DateTimeStamp's markup, noting the time as the latest if it is."""
        if self.latest is None or at > self.latest:
            self.latest = at
        return f"<DateTimeStamp>{at.isoformat()}</DateTimeStamp>"

    def refs(self, actor: Mapping[str, Any]) -> str:
        """The UserRef and LocationRef of an actor, who joins the directory if new."""
        key = (actor.get("user"), actor.get("role"), actor.get("site"))
        try:
            known = self.actor_refs.get(key)
            cacheable = len(self.actor_refs) < KNOWN_ACTORS
        except TypeError:  # an actor field that cannot be a key: made each time
            known, cacheable = None, False
        if known is not None:
            return known
        user = attribute_text(self.directory.user(actor))
        location = attribute_text(self.directory.location(actor))
        refs = f'<UserRef UserOID="{user}"/><LocationRef LocationOID="{location}"/>'
        if cacheable:
            self.actor_refs[key] = refs
        return refs

    def audit_record(self, change: Change) -> None:
        """Who, where, when, why and which event (one per transaction)."""
        self.out.markup(self.audit_markup(change))

    def audit_markup(self, change: Change) -> str:
        reason = reason_text(change.reason)
        because = f"<ReasonForChange>{element_text(reason)}</ReasonForChange>" if reason else ""
        return (
            f"<AuditRecord>{self.refs(change.actor)}{self.stamp(change.at)}{because}"
            f"<SourceID>{element_text(change.event_id)}</SourceID></AuditRecord>"
        )

    def signature(self, signed: Signed) -> None:
        """An electronic signature: who, where, which meaning, when, and the hash signed."""
        self.out.markup(self.signature_markup(signed))

    def signature_markup(self, signed: Signed) -> str:
        directory = self.directory
        user = attribute_text(directory.user(signed.actor))
        location = attribute_text(directory.location(signed.actor))
        meaning = attribute_text(directory.signature(signed.meaning))
        crypto = element_text(f"sha256:{signed.content_hash}")
        return (
            f'<Signature><UserRef UserOID="{user}"/><LocationRef LocationOID="{location}"/>'
            f'<SignatureRef SignatureOID="{meaning}"/>{self.stamp(signed.at)}'
            f"<CryptoBindingManifest>{crypto}</CryptoBindingManifest></Signature>"
        )

    def item_values(self, specs: Iterable[ItemSpec], values: Mapping[str, Any]) -> None:
        """ItemData for each item with a value, in form order (empty items are left out)."""
        self.out.markup(item_data(specs, values))

    def form_data(
        self,
        form: str,
        specs: Iterable[ItemSpec],
        values: Mapping[str, Any],
        change: Change | None,
        transaction: str | None = None,
        signed: Signed | None = None,
    ) -> None:
        """One form with its single item group; `change` gives the form's AuditRecord."""
        self.out.markup(self.form_data_markup(form, specs, values, change, transaction, signed))

    def form_data_markup(
        self,
        form: str,
        specs: Iterable[ItemSpec],
        values: Mapping[str, Any],
        change: Change | None,
        transaction: str | None = None,
        signed: Signed | None = None,
    ) -> str:
        start, group = form_starts(form)
        if transaction is not None:
            start = f'{start} TransactionType="{attribute_text(transaction)}"'
        audit = "" if change is None else self.audit_markup(change)
        signature = "" if signed is None else self.signature_markup(signed)
        items = item_data(specs, values)
        group_data = f"{group}>{items}</ItemGroupData>" if items else f"{group}/>"
        return f"{start}>{audit}{signature}{group_data}</FormData>"


@cache
def form_starts(form: str) -> tuple[str, str]:
    """The start tags of a form's FormData and ItemGroupData, up to their `>`."""
    return (
        f'<FormData FormOID="{attribute_text(form_oid(form))}"',
        f'<ItemGroupData ItemGroupOID="{attribute_text(group_oid(form))}"',
    )


class _Values(dict[str, str]):
    """A value's text -> its markup between an attribute's quotes, escaped on a miss; short
    texts only (codes, numbers, dates) and a bounded number of them, so memory stays flat
    (when full it starts again, so the values frequent now take the place of earlier ones)."""

    def __missing__(self, text: str) -> str:
        markup = attribute_text(text)
        if len(text) <= SHORT_VALUE:
            if len(self) >= KNOWN_VALUES:
                self.clear()
            self[text] = markup
        return markup


KNOWN_VALUES = 8192
SHORT_VALUE = 24
_VALUES = _Values()


# Item OIDs' ItemData starts per tuple of items written (a tuple is kept alive with its plan,
# so its identity stays its own); few: one or two per form.
KNOWN_PLANS = 256
_PLANS: dict[int, tuple[tuple[ItemSpec, ...], tuple[tuple[str, str], ...]]] = {}


def _plan(specs: Iterable[ItemSpec]) -> tuple[tuple[str, str], ...]:
    """(item name, ItemData start) for each item, in form order."""
    known = _PLANS.get(id(specs))
    if known is not None and known[0] is specs:
        return known[1]
    plan = tuple(
        (spec.name, ITEM_DATA_STARTS.get(spec.name) or item_data_start(spec.name)) for spec in specs
    )
    if isinstance(specs, tuple) and len(_PLANS) < KNOWN_PLANS:
        _PLANS[id(specs)] = (specs, plan)
    return plan


def item_data(specs: Iterable[ItemSpec], values: Mapping[str, Any]) -> str:
    """The markup of an ItemData for each item with a value, in form order."""
    escaped, get = _VALUES, values.get
    return "".join(
        [
            f'{start}{escaped[value if type(value) is str else as_text(value)]}"/>'
            for name, start in _plan(specs)
            if not is_missing(value := get(name))
        ]
    )
