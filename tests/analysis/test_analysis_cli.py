"""`edc analysis`: the report, the snapshot it read and a manifest, the same bytes again."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from cli.main import main
from tests.exports.conftest import Built


def run(built: Built, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setenv("EDC_DATA_DIR", str(built.settings.data_dir))
    if built.settings.database_url:
        monkeypatch.setenv("EDC_DATABASE_URL", built.settings.database_url)
    else:
        monkeypatch.delenv("EDC_DATABASE_URL", raising=False)
    return main(["analysis", *args])


def test_a_blinded_analysis_writes_its_report_and_manifest_and_repeats_byte_for_byte(
    built: Built,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    assert (
        run(built, monkeypatch, "--view", "blinded", "--imputations", "2", "--out", str(first)) == 0
    )
    manifest = json.loads(capsys.readouterr().out)
    assert manifest["allocation"] == "dummy" and manifest["view"] == "blinded"
    names = {p.name for p in first.iterdir()}
    assert names == {
        "report.html",
        "report.pdf",
        "forest.png",
        "results.json",
        "snapshot.zip",
        "manifest.json",
    }
    for name, entry in manifest["files"].items():
        assert hashlib.sha256((first / name).read_bytes()).hexdigest() == entry["sha256"]
    assert json.loads((first / "results.json").read_text())["harms"] is None
    assert (
        run(built, monkeypatch, "--view", "blinded", "--imputations", "2", "--out", str(second))
        == 0
    )
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_an_unblinded_analysis_has_the_real_arms_and_harms(
    built: Built,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "real"
    assert (
        run(built, monkeypatch, "--view", "unblinded", "--imputations", "2", "--out", str(out)) == 0
    )
    results = json.loads((out / "results.json").read_text())
    assert results["dummy"] is False
    assert sorted(results["randomised"]) == ["exercise", "rest"]
    assert [h["arm"] for h in results["harms"]] == ["exercise", "rest"]


def test_an_analysis_refuses_to_overwrite_and_says_why(
    built: Built,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "notes.txt").write_text("mine")
    assert run(built, monkeypatch, "--out", str(tmp_path / "used")) == 2
    assert "not an empty directory" in capsys.readouterr().err
    assert (tmp_path / "used" / "notes.txt").read_text() == "mine"
    assert run(built, monkeypatch, "--imputations", "0", "--out", str(tmp_path / "x")) == 2
