"""Whole ODM 1.3.2 files: Study metadata, AdminData, then ClinicalData, streamed.

ClinicalData is written first, to a temporary file, because AdminData (which comes before it
in the schema's order) must define every user and location the clinical data refers to; the
file is then assembled in schema order with `lxml.etree.xmlfile`, the clinical data's bytes
copied in. Memory holds one subject element at a time, never the document.

AsOfDateTime is the time of the last event included and CreationDateTime the same (or the
latest time stamp inside, if a writer's clock ran ahead), never the wall clock, so the same cut
gives the same bytes.
"""

from __future__ import annotations

import tempfile
from enum import StrEnum
from typing import IO, Any

from lxml import etree

from domain.protocol import STUDY_OID
from projections.exports.casebook import casebooks
from projections.exports.manifest import CHUNK, DigestingWriter, build_manifest
from projections.exports.odm.admin import Directory, write_admin
from projections.exports.odm.clinical import ClinicalOut
from projections.exports.odm.ledger import SubjectLedger
from projections.exports.odm.metadata import write_study
from projections.exports.odm.names import MDV_OID
from projections.exports.odm.snapshot import write_snapshot_clinical
from projections.exports.odm.transactional import TransactionalClinical
from projections.exports.odm.xml import TextOut, XmlOut
from projections.exports.source import Cut

SOURCE_SYSTEM = "Modic EDC"


class OdmKind(StrEnum):
    SNAPSHOT = "Snapshot"
    TRANSACTIONAL = "Transactional"


def write_odm(
    cut: Cut, out: IO[bytes], kind: OdmKind, file_name: str = "odm.xml"
) -> dict[str, Any]:
    """Write an ODM file of the cut to `out`; returns the manifest."""
    directory = Directory.load(cut)
    with tempfile.TemporaryFile() as clinical_file:
        clinical = ClinicalOut(TextOut(clinical_file), directory)
        if kind is OdmKind.SNAPSHOT:
            write_snapshot_clinical(clinical, casebooks(cut), cut.view)
        else:
            with SubjectLedger() as ledger:
                transactional = TransactionalClinical(clinical, ledger)
                for _position, event in cut.events():
                    transactional.write(event)
        clinical.out.flush()
        clinical_file.seek(0)
        target = DigestingWriter(out)
        as_of = cut.last_event_time()
        # Clocks of concurrent writers may disagree by a little: never claim a creation time
        # before a time stamp inside the file.
        created = max(as_of, clinical.latest) if clinical.latest else as_of
        # A blinded file lacks the arm-revealing transactions by design, so it cannot claim
        # to be a complete archive; only the unblinded transactional file is Archival.
        archival = "Yes" if kind is OdmKind.TRANSACTIONAL and not cut.view.blinded else None
        with etree.xmlfile(target, encoding="UTF-8") as xf:
            xf.write_declaration()
            xml = XmlOut(xf)
            with xml.root(
                "ODM",
                Description=f"{STUDY_OID} {cut.view} view at position {cut.as_of}",
                FileType=kind.value,
                Granularity="All",
                Archival=archival,
                FileOID=f"{STUDY_OID}.{kind.value}.{cut.view}.{cut.as_of}",
                CreationDateTime=created.isoformat(),
                AsOfDateTime=as_of.isoformat(),
                ODMVersion="1.3.2",
                SourceSystem=SOURCE_SYSTEM,
            ):
                xml.newline()
                write_study(xml, cut.view)
                xml.newline()
                write_admin(xml, directory, cut.first_event_time().date())
                xml.newline()
                with xml.element("ClinicalData", StudyOID=STUDY_OID, MetaDataVersionOID=MDV_OID):
                    xml.newline()
                    # The subjects' bytes go straight into the file between two flushes of
                    # the xmlfile writer, inside the ClinicalData element it has opened.
                    xf.flush()
                    while chunk := clinical_file.read(CHUNK):
                        target.write(chunk)
                xml.newline()
    kind_name = "odm-snapshot" if kind is OdmKind.SNAPSHOT else "odm"
    return build_manifest(cut, kind_name, {file_name: target.digest})
