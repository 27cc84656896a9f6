"""`edc export` and `edc report`, run as a user would: a real process on the real store."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest

from cli.main import main
from edc.config import Settings
from projections.exports import ExportKind
from tests import factories
from tests.edc_process import edc
from tests.exports.conftest import Built

SUFFIX = {
    "csv": "zip",
    "odm": "xml",
    "odm-snapshot": "xml",
    "audit": "ndjson",
    "dictionary": "html",
    "analysis": "zip",
}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def in_process(
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *args: str,
) -> tuple[int, str, str]:
    """The same command line in this process (fast: no interpreter start-up)."""
    monkeypatch.setenv("EDC_DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        monkeypatch.setenv("EDC_DATABASE_URL", settings.database_url)
    else:
        monkeypatch.delenv("EDC_DATABASE_URL", raising=False)
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("kind", [kind.value for kind in ExportKind])
def test_each_export_writes_its_file_and_prints_the_manifest(
    built: Built,
    tmp_path: Path,
    kind: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / f"export.{SUFFIX[kind]}"
    head = built.trial.recorder.max_notification_id()
    code, stdout, stderr = in_process(
        built.settings,
        monkeypatch,
        capsys,
        "export",
        kind,
        "--view",
        "unblinded",
        "--out",
        str(out),
    )
    assert code == 0, stderr
    manifest = json.loads(stdout)
    assert (manifest["as_of"], manifest["view"]) == (head, "unblinded")
    # Taking unblinded data is itself recorded, after the position exported.
    (taken,) = built.trial.recorder.select_notifications(start=(head or 0) + 1, limit=10)
    assert taken.topic.endswith("UnblindedExport.Taken")
    assert built.trial.mapper.to_domain_event(taken).actor["operator"]
    assert manifest["chain_head"].startswith(f"{head}:")
    data = out.read_bytes()
    if kind in ("csv", "analysis"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = {n: archive.read(n) for n in archive.namelist() if n != "manifest.json"}
            assert json.loads(archive.read("manifest.json")) == manifest
        assert {n: f["sha256"] for n, f in manifest["files"].items()} == {
            n: sha256(content) for n, content in members.items()
        }
    else:
        assert manifest["files"] == {out.name: {"sha256": sha256(data), "bytes": len(data)}}
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]  # no partial file left


def test_an_export_at_a_position_is_the_same_file_after_more_data_arrived(
    fresh: Built, tmp_path: Path
) -> None:
    as_of = str(fresh.trial.recorder.max_notification_id())
    first, second = tmp_path / "first.zip", tmp_path / "second.zip"
    done = edc(fresh.settings, "export", "csv", "--as-of", as_of, "--out", str(first))
    assert done.returncode == 0, done.stderr
    fresh.trial.correct_form(
        fresh.actors["site_staff"],
        fresh.small.ids["F"],
        "baseline",
        factories.outcomes(LBP_NOW=1),
        expected_version=1,
        reason={"code": "other", "text": "checked again"},
    )
    again = edc(fresh.settings, "export", "csv", "--as-of", as_of, "--out", str(second))
    assert again.returncode == 0, again.stderr
    assert second.read_bytes() == first.read_bytes()
    assert again.stdout == done.stdout


def test_a_bad_position_is_refused_with_a_message_and_no_file(built: Built, tmp_path: Path) -> None:
    out = tmp_path / "never.zip"
    done = edc(built.settings, "export", "csv", "--as-of", "999999", "--out", str(out))
    assert done.returncode == 2
    assert "out of range" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_report_draws_the_consort_diagram(
    built: Built,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "consort.svg"
    code, stdout, stderr = in_process(
        built.settings, monkeypatch, capsys, "report", "consort", "--out", str(out)
    )
    assert code == 0, stderr
    assert "Randomised (n=3)" in out.read_text()
    assert json.loads(stdout)["view"] == "blinded"  # the default view
