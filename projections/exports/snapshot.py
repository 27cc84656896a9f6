"""The analyst snapshot: a zip of CSV files, the data dictionary and a manifest.

Reproducible by construction: the content comes only from notifications up to `as_of`, rows
are in screening order, and the zip's entry times, permissions and order are fixed, so the
same `as_of` gives the same bytes however much data arrived since. Form files are written to
temporary files as participants are read, so memory does not grow with the store.
"""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from contextlib import ExitStack
from typing import IO, Any

from projections.exports.allocation_table import ALLOCATION, allocation_rows
from projections.exports.allocation_table import COLUMNS as ALLOCATION_COLUMNS
from projections.exports.casebook import casebooks
from projections.exports.cells import csv_row, csv_rows
from projections.exports.dictionary import dictionary_csv, visible_forms
from projections.exports.manifest import Digest, build_manifest, copy_digesting, manifest_json
from projections.exports.mri_levels import COLUMNS as MRI_LEVEL_COLUMNS
from projections.exports.mri_levels import MRI_LEVEL, mri_level_rows
from projections.exports.source import Cut
from projections.exports.tables import (
    form_columns,
    form_rows,
    participant_columns,
    participant_row,
)

# The earliest time a zip entry can carry: no wall-clock time inside the archive.
ZIP_ENTRY_TIME = (1980, 1, 1, 0, 0, 0)
UNIX = 3


class _CsvSpool:
    """A CSV file written to a temporary file, to be copied into the zip afterwards."""

    def __init__(self, stack: ExitStack, columns: tuple[str, ...]) -> None:
        self.raw: IO[bytes] = stack.enter_context(tempfile.TemporaryFile())  # noqa: SIM115
        self.text = io.TextIOWrapper(self.raw, encoding="utf-8", newline="")
        stack.callback(self.text.detach)
        self.writer = csv.writer(self.text, lineterminator="\n")
        self.writer.writerow(columns)

    def rewound(self) -> IO[bytes]:
        self.text.flush()
        self.raw.seek(0)
        return self.raw


def zip_entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_ENTRY_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = UNIX
    info.external_attr = 0o644 << 16
    return info


def add_entry(archive: zipfile.ZipFile, name: str, source: IO[bytes]) -> Digest:
    with archive.open(zip_entry(name), "w") as target:
        return copy_digesting(source, target)


def write_snapshot(cut: Cut, out: IO[bytes]) -> dict[str, Any]:
    """Write the snapshot zip for `cut` to `out`; returns the manifest."""
    forms = visible_forms(cut.view)
    with ExitStack() as stack:
        participants = _CsvSpool(stack, participant_columns(cut.view))
        spools = {form: _CsvSpool(stack, form_columns(form)) for form in forms}
        # The MRI form's repeating group, also as a long table (next to mri.csv).
        mri_levels = _CsvSpool(stack, MRI_LEVEL_COLUMNS)
        # How minimisation decided reveals the arm: the unblinded snapshot's file only.
        allocations = None if cut.view.blinded else _CsvSpool(stack, ALLOCATION_COLUMNS)
        for casebook in casebooks(cut):
            participants.writer.writerow(csv_row(participant_row(casebook, cut.view)))
            for form, spool in spools.items():
                spool.writer.writerows(csv_rows(form_rows(casebook, form)))
            mri_levels.writer.writerows(csv_rows(mri_level_rows(casebook)))
            if allocations is not None:
                allocations.writer.writerows(csv_rows(allocation_rows(casebook)))
        digests: dict[str, Digest] = {}
        with zipfile.ZipFile(out, "w") as archive:
            digests["participants.csv"] = add_entry(
                archive, "participants.csv", participants.rewound()
            )
            for form, spool in spools.items():
                digests[f"{form}.csv"] = add_entry(archive, f"{form}.csv", spool.rewound())
                if form == "mri":
                    name = f"{MRI_LEVEL}.csv"
                    digests[name] = add_entry(archive, name, mri_levels.rewound())
            if allocations is not None:
                name = f"{ALLOCATION}.csv"
                digests[name] = add_entry(archive, name, allocations.rewound())
            dictionary = dictionary_csv(cut.view).encode("utf-8")
            digests["dictionary.csv"] = add_entry(archive, "dictionary.csv", io.BytesIO(dictionary))
            manifest = build_manifest(cut, "snapshot", digests)
            add_entry(archive, "manifest.json", io.BytesIO(manifest_json(manifest).encode("utf-8")))
    return manifest
