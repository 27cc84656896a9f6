"""The import rule between the packages (DESIGN.md, "Layout"; issue 13): web -> edc -> domain,
edc -> projections -> domain, nothing upwards, and web never reaches projections but through edc.

The rule is import-linter's contracts in pyproject.toml (`make lint` runs them too); these tests
run them over the project, and over a planted tree to show that a wrong arrow breaks them."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

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
