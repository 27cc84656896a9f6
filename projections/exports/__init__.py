"""Reproducible exports read straight from the event store, up to a position `as_of`.

`export(kind, cut, out, file_name)` writes one of: the analyst snapshot zip (`csv`), CDISC ODM
1.3.2 Transactional (`odm`) or Snapshot (`odm-snapshot`), the NDJSON audit trail (`audit`),
the data dictionary (`dictionary`, CSV or HTML by the file name), or the analysis-ready files
(`analysis`: the snapshot with Stata, SPSS, SAS transport, Parquet and an R reader), and
returns the manifest.
"""

from __future__ import annotations

from enum import StrEnum
from typing import IO, Any

from projections.exports.audit_stream import write_audit_ndjson
from projections.exports.casebook_words import ENGLISH, Words
from projections.exports.dictionary import dictionary_csv
from projections.exports.dictionary_page import dictionary_html
from projections.exports.manifest import DigestingWriter, build_manifest, manifest_json
from projections.exports.odm.document import OdmKind, write_odm
from projections.exports.snapshot import write_snapshot
from projections.exports.source import Cut, ExportError, StoreReader
from projections.exports.view import View

__all__ = [
    "Cut",
    "ExportError",
    "ExportKind",
    "StoreReader",
    "View",
    "default_file_name",
    "export",
    "manifest_json",
]


class ExportKind(StrEnum):
    CSV = "csv"
    ODM = "odm"
    ODM_SNAPSHOT = "odm-snapshot"
    AUDIT = "audit"
    DICTIONARY = "dictionary"
    ANALYSIS = "analysis"


def default_file_name(kind: ExportKind, cut: Cut) -> str:
    suffix = {
        ExportKind.CSV: "zip",
        ExportKind.ODM: "xml",
        ExportKind.ODM_SNAPSHOT: "xml",
        ExportKind.AUDIT: "ndjson",
        ExportKind.DICTIONARY: "csv",
        ExportKind.ANALYSIS: "zip",
    }[kind]
    return f"{kind.value}-{cut.view}-{cut.as_of}.{suffix}"


def export(
    kind: ExportKind,
    cut: Cut,
    out: IO[bytes],
    file_name: str | None = None,
    w: Words = ENGLISH,
) -> dict[str, Any]:
    """Write one export of the cut to `out` and return its manifest (the data dictionary's
    page in `w`'s language)."""
    name = file_name or default_file_name(kind, cut)
    if kind is ExportKind.CSV:
        return write_snapshot(cut, out)
    if kind is ExportKind.ODM:
        return write_odm(cut, out, OdmKind.TRANSACTIONAL, name)
    if kind is ExportKind.ODM_SNAPSHOT:
        return write_odm(cut, out, OdmKind.SNAPSHOT, name)
    if kind is ExportKind.AUDIT:
        return write_audit_ndjson(cut, out, name)
    if kind is ExportKind.ANALYSIS:
        # The statistical file libraries load only when analysis files are asked for.
        from projections.exports.analysis_files import write_analysis_files

        return write_analysis_files(cut, out)
    if not name.lower().endswith((".csv", ".html")):
        raise ExportError(f"The data dictionary is written as .csv or .html; {name!r} is neither.")
    html = name.lower().endswith(".html")
    text = dictionary_html(cut.view, w) if html else dictionary_csv(cut.view)
    target = DigestingWriter(out)
    target.write(text.encode("utf-8"))
    return build_manifest(cut, "dictionary", {name: target.digest})
