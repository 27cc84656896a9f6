"""Shared pieces of ODM ClinicalData: audit records, item data, form data."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import etree

from domain.crf import DERIVED, ITEMS, ItemSpec, export_items
from domain.text import for_export
from projections.exports.casebook import Change
from projections.exports.odm.admin import Directory
from projections.exports.odm.names import form_oid, group_oid, item_oid
from projections.exports.odm.xml import TreeOut
from projections.exports.values import as_text, is_missing


@dataclass(frozen=True)
class Signed:
    """A signature as ODM shows it, from a `Signed` event or a signature record."""

    meaning: str
    actor: Mapping[str, Any]
    at: datetime
    content_hash: str


# Item OIDs of the CRF, made once (the snapshot writes one per value).
ITEM_OIDS = {
    spec.name: item_oid(spec.name)
    for specs in (*(export_items(form) for form in ITEMS), *DERIVED.values())
    for spec in specs
}


def reason_text(reason: Mapping[str, str] | None) -> str | None:
    """The user's reason for change as text: the code, then their words if they gave any."""
    if not reason:
        return None
    code, text = reason.get("code", ""), reason.get("text", "")
    return f"{code}: {text}" if text else code


class ClinicalOut:
    """Writes the parts of ClinicalData that snapshot and transactional files share."""

    def __init__(self, out: TreeOut, directory: Directory) -> None:
        self.out = out
        self.directory = directory
        # The latest time written: the file cannot be created before it (ODM 1.3.2, 2.10).
        self.latest: datetime | None = None

    def stamp(self, parent: etree._Element, at: datetime) -> None:
        etree.SubElement(parent, "DateTimeStamp").text = at.isoformat()
        if self.latest is None or at > self.latest:
            self.latest = at

    def audit_record(self, change: Change) -> None:
        """Who, where, when, why and which event: built directly (one per transaction)."""
        record = etree.SubElement(self.out.current, "AuditRecord")
        user = for_export(self.directory.user(change.actor))
        etree.SubElement(record, "UserRef", {"UserOID": user})
        location = for_export(self.directory.location(change.actor))
        etree.SubElement(record, "LocationRef", {"LocationOID": location})
        self.stamp(record, change.at)
        reason = reason_text(change.reason)
        if reason:
            etree.SubElement(record, "ReasonForChange").text = for_export(reason)
        etree.SubElement(record, "SourceID").text = change.event_id

    def signature(self, signed: Signed) -> None:
        """An electronic signature: who, where, which meaning, when, and the hash signed."""
        out = self.out
        with out.element("Signature"):
            out.leaf("UserRef", UserOID=self.directory.user(signed.actor))
            out.leaf("LocationRef", LocationOID=self.directory.location(signed.actor))
            out.leaf("SignatureRef", SignatureOID=self.directory.signature(signed.meaning))
            self.stamp(self.out.current, signed.at)
            out.leaf("CryptoBindingManifest", f"sha256:{signed.content_hash}")

    def item_values(self, specs: Iterable[ItemSpec], values: Mapping[str, Any]) -> None:
        """ItemData for each item with a value, in form order (empty items are left out)."""
        self.out.leaves(
            "ItemData",
            (
                {
                    "ItemOID": ITEM_OIDS.get(spec.name) or item_oid(spec.name),
                    "Value": as_text(value),
                }
                for spec in specs
                if not is_missing(value := values.get(spec.name))
            ),
        )

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
        with self.out.element("FormData", FormOID=form_oid(form), TransactionType=transaction):
            if change is not None:
                self.audit_record(change)
            if signed is not None:
                self.signature(signed)
            with self.out.element("ItemGroupData", ItemGroupOID=group_oid(form)):
                self.item_values(specs, values)
