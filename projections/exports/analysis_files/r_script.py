"""An R script that reads the snapshot's CSV files with the types and factor labels of the
data dictionary, so an analyst in R starts from the same values as the other formats.

The script is generated from the typed tables (not written per trial by hand) and uses base R
only, so it runs on any R installation without packages.
"""

from __future__ import annotations

from collections.abc import Iterable

from projections.exports.analysis_files.columns import MISSING_CODES, MISSING_LABELS, Table


def _r_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _r_vector(values: Iterable[str]) -> str:
    return "c(" + ", ".join(_r_string(v) for v in values) + ")"


def r_script(tables: Iterable[Table], as_of: int, view: str) -> str:
    lines = [
        f"# Reads the Modic EDC snapshot (as_of {as_of}, {view} view) with factor labels.",
        "# Usage: source('read_snapshot.R'); snapshot <- read_snapshot('.')",
        "# Each element of the list is one CSV file as a data.frame. Coded columns are",
        "# factors (levels are the stored codes, labels the dictionary's labels); a column",
        "# <ITEM>_NC holds the missing-answer code of <ITEM> as a factor of "
        + ", ".join(f"{code} ({MISSING_LABELS[code]})" for code in MISSING_CODES)
        + ".",
        "",
        "read_snapshot <- function(directory = '.') {",
        "  read_one <- function(file, classes, factors) {",
        "    data <- read.csv(file.path(directory, file), colClasses = classes,",
        "                     na.strings = '', encoding = 'UTF-8', check.names = FALSE)",
        "    for (name in names(factors)) {",
        "      data[[name]] <- factor(data[[name]], levels = factors[[name]]$levels,",
        "                             labels = factors[[name]]$labels)",
        "    }",
        "    data",
        "  }",
        "  snapshot <- list()",
    ]
    for table in tables:
        classes = []
        factors = []
        for column in table.columns:
            if column.codes:
                classes.append("character")
                levels = list(column.codes)
                labels = [label for _, label in column.codes.values()]
                factors.append(
                    f"{_r_string(column.name)} = list(levels = {_r_vector(levels)}, "
                    f"labels = {_r_vector(labels)})"
                )
            elif column.kind == "numeric":
                classes.append("numeric")
            elif column.kind == "date":
                classes.append("Date")
            else:
                classes.append("character")
            if column.name.endswith("_NC"):
                labels = [MISSING_LABELS[code] for code in MISSING_CODES]
                factors.append(
                    f"{_r_string(column.name)} = list(levels = {_r_vector(MISSING_CODES)}, "
                    f"labels = {_r_vector(labels)})"
                )
        names = [column.name for column in table.columns]
        lines.append(f"  snapshot[[{_r_string(table.name)}]] <- read_one(")
        lines.append(f"    {_r_string(table.name + '.csv')},")
        lines.append(
            "    classes = setNames(" + _r_vector(classes) + ", " + _r_vector(names) + "),"
        )
        lines.append("    factors = list(" + ", ".join(factors) + "))")
    lines.append("  snapshot")
    lines.append("}")
    return "\n".join(lines) + "\n"
