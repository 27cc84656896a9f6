"""The analysis report: HTML and PDF with a forest plot, the results as JSON, and a manifest.

Reproducible: no wall-clock time anywhere (the PDF's dates are the snapshot's `as_of_time`,
the plot carries no software or date metadata), so the same snapshot gives the same bytes.
matplotlib draws the plot and fpdf2 lays out the PDF; both are imported only here.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from projections.analysis.dataset import FOLLOW_UP_LABELS, FOLLOW_UPS, MODIFIER_LABELS
from projections.analysis.models import Estimate, Interaction
from projections.analysis.run import Results

DUMMY_STAMP = "DUMMY ALLOCATION: these are not the trial results"
TITLE = "Pre-specified analysis of NCT00454792 (Modic changes and low back pain)"
FILES = ("report.html", "report.pdf", "forest.png", "results.json")


def _number(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _p(value: float | None) -> str:
    if value is None:
        return "-"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def estimate_cells(e: Estimate) -> list[str]:
    ci = "-" if e.low is None else f"{_number(e.low)} to {_number(e.high)}"
    return [e.label, str(e.n), _number(e.estimate), ci, _p(e.p), e.note]


ESTIMATE_HEADER = ["", "n", "estimate", "95% CI", "p", "note"]


def tables(results: Results) -> list[tuple[str, list[str], list[list[str]]]]:
    """Every table of the report as (title, header, rows), shared by the HTML and the PDF."""
    control, treated = results.arms
    out: list[tuple[str, list[str], list[list[str]]]] = []
    out.append(
        (
            "Population",
            ["arm", "randomised (intention to treat)"],
            [[arm, str(results.randomised[arm])] for arm in results.arms],
        )
    )
    out.append(
        (
            f"Primary outcome: LBP now (0-10), {treated} minus {control}, adjusted for baseline "
            "and the minimisation factors (complete cases)",
            ESTIMATE_HEADER,
            [estimate_cells(results.primary[visit]) for visit in FOLLOW_UPS],
        )
    )
    out.append(
        (
            "Sensitivity: missing outcomes by multiple imputation (chained equations)",
            ESTIMATE_HEADER,
            [estimate_cells(results.sensitivity[visit]) for visit in FOLLOW_UPS],
        )
    )
    out.append(
        (
            "Sensitivity: adjusted for the minimisation factors of the corrected values (the "
            "primary analysis uses the levels the randomisation used)",
            ESTIMATE_HEADER,
            [estimate_cells(results.corrected_factors[visit]) for visit in FOLLOW_UPS],
        )
    )
    for visit in FOLLOW_UPS:
        out.append(
            (
                f"Secondary outcomes, {FOLLOW_UP_LABELS[visit]} (differences; odds ratios for "
                "bothersomeness and global transition)",
                ESTIMATE_HEADER,
                [estimate_cells(e) for e in results.secondary[visit]],
            )
        )
    for visit in FOLLOW_UPS:
        rows = []
        for interaction in results.interactions[visit]:
            for subgroup in interaction.subgroups:
                cells = estimate_cells(subgroup.estimate)
                cells[0] = f"{MODIFIER_LABELS[interaction.modifier]}: {subgroup.level}"
                cells.insert(5, _p(interaction.p))
                rows.append(cells)
        out.append(
            (
                f"Effect modification on LBP now, {FOLLOW_UP_LABELS[visit]}: the arm's effect per "
                "subgroup and the interaction test",
                ["subgroup", "n", "difference", "95% CI", "p", "p interaction", "note"],
                rows,
            )
        )
    if results.harms is not None:
        out.append(
            (
                "Harms",
                [
                    "arm",
                    "randomised",
                    "with >= 1 AE",
                    "AEs",
                    "SAEs",
                    "with >= 1 SAE",
                ],
                [
                    [
                        h.arm,
                        str(h.randomised),
                        str(h.with_event),
                        str(h.events),
                        str(h.serious),
                        str(h.with_serious),
                    ]
                    for h in results.harms
                ],
            )
        )
    return out


def forest_png(results: Results) -> bytes:
    """A forest plot of the arm's effect on LBP now per subgroup, both follow-ups."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows: list[tuple[str, Estimate, Interaction]] = []
    for visit in FOLLOW_UPS:
        for interaction in results.interactions[visit]:
            for subgroup in interaction.subgroups:
                label = (
                    f"{FOLLOW_UP_LABELS[visit].split(' (')[0]} - "
                    f"{MODIFIER_LABELS[interaction.modifier]}: {subgroup.level}"
                )
                rows.append((label, subgroup.estimate, interaction))
    figure, axes = plt.subplots(figsize=(8, 0.32 * len(rows) + 1.4), dpi=100)
    for index, (_label, estimate, _interaction) in enumerate(reversed(rows)):
        if estimate.estimate is None or estimate.low is None or estimate.high is None:
            continue
        axes.plot([estimate.low, estimate.high], [index, index], color="#333333", linewidth=1.2)
        axes.plot([estimate.estimate], [index], marker="s", color="#1f4e79")
    axes.axvline(0.0, color="#999999", linestyle="--", linewidth=0.8)
    axes.set_yticks(range(len(rows)))
    axes.set_yticklabels([label for label, _, _ in reversed(rows)], fontsize=7)
    control, treated = results.arms
    axes.set_xlabel(f"Difference in LBP now (0-10), {treated} minus {control}, 95% CI")
    title = "Effect modification"
    if results.dummy:
        title += f" - {DUMMY_STAMP}"
    axes.set_title(title, fontsize=9)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(figure)
    return buffer.getvalue()


