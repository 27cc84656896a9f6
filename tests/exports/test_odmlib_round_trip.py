"""A round trip through code nobody here wrote: odmlib's ODM 1.3.2 object model reads our files
and finds the subjects, items, audit records and signatures we wrote."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import odmlib.loader as odm_loader
import odmlib.odm_loader as xml_loader
from lxml import etree

from projections.exports import ExportKind, View
from projections.exports.odm.xml import NS, q
from tests.exports.conftest import Built, export_bytes


def load(data: bytes) -> Any:
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "odm.xml"
        path.write_bytes(data)
        loader = odm_loader.ODMLoader(xml_loader.XMLODMLoader(model_package="odm_1_3_2", ns_uri=NS))
        loader.open_odm_document(str(path))
        return loader.root()


def audited(node: Any) -> Iterator[Any]:
    """Every element under a SubjectData (itself included) that has an AuditRecord."""
    record = getattr(node, "AuditRecord", None)
    if record is not None and record.SourceID is not None:  # odmlib fills in empty ones
        yield node
    for child in ("StudyEventData", "FormData", "ItemGroupData", "ItemData"):
        for item in getattr(node, child, None) or []:
            yield from audited(item)


def test_odmlib_reads_every_audit_record_of_the_transactional_file(built: Built) -> None:
    data = export_bytes(built.reader, ExportKind.ODM, View.UNBLINDED)
    odm = load(data)
    assert (odm.FileType, odm.ODMVersion, odm.Archival) == ("Transactional", "1.3.2", "Yes")
    subjects = odm.ClinicalData[0].SubjectData
    source_ids = [
        node.AuditRecord.SourceID._content for subject in subjects for node in audited(subject)
    ]
    ours = [element.text for element in etree.fromstring(data).iter(q("SourceID"))]
    assert source_ids == ours
    assert {user.OID for user in odm.AdminData[0].User} == {"USR.sara", "USR.anna"}
    assert len({subject.SubjectKey for subject in subjects}) == 8


def test_odmlib_reads_the_current_values_of_the_snapshot(built: Built) -> None:
    odm = load(export_bytes(built.reader, ExportKind.ODM_SNAPSHOT, View.BLINDED))
    assert odm.FileType == "Snapshot"
    subject = next(s for s in odm.ClinicalData[0].SubjectData if s.SubjectKey == "RINGE-0006")
    values = {
        (form.FormOID, item.ItemOID): item.Value
        for event in subject.StudyEventData
        for form in event.FormData
        for group in form.ItemGroupData
        for item in group.ItemData
    }
    assert values[("F.MONTH12", "I.LBP_NOW")] == "2"
    assert values[("F.SCREENING", "I.AGE")] == "45"
    assert ("F.ALLOCATION", "I.ARM") not in values
    metadata = odm.Study[0].MetaDataVersion[0]
    defined = {item.OID for item in metadata.ItemDef}
    assert {oid for _form, oid in values} <= defined
