"""Analysis-ready files from one snapshot: Stata, SPSS, SAS transport, Parquet and an R reader.

`write_analysis_files(cut, out)` writes the snapshot (the same CSV files, dictionary and
manifest as `edc export csv` at that cut) and, beside each CSV file, the same table as `.dta`,
`.sav`, `.xpt` and `.parquet`, plus `read_snapshot.R`, into one zip whose manifest lists the
sha256 of every file. Everything comes from the snapshot's own CSV and dictionary, so the
files agree with the CSV by construction, and the same `as_of` gives the same bytes.
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from datetime import datetime
from typing import IO, Any

from projections.exports.analysis_files.columns import (
    Table,
    entries_by_file,
    read_dictionary,
    typed_table,
)
from projections.exports.analysis_files.formats import (
    parquet_bytes,
    spss_bytes,
    stata_bytes,
    xport_bytes,
)
from projections.exports.analysis_files.r_script import r_script
from projections.exports.manifest import Digest, build_manifest, manifest_json
from projections.exports.snapshot import add_entry, write_snapshot
from projections.exports.source import Cut

SNAPSHOT_MANIFEST = "snapshot-manifest.json"
R_SCRIPT = "read_snapshot.R"


def snapshot_tables(snapshot: zipfile.ZipFile) -> tuple[list[Table], dict[str, dict[str, str]]]:
    """The snapshot's CSV files as typed tables, and each file's short names."""
    entries = entries_by_file(read_dictionary(snapshot.read("dictionary.csv").decode("utf-8")))
    tables = []
    for name in snapshot.namelist():
        stem = name.removesuffix(".csv")
        if not name.endswith(".csv") or name == "dictionary.csv":
            continue
        tables.append(typed_table(stem, snapshot.read(name).decode("utf-8"), entries[stem]))
    short = {
        file: {item: entry.short_name for item, entry in file_entries.items()}
        for file, file_entries in entries.items()
    }
    return tables, short


def typed_files(table: Table, short: dict[str, str], at: datetime) -> dict[str, bytes]:
    label = f"Modic EDC {table.name}"
    return {
        f"stata/{table.name}.dta": stata_bytes(table, label, at),
        f"spss/{table.name}.sav": spss_bytes(table, label, at),
        f"sas/{table.name}.xpt": xport_bytes(table, _with_companions(table, short), table.name, at),
        f"parquet/{table.name}.parquet": parquet_bytes(table),
    }


def _with_companions(table: Table, short: dict[str, str]) -> dict[str, str]:
    from domain.crf.short_names import short_names

    missing = [c.name for c in table.columns if c.name not in short]
    if not missing:
        return short
    names = dict(short)
    names.update(short_names([*short, *missing]))
    return names


def write_analysis_files(cut: Cut, out: IO[bytes]) -> dict[str, Any]:
    """Write the analysis-files zip for `cut` to `out`; returns its manifest."""
    at = cut.last_event_time().replace(tzinfo=None)
    digests: dict[str, Digest] = {}
    with tempfile.TemporaryFile() as spool:
        write_snapshot(cut, spool)
        spool.seek(0)
        with zipfile.ZipFile(spool) as snapshot, zipfile.ZipFile(out, "w") as archive:
            tables, short = snapshot_tables(snapshot)
            for name in snapshot.namelist():
                target = SNAPSHOT_MANIFEST if name == "manifest.json" else name
                with snapshot.open(name) as member:
                    digests[target] = add_entry(archive, target, member)
            for table in tables:
                for name, data in typed_files(table, short[table.name], at).items():
                    digests[name] = add_entry(archive, name, io.BytesIO(data))
            script = r_script(tables, cut.as_of, cut.view.value).encode("utf-8")
            digests[R_SCRIPT] = add_entry(archive, R_SCRIPT, io.BytesIO(script))
            manifest = build_manifest(cut, "analysis-files", dict(sorted(digests.items())))
            manifest["snapshot_manifest_sha256"] = digests[SNAPSHOT_MANIFEST].sha256
            manifest["formats"] = json.loads(FORMATS_NOTE)
            add_entry(archive, "manifest.json", io.BytesIO(manifest_json(manifest).encode()))
    return manifest


FORMATS_NOTE = json.dumps(
    {
        "csv": "the snapshot itself; codes as stored, missing answers in <ITEM>_NC",
        "stata": "Stata 15 .dta; yes/no 1/0 (9 not applicable), text codes 1..k with labels; "
        "missing answers as .a (ANS), .b (ND), .c (UNK)",
        "spss": "SPSS .sav; as Stata, missing answers as user-missing -97 (ANS), -98 (ND), "
        "-99 (UNK)",
        "sas": "SAS transport version 5 .xpt; names are the dictionary's short_name; codes as "
        "in Stata; missing answers in the <ITEM>_NC column",
        "parquet": "Parquet; codes as stored, labels and codes in field metadata",
        "r": "read_snapshot.R reads the CSV files with factor labels (base R only)",
    }
)
