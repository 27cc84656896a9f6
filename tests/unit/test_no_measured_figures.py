"""Comments and docstrings say why, never how fast: a measured figure in the code goes stale
the day the code or the machine changes (issue 13; the guide: "figures belong in `make bench`,
not in comments"). `make bench` measures them, next to a raw baseline in the same run.

The check reads every comment and docstring of the production packages and fails on a
number with a unit of time or rate, a speed-up factor, or a before -> after pair."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("domain", "edc", "projections", "web", "cli")
FIGURE = re.compile(
    r"\d(?:[\d,.]*\d)?\s*(?:ms|µs|us|ns|s|seconds?|minutes?|req/s|requests/s|events?/s|ev/s)\b"
    r"|\d(?:[\d.]*\d)?\s*x\s+(?:faster|slower|quicker|the)\b"
    r"|\b(?:times|twice)\s+(?:faster|slower|quicker)\b"
    r"|\d[\d.,]*\s*(?:->|→)\s*\d[\d.,]*\s*(?:ms|µs|s|%)",
    re.IGNORECASE,
)
# Durations that are rules, not measurements: timeouts, windows and intervals the design sets.
RULES = re.compile(
    r"\b(?:timeout|time-?out|interval|idle|expire|window|poll|wait|retry|retries|deadline|"
    r"every|after|within|session|lifetime|lock|sleep|delay|ttl|age|busy|backoff|grace|limit|"
    r"cap|at most|up to)\b",
    re.IGNORECASE,
)


def prose(source: str) -> list[tuple[int, str]]:
    """The comments and docstrings of a module, with their line numbers."""
    texts: list[tuple[int, str]] = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            texts.append((token.start[0], token.string))
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            doc = ast.get_docstring(node, clean=False)
            if doc:
                first = node.body[0].lineno
                texts.extend((first + n, line) for n, line in enumerate(doc.splitlines()))
    return texts


def figures_in(source: str) -> list[str]:
    found = []
    for line, text in prose(source):
        for match in FIGURE.finditer(text):
            if not RULES.search(text):
                found.append(f"line {line}: {match.group(0)!r} in {text.strip()!r}")
    return found


def test_no_comment_or_docstring_quotes_a_measured_figure() -> None:
    offenders = {
        str(path.relative_to(ROOT)): found
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if (found := figures_in(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_the_check_finds_a_quoted_figure() -> None:
    planted = (
        '"""Copying by pickle, about three times faster (0.45 -> 0.16 ms)."""\n'
        "# one transaction per page: 13,318 events/s on a 2-core machine\n"
        "RETRY_AFTER = 2  # seconds to wait before a retry: a rule, not a measurement\n"
    )
    found = figures_in(planted)
    assert len(found) == 3, found  # two on the docstring's line, one on the comment
    assert any("0.16 ms" in item for item in found)
    assert any("events/s" in item for item in found)
    assert not any("RETRY_AFTER" in item for item in found)