def manifest_rows(results: Results) -> list[list[str]]:
    m = results.manifest
    rows = [
        ["as_of", str(m.get("as_of"))],
        ["as_of_time", str(m.get("as_of_time"))],
        ["view", str(m.get("view"))],
        ["chain head", str(m.get("chain_head"))],
        ["allocation", f"dummy (seed {results.dummy_seed})" if results.dummy else "real arms"],
    ]
    rows += [[f"sha256 {name}", digest] for name, digest in results.inputs.items()]
    rows += [[f"version {name}", version] for name, version in results.software.items()]
    return rows


def report_html(results: Results) -> str:
    stamp = f'<p class="dummy">{html.escape(DUMMY_STAMP)}</p>' if results.dummy else ""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(TITLE)}</title>",
        "<style>body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:"
        "collapse;margin-bottom:1.5em}th,td{border:1px solid #999;padding:.2em .5em;text-align:"
        "left}th{background:#eee}.dummy{background:#fde68a;border:2px solid #b45309;padding:.5em;"
        "font-weight:bold}@media print{.dummy{position:running(top)}}</style>",
        "</head><body>",
        stamp,
        f"<h1>{html.escape(TITLE)}</h1>",
        "<p>Population: intention to treat, every randomised participant in the arm allocated. "
        "The primary analysis uses the complete cases of each follow-up visit (analysed: the "
        "primary outcome has a value, as in the CONSORT diagram) and adjusts for the "
        "minimisation factors as the randomisation used them; sensitivity analyses impute "
        "missing outcomes by chained equations and use the corrected factor levels.</p>",
    ]
    for title, header, rows in tables(results):
        parts.append(f"<h2>{html.escape(title)}</h2><table><thead><tr>")
        parts.extend(f'<th scope="col">{html.escape(cell)}</th>' for cell in header)
        parts.append("</tr></thead><tbody>")
        for row in rows:
            parts.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>")
        parts.append("</tbody></table>")
    parts.append(
        '<h2>Forest plot</h2><img src="forest.png" alt="Forest plot of the arm\'s '
        'effect on LBP now per subgroup">'
    )
    parts.append("<h2>Manifest</h2><table><tbody>")
    for key, value in manifest_rows(results):
        parts.append(
            f'<tr><th scope="row">{html.escape(key)}</th><td>{html.escape(value)}</td></tr>'
        )
    parts.append("</tbody></table>")
    parts.append(stamp)
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _latin(text: str) -> str:
    # The PDF core fonts cover Latin-1 (Danish letters included); anything else is replaced.
    return text.replace("\u2013", "-").encode("latin-1", "replace").decode("latin-1")


def report_pdf(results: Results, forest: bytes) -> bytes:
    from fpdf import FPDF

    stamp = DUMMY_STAMP if results.dummy else ""

    class Report(FPDF):
        def header(self) -> None:
            if stamp:
                self.set_font("Helvetica", "B", 10)
                self.set_fill_color(253, 230, 138)
                self.cell(
                    0, 7, stamp, border=1, fill=True, align="C", new_x="LMARGIN", new_y="NEXT"
                )
                self.ln(2)

        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("Helvetica", "", 7)
            m = results.manifest
            self.cell(
                0,
                5,
                _latin(
                    f"as_of {m.get('as_of')} - chain head {m.get('chain_head')} - "
                    f"page {self.page_no()}"
                ),
                align="C",
            )

    pdf = Report(orientation="L", format="A4")
    at = datetime.fromisoformat(str(results.manifest["as_of_time"]))
    pdf.set_creation_date(at)
    pdf.set_title(TITLE)
    pdf.set_author("Modic EDC")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 13)
    pdf.multi_cell(0, 7, _latin(TITLE), new_x="LMARGIN", new_y="NEXT")
    for title, header, rows in tables(results):
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", 9)
        pdf.multi_cell(0, 5, _latin(title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 7)
        with pdf.table(text_align="LEFT", line_height=4) as table:
            table.row([_latin(c) for c in header])
            for row in rows:
                table.row([_latin(c) for c in row])
    pdf.add_page()
    pdf.image(io.BytesIO(forest), w=200)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 9)
    pdf.cell(0, 6, "Manifest", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 7)
    with pdf.table(text_align="LEFT", line_height=4, col_widths=(30, 120)) as table:
        for key, value in manifest_rows(results):
            table.row([_latin(key), _latin(value)])
    return bytes(pdf.output())


def report_files(results: Results) -> dict[str, bytes]:
    forest = forest_png(results)
    files = {
        "report.html": report_html(results).encode("utf-8"),
        "report.pdf": report_pdf(results, forest),
        "forest.png": forest,
        "results.json": results.as_json().encode("utf-8"),
    }
    return files


def report_manifest(results: Results, files: dict[str, bytes]) -> dict[str, Any]:
    return {
        "kind": "analysis-report",
        "as_of": results.manifest.get("as_of"),
        "as_of_time": results.manifest.get("as_of_time"),
        "view": results.manifest.get("view"),
        "chain_head": results.manifest.get("chain_head"),
        "allocation": "dummy" if results.dummy else "real",
        "dummy_seed": results.dummy_seed,
        "inputs": results.inputs,
        "software": results.software,
        "files": {
            name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
            for name, data in sorted(files.items())
        },
    }


def write_report(
    results: Results, directory: Path, inputs: dict[str, bytes] | None = None
) -> dict[str, Any]:
    """The report files, and `inputs` (the snapshot read), in `directory`, with a manifest."""
    directory.mkdir(parents=True, exist_ok=True)
    files = report_files(results) | dict(inputs or {})
    for name, data in files.items():
        (directory / name).write_bytes(data)
    manifest = report_manifest(results, files)
    text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    (directory / "manifest.json").write_text(text, encoding="utf-8")
    return manifest
