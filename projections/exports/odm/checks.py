"""The project's own checks of an ODM file, for what the XSD cannot check.

- every OID reference resolves to a definition in the file, and clinical data sits where the
  metadata puts it (item in its item group, item group in its form, form in its study event),
  with coded values from the item's code list;
- every element that sets Insert, Update or Remove has an AuditRecord, every element without a
  TransactionType of its own inherits one from an audited ancestor (transactional files), and
  every Update or Remove gives a ReasonForChange;
- a Snapshot only inserts; an Archival file has no Upsert; audit and signature times never run
  backwards in a transactional file and never pass the file's CreationDateTime.

The file is read with `iterparse` and elements are dropped once checked, so big files are fine.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO

from lxml import etree

from projections.exports.odm.xml import NS

CHANGES = frozenset({"Insert", "Update", "Remove"})
NEEDS_REASON = frozenset({"Update", "Remove"})
# Definitions: element -> the attribute that defines an OID.
DEFINITIONS = {
    "Study": "OID",
    "MetaDataVersion": "OID",
    "StudyEventDef": "OID",
    "FormDef": "OID",
    "ItemGroupDef": "OID",
    "ItemDef": "OID",
    "CodeList": "OID",
    "User": "OID",
    "Location": "OID",
    "SignatureDef": "OID",
}
# References: element -> {attribute: the element kind it must name}.
REFERENCES: dict[str, dict[str, str]] = {
    "StudyEventRef": {"StudyEventOID": "StudyEventDef"},
    "FormRef": {"FormOID": "FormDef"},
    "ItemGroupRef": {"ItemGroupOID": "ItemGroupDef"},
    "ItemRef": {"ItemOID": "ItemDef"},
    "CodeListRef": {"CodeListOID": "CodeList"},
    "UserRef": {"UserOID": "User"},
    "LocationRef": {"LocationOID": "Location"},
    "SiteRef": {"LocationOID": "Location"},
    "SignatureRef": {"SignatureOID": "SignatureDef"},
    "MetaDataVersionRef": {"StudyOID": "Study", "MetaDataVersionOID": "MetaDataVersion"},
    "AdminData": {"StudyOID": "Study"},
    "ClinicalData": {"StudyOID": "Study", "MetaDataVersionOID": "MetaDataVersion"},
    "StudyEventData": {"StudyEventOID": "StudyEventDef"},
    "FormData": {"FormOID": "FormDef"},
    "ItemGroupData": {"ItemGroupOID": "ItemGroupDef"},
    "ItemData": {"ItemOID": "ItemDef"},
}
# Clinical element -> (its OID attribute, its parent's definition kind and OID attribute).
CONTAINMENT = {
    "FormData": ("FormOID", "StudyEventData", "StudyEventOID"),
    "ItemGroupData": ("ItemGroupOID", "FormData", "FormOID"),
    "ItemData": ("ItemOID", "ItemGroupData", "ItemGroupOID"),
}
CLINICAL = frozenset({"SubjectData", "StudyEventData", "FormData", "ItemGroupData", "ItemData"})


def local(tag: str) -> str:
    return tag.rpartition("}")[2]


@dataclass
class _Open:
    name: str
    attrs: dict[str, str]
    transaction: str | None
    audited: bool = False
    reasoned: bool = False


@dataclass
class OdmCheck:
    file_type: str = ""
    archival: bool = False
    created: datetime | None = None
    defined: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    references: list[tuple[str, str, str]] = field(default_factory=list)
    children: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    codelist_of: dict[str, str] = field(default_factory=dict)
    codes: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    problems: list[str] = field(default_factory=list)
    last_audit_time: datetime | None = None
    stack: list[_Open] = field(default_factory=list)
    audit_records: int = 0
    signatures: int = 0
    changes: int = 0

    def problem(self, text: str) -> None:
        if len(self.problems) < 100:
            self.problems.append(text)

    # ---- parsing -------------------------------------------------------------------------------

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if name == "ODM":
            self.file_type = attrs.get("FileType", "")
            self.archival = attrs.get("Archival") == "Yes"
            self.created = _time(attrs.get("CreationDateTime", ""))
        if name in DEFINITIONS and attrs.get(DEFINITIONS[name]):
            self.defined[name].add(attrs[DEFINITIONS[name]])
        for attribute, kind in REFERENCES.get(name, {}).items():
            if attribute in attrs:
                self.references.append((kind, attrs[attribute], f"{name}/@{attribute}"))
        self._metadata(name, attrs)
        transaction = attrs.get("TransactionType")
        if transaction is not None:
            self._transaction(name, transaction)
        self.stack.append(_Open(name, attrs, transaction))

    def _metadata(self, name: str, attrs: dict[str, str]) -> None:
        parent = self.stack[-1] if self.stack else None
        if parent is None:
            return
        parent_oid = parent.attrs.get("OID", "")
        if name in ("FormRef", "ItemGroupRef", "ItemRef"):
            child = attrs.get(
                {"FormRef": "FormOID", "ItemGroupRef": "ItemGroupOID", "ItemRef": "ItemOID"}[name],
                "",
            )
            self.children[(parent.name.removesuffix("Def") + "Data", parent_oid)].add(child)
        elif name == "CodeListRef" and parent.name == "ItemDef":
            self.codelist_of[parent_oid] = attrs.get("CodeListOID", "")
        elif name == "CodeListItem" and parent.name == "CodeList":
            self.codes[parent_oid].add(attrs.get("CodedValue", ""))

    def _transaction(self, name: str, transaction: str) -> None:
        if self.file_type == "Snapshot" and transaction != "Insert":
            self.problem(f"{name}: a Snapshot may only Insert, not {transaction}")
        if self.archival and transaction == "Upsert":
            self.problem(f"{name}: an Archival file must not Upsert")
        if transaction in CHANGES:
            self.changes += 1

    def end(self, element: etree._Element) -> None:
        current = self.stack.pop()
        name = current.name
        parent = self.stack[-1] if self.stack else None
        if name == "AuditRecord" and parent is not None:
            self._audit_record(element, parent)
        elif name == "Signature" and parent is not None and parent.name in CLINICAL:
            self.signatures += 1
            self._in_time_order(f"Signature of {parent.name}", element)
        elif name in CONTAINMENT and parent is not None:
            self._containment(current, parent)
        if name == "ItemData":
            self._coded_value(current)
        if name in CLINICAL:
            self._audited(current)

    def _audit_record(self, element: etree._Element, parent: _Open) -> None:
        self.audit_records += 1
        parent.audited = True
        parent.reasoned = element.find(f"{{{NS}}}ReasonForChange") is not None
        if element.find(f"{{{NS}}}SourceID") is None:
            self.problem(f"AuditRecord of {parent.name}: no SourceID (event id)")
        self._in_time_order(f"AuditRecord of {parent.name}", element)

    def _in_time_order(self, what: str, element: etree._Element) -> None:
        """Full timestamps, never after the file's creation, in order in a transactional file."""
        stamp = _time(element.findtext(f"{{{NS}}}DateTimeStamp") or "")
        if stamp is None:
            self.problem(f"{what}: DateTimeStamp is not a full time")
            return
        if self.created is not None and stamp > self.created:
            self.problem(f"{what} at {stamp.isoformat()} is after CreationDateTime")
        if self.file_type == "Transactional":
            if self.last_audit_time is not None and stamp < self.last_audit_time:
                self.problem(f"{what} at {stamp.isoformat()} runs backwards in time")
            self.last_audit_time = stamp

    def _containment(self, current: _Open, parent: _Open) -> None:
        own_attr, parent_kind, parent_attr = CONTAINMENT[current.name]
        allowed = self.children.get((parent_kind, parent.attrs.get(parent_attr, "")))
        oid = current.attrs.get(own_attr, "")
        if allowed is not None and oid not in allowed:
            self.problem(
                f"{current.name} {oid} is not part of {parent_kind} "
                f"{parent.attrs.get(parent_attr)} in the metadata"
            )

    def _coded_value(self, current: _Open) -> None:
        codelist = self.codelist_of.get(current.attrs.get("ItemOID", ""))
        value = current.attrs.get("Value")
        if codelist and value is not None and value not in self.codes.get(codelist, set()):
            self.problem(
                f"ItemData {current.attrs.get('ItemOID')}: {value!r} is not in code list {codelist}"
            )

    def _audited(self, current: _Open) -> None:
        transaction = current.transaction
        if transaction in CHANGES and not current.audited:
            self.problem(f"{current.name} {_key(current)} sets {transaction} without AuditRecord")
        if transaction in NEEDS_REASON and not current.reasoned:
            self.problem(f"{current.name} {_key(current)}: {transaction} without ReasonForChange")
        if self.file_type == "Transactional" and transaction is None:
            inherited = next((o.transaction for o in reversed(self.stack) if o.transaction), None)
            audited = any(o.audited for o in self.stack if o.transaction in CHANGES)
            if inherited is None or (inherited in CHANGES and not audited):
                self.problem(f"{current.name} {_key(current)} inherits no audited transaction")

    def finish(self) -> None:
        for kind, oid, where in self.references:
            if oid not in self.defined.get(kind, set()):
                self.problem(f"{where} = {oid!r} refers to no {kind} in the file")


def _key(current: _Open) -> str:
    return next((value for key, value in current.attrs.items() if key.endswith(("OID", "Key"))), "")


def _time(text: str) -> datetime | None:
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo is not None else None


def check_odm(source: str | IO[bytes]) -> OdmCheck:
    """Check an ODM file; the result's `problems` is empty when every check passes."""
    check = OdmCheck()
    for event, element in etree.iterparse(source, events=("start", "end")):
        if not isinstance(element.tag, str):
            continue
        name = local(element.tag)
        if event == "start":
            check.start(name, dict(element.attrib))
            continue
        check.end(element)
        if name in CLINICAL:
            # Drop clinical data once checked (its AuditRecord was read before it ended).
            element.clear(keep_tail=True)
            if name == "SubjectData":
                while element.getprevious() is not None:
                    del element.getparent()[0]
    check.finish()
    return check
