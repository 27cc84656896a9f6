"""The import rule between the packages (DESIGN.md, "Layout"; issue 13): web -> edc -> domain,
edc -> projections -> domain, nothing upwards, and web never reaches projections but through edc.

The rule is import-linter's contracts in pyproject.toml (`make lint` runs them too); these tests
run them over the project, and over a planted tree to show that a wrong arrow breaks them.
Within the rule, no modules import one another round a circle."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))


def lint_imports(cwd: Path, config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache", "--no-logo", "--config", str(config)],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(cwd)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_project_keeps_the_import_rule() -> None:
    done = lint_imports(ROOT, ROOT / "pyproject.toml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def rule_without_known_exceptions() -> str:
    """The project's contracts as a config file, less the list of known violations (they name
    modules that a planted tree does not have)."""
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    lines = ["[tool.importlinter]", f"root_packages = {settings['root_packages']!r}"]
    for contract in settings["contracts"]:
        lines.append("[[tool.importlinter.contracts]]")
        for key, value in contract.items():
            if key != "ignore_imports":
                lines.append(f"{key} = {value!r}".replace("True", "true"))
    return "\n".join(lines) + "\n"


def planted_tree(tmp_path: Path, arrows: list[tuple[str, str]]) -> Path:
    """One empty package per layer, and per arrow (importer, imported) one module in the importer
    that imports the other package."""
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    for package in settings["root_packages"]:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    for importer, imported in arrows:
        (tmp_path / importer / f"planted_{imported}.py").write_text(f"import {imported}\n")
    config = tmp_path / "pyproject.toml"
    config.write_text(rule_without_known_exceptions())
    return config


WRONG_ARROWS = [
    ("domain", "edc"),
    ("domain", "projections"),
    ("domain", "web"),
    ("projections", "edc"),
    ("projections", "web"),
    ("edc", "web"),
    ("web", "projections"),
]
RIGHT_ARROWS = [
    ("web", "edc"),
    ("web", "domain"),
    ("edc", "projections"),
    ("edc", "domain"),
    ("projections", "domain"),
]


def test_each_wrong_arrow_breaks_the_rule(tmp_path: Path) -> None:
    done = lint_imports(tmp_path, planted_tree(tmp_path, WRONG_ARROWS + RIGHT_ARROWS))
    assert done.returncode == 1, done.stdout + done.stderr
    named = {
        (importer, imported)
        for importer, imported in WRONG_ARROWS + RIGHT_ARROWS
        if f"{importer}.planted_{imported} -> {imported}" in done.stdout
    }
    assert named == set(WRONG_ARROWS), done.stdout


def test_the_right_arrows_keep_the_rule(tmp_path: Path) -> None:
    done = lint_imports(tmp_path, planted_tree(tmp_path, RIGHT_ARROWS))
    assert done.returncode == 0, done.stdout + done.stderr


def circles(packages: list[str]) -> list[list[str]]:
    """The modules that import one another round a circle (strongly connected groups of more than
    one module), counting every import: at module level, inside functions and under
    TYPE_CHECKING, so no circle hides behind an import moved into a function."""
    graph = grimp.build_graph(*packages, exclude_type_checking_imports=False, cache_dir=None)
    order: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:  # Tarjan's strongly connected components
        order[module] = lowest[module] = len(order)
        stack.append(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported not in order:
                visit(imported)
                lowest[module] = min(lowest[module], lowest[imported])
            elif imported in stack:
                lowest[module] = min(lowest[module], order[imported])
        if lowest[module] == order[module]:
            group = []
            while not group or group[-1] != module:
                group.append(stack.pop())
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in order:
            visit(module)
    return sorted(found)


def test_no_modules_import_each_other_round_a_circle() -> None:
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert circles(settings["root_packages"]) == []


def test_a_planted_circle_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "planted"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from planted import b\n")
    (package / "b.py").write_text("def late() -> None:\n    from planted import c\n")
    (package / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from planted import a\n"
    )
    (package / "d.py").write_text("from planted import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert circles(["planted"]) == [["planted.a", "planted.b", "planted.c"]]
