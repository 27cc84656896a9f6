"""`edc audit verify` and `edc audit head`, run as an operator would: a real process."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.main import main
from domain.actor import Actor
from edc import audit
from edc.application import Trial
from edc.config import Settings
from tests.audit import scenario
from tests.audit.tamper import RawStore
from tests.edc_process import edc


@pytest.fixture
def store(trial: Trial, actors: dict[str, Actor], settings: Settings) -> RawStore:
    scenario.build(trial, actors)
    return RawStore(settings)


def test_verify_exits_0_with_the_event_count_and_the_chain_head(
    trial: Trial, store: RawStore, settings: Settings
) -> None:
    done = edc(settings, "audit", "verify")
    assert done.returncode == 0, done.stderr
    assert f"OK: {len(store.rows())} events verified." in done.stdout
    assert f"Chain head: {audit.head(trial)}" in done.stdout
    assert done.stderr == ""  # no progress bar when stderr is not a terminal


def test_verify_exits_1_naming_an_altered_event(
    trial: Trial, store: RawStore, settings: Settings
) -> None:
    position = store.position_of("FormCorrected")
    _, originator_id, version, _, _ = store.row(position)
    store.change_one_byte(position)
    done = edc(settings, "audit", "verify")
    assert done.returncode == 1
    assert (
        f"TAMPERED: altered event at position {position} "
        f"(aggregate {_uuid_text(originator_id)}, version {version})"
    ) in done.stdout
    assert "Traceback" not in done.stderr


def test_verify_exits_1_naming_a_deleted_event(store: RawStore, settings: Settings) -> None:
    position = store.position_of("Randomised")
    store.delete(position)
    done = edc(settings, "audit", "verify")
    assert done.returncode == 1
    assert f"TAMPERED: deleted event at position {position}" in done.stdout


def run_in_process(
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *args: str,
) -> tuple[int, str, str]:
    """The same command line in this process (faster), for the options' behaviour."""
    monkeypatch.setenv("EDC_DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        monkeypatch.setenv("EDC_DATABASE_URL", settings.database_url)
    else:
        monkeypatch.delenv("EDC_DATABASE_URL", raising=False)
    try:
        code = main(list(args))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_verify_checks_a_head_printed_earlier(
    trial: Trial,
    store: RawStore,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, printed, _ = run_in_process(settings, monkeypatch, capsys, "audit", "head")
    assert code == 0 and printed.strip() == str(audit.head(trial))
    code, out, _ = run_in_process(
        settings, monkeypatch, capsys, "audit", "verify", "--expect", printed.strip()
    )
    assert code == 0 and "OK:" in out
    position = audit.head(trial).position
    code, out, _ = run_in_process(
        settings, monkeypatch, capsys, "audit", "verify", "--expect", f"{position}:{'0' * 64}"
    )
    assert code == 1 and "rewritten" in out
    code, out, _ = run_in_process(
        settings, monkeypatch, capsys, "audit", "head", "--at", str(position - 1)
    )
    assert out.strip() == f"{position - 1}:{audit.head_at(trial, position - 1)}"


def test_verify_refuses_a_malformed_head_with_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_in_process(
        Settings(data_dir=tmp_path), monkeypatch, capsys, "audit", "verify", "--expect", "12:xyz"
    )
    assert code == 2
    assert "not a chain head" in err and "Traceback" not in err


def test_verify_of_a_directory_without_a_store_says_so(tmp_path: Path) -> None:
    done = edc(Settings(data_dir=tmp_path / "nothing"), "audit", "verify")
    assert done.returncode == 2
    assert "There is no event store" in done.stderr
    assert not (tmp_path / "nothing" / "trial.sqlite").exists()


def _uuid_text(originator_id: object) -> str:
    from uuid import UUID

    return str(originator_id if isinstance(originator_id, UUID) else UUID(str(originator_id)))
