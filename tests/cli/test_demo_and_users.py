"""The `edc` command line, run as a user would: a real process on a real data directory."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from edc.application import Trial
from edc.bootstrap import build_trial
from edc.config import Settings
from tests.edc_process import edc as run_edc


def edc(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return run_edc(Settings(data_dir=data_dir), *args, stdin=stdin)


def test_users_add_reads_the_password_from_stdin_and_lists_accounts(tmp_path: Path) -> None:
    added = edc(
        tmp_path,
        "users",
        "add",
        "sara",
        "--role",
        "site_staff",
        "--site",
        "RINGE",
        stdin="a long enough password\n",
    )
    assert added.returncode == 0, added.stderr
    assert "sara: site_staff, site RINGE, unblinded" in added.stdout
    listed = edc(tmp_path, "users", "list")
    assert listed.returncode == 0
    assert "sara" in listed.stdout and "site_staff" in listed.stdout
    trial = build_trial(Settings(data_dir=tmp_path))
    try:
        from edc.passwords import password_matches

        assert password_matches(trial.get_user("sara").password_hash, "a long enough password")
    finally:
        trial.close()


def test_users_add_refuses_a_bad_role_with_a_message_and_no_traceback(tmp_path: Path) -> None:
    refused = edc(tmp_path, "users", "add", "bob", "--role", "surgeon", stdin="whatever-123\n")
    assert refused.returncode == 2
    assert "Unknown role 'surgeon'" in refused.stderr
    assert "Traceback" not in refused.stderr


def demo_content(data_dir: Path) -> list[tuple[str, str]]:
    """The trial's events without times and password hashes (argon2 salts are random)."""
    trial: Trial = build_trial(Settings(data_dir=data_dir))
    try:
        rows = []
        for n in trial.recorder.select_notifications(start=1, limit=1_000_000):
            if "User" in n.topic:
                continue
            rows.append((n.topic, trial.mapper.to_domain_event(n).__dict__.__repr__()))
        return rows
    finally:
        trial.close()


@pytest.mark.slow
def test_demo_is_deterministic_for_a_seed_and_prints_balance(tmp_path: Path) -> None:
    first = edc(tmp_path / "a", "demo", "--participants", "60", "--seed", "3")
    assert first.returncode == 0, first.stderr
    assert "Randomised by arm: exercise" in first.stdout
    assert "modic_type" in first.stdout
    second = edc(tmp_path / "b", "demo", "--participants", "60", "--seed", "3")
    assert second.returncode == 0, second.stderr
    assert demo_content(tmp_path / "a") == demo_content(tmp_path / "b")
    other = edc(tmp_path / "c", "demo", "--participants", "60", "--seed", "4")
    assert other.returncode == 0, other.stderr
    assert demo_content(tmp_path / "c") != demo_content(tmp_path / "a")


def test_demo_refuses_a_store_that_is_not_empty(tmp_path: Path) -> None:
    edc(
        tmp_path,
        "users",
        "add",
        "sara",
        "--role",
        "site_staff",
        "--site",
        "RINGE",
        stdin="a long enough password\n",
    )
    refused = edc(tmp_path, "demo", "--participants", "5")
    assert refused.returncode != 0
    assert "not empty" in refused.stderr
