"""A site's casebooks for the investigator's archive: one zip of one PDF per participant, the
annotated blank CRF that explains their codes, and a manifest (position, time, view, chain
head, sha256 of every file). Entry times and order are fixed, so a cut gives the same bytes."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable
from typing import IO, Any

from projections.exports.casebook_pdf import CasebookPaper, casebook_pdf
from projections.exports.casebook_pdf_blank import annotated_crf_pdf
from projections.exports.casebook_words import ENGLISH, Words
from projections.exports.manifest import Digest, build_manifest, manifest_json
from projections.exports.snapshot import add_entry
from projections.exports.source import Cut

BLANK_CRF = "annotated-blank-crf.pdf"


def write_archive(
    cut: Cut,
    site: str,
    papers: Iterable[CasebookPaper],
    out: IO[bytes],
    done: Callable[[int], None] | None = None,
    w: Words = ENGLISH,
) -> dict[str, Any]:
    """Write the archive zip to `out` (`done` is told how many casebooks are written so far);
    returns the manifest."""
    digests: dict[str, Digest] = {}
    with zipfile.ZipFile(out, "w") as archive:
        for count, paper in enumerate(papers, start=1):
            name = f"{site}/{paper.participant['screening_number']}.pdf"
            digests[name] = add_entry(archive, name, io.BytesIO(casebook_pdf(paper, w)))
            if done is not None:
                done(count)
        blank = annotated_crf_pdf(cut.view, cut.last_event_time(), cut.as_of, w)
        digests[BLANK_CRF] = add_entry(archive, BLANK_CRF, io.BytesIO(blank))
        manifest = {**build_manifest(cut, "casebook archive", digests), "site": site}
        add_entry(archive, "manifest.json", io.BytesIO(manifest_json(manifest).encode("utf-8")))
    return manifest
