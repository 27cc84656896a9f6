"""Heads anchored outside the store: deleting the newest events with their links, rewriting
the store or restoring a doctored backup is caught against them; a deliberate restore of an
older backup is a recorded step, not an alarm. SQLite and PostgreSQL (backups of a SQLite
store are doctored file by file; a PostgreSQL dump is restored as made).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from domain.actor import Actor
from edc import audit
from edc.application import Trial
from edc.bootstrap import build_trial
from edc.config import Settings
from tests.app.conftest import actors, clock, settings, trial
from tests.app.journeys import screened
from tests.edc_process import edc
from tests.security.chain_attacks import (
    delete_newest,
    head_log_entries,
    rewrite_consistently,
    tamper_sqlite_backup,
)
from tests.security.common import add_user, built, serve_refusal, verify

__all__ = ["actors", "clock", "settings", "trial"]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def test_every_commit_is_anchored_outside_the_store(
    trial: Trial, actors: dict[str, Actor], settings: Settings
) -> None:
    built(trial, actors, settings)
    assert add_user(settings, "mona").returncode == 0
    reopened = build_trial(settings)
    try:
        head = audit.head(reopened)
    finally:
        reopened.close()
    commits = [e["head"] for e in head_log_entries(settings) if e["kind"] == "commit"]
    assert commits and commits[-1] == str(head)
    log = settings.anchor_path
    assert not log.is_relative_to(settings.data_dir.absolute())


def test_deleting_the_newest_events_with_their_links_is_caught_against_the_anchor(
    trial: Trial, actors: dict[str, Actor], settings: Settings
) -> None:
    store = built(trial, actors, settings)
    anchored = store.last_position()
    last = delete_newest(store, 3)

    done = verify(settings)
    assert done.returncode == 1
    assert "truncated" in done.stdout
    assert f"ends at position {last}" in done.stdout and f"head {anchored}:" in done.stdout
    refused = serve_refusal(settings)
    assert refused.returncode == 1 and "newest events were deleted" in refused.stderr


def test_a_consistent_rewrite_is_caught_against_the_anchor_without_being_told_a_head(
    trial: Trial, actors: dict[str, Actor], settings: Settings
) -> None:
    store = built(trial, actors, settings)
    rewrite_consistently(store, store.position_of("FormCorrected"))
    done = verify(settings)
    assert done.returncode == 1
    assert "rewritten" in done.stdout and "head log" in done.stdout
    assert serve_refusal(settings).returncode == 1


def test_verify_expect_on_a_rewritten_store_never_calls_the_rewritten_head_good(
    trial: Trial, actors: dict[str, Actor], settings: Settings
) -> None:
    store = built(trial, actors, settings)
    published = edc(settings, "audit", "head").stdout.strip()
    rewrite_consistently(store, store.position_of("FormCorrected"))
    rewritten = edc(settings, "audit", "head").stdout.strip()
    assert rewritten != published

    done = verify(settings, "--expect", published)
    assert done.returncode == 1 and "rewritten" in done.stdout
    assert rewritten not in done.stdout
    good = done.stdout.split("last good head:")[-1].strip() if "last good" in done.stdout else ""
    assert good != rewritten.split(":")[1] and not good.endswith(rewritten)


def test_a_doctored_backup_is_refused_on_restore_and_caught_by_verify(
    trial: Trial, actors: dict[str, Actor], settings: Settings, tmp_path: Path
) -> None:
    if settings.database_url:
        pytest.skip("doctors the SQLite files of a backup")
    store = built(trial, actors, settings)
    backup = tmp_path / "backup"
    assert edc(settings, "backup", str(backup)).returncode == 0
    tamper_sqlite_backup(backup, store.position_of("FormCorrected"))

    restored = edc(settings, "restore", "--force", str(backup))
    assert restored.returncode == 2
    assert "altered after that head was anchored" in restored.stderr
    done = verify(settings)
    assert done.returncode == 1 and "rewritten" in done.stdout


def test_a_deliberate_restore_of_an_older_backup_is_recorded_then_verifies(
    trial: Trial,
    actors: dict[str, Actor],
    settings: Settings,
    tmp_path: Path,
) -> None:
    store = built(trial, actors, settings)
    older = tmp_path / "older"
    assert edc(settings, "backup", str(older)).returncode == 0
    for name in ("mona", "nils", "olga"):
        assert add_user(settings, name).returncode == 0
    newest = store.last_position()

    restored = edc(settings, "restore", "--force", str(older))
    assert restored.returncode == 0, restored.stderr
    assert "accept-restore" in restored.stdout
    alarm = verify(settings)
    assert alarm.returncode == 1 and "truncated" in alarm.stdout  # not accepted yet

    accepted = edc(settings, "audit", "accept-restore", "--reason", "disk lost, restored Monday")
    assert accepted.returncode == 0, accepted.stdout
    logged = [e for e in head_log_entries(settings) if e["kind"] == "restore-accepted"]
    assert len(logged) == 1 and "disk lost, restored Monday" in logged[0]["note"]
    assert int(logged[0]["head"].split(":")[0]) < newest

    assert verify(settings).returncode == 0
    # Work goes on at positions the given-up heads named, with other links: no alarm.
    for name in ("pia", "quinn", "rolf", "sven"):
        assert add_user(settings, name).returncode == 0
    assert store.last_position() >= newest
    done = verify(settings)
    assert done.returncode == 0, done.stdout
    reopened = build_trial(settings)
    try:
        screened(reopened, reopened.actor_for("sara"))
    finally:
        reopened.close()
    assert verify(settings).returncode == 0


def test_accepting_a_restore_refuses_a_store_that_contradicts_older_anchors(
    trial: Trial, actors: dict[str, Actor], settings: Settings
) -> None:
    store = built(trial, actors, settings)
    rewrite_consistently(store, store.position_of("FormCorrected"))
    refused = edc(settings, "audit", "accept-restore", "--reason", "trying to cover up")
    assert refused.returncode == 1 and "REFUSED" in refused.stdout
    assert not [e for e in head_log_entries(settings) if e["kind"] == "restore-accepted"]


def test_the_anchor_directory_survives_the_data_directory_being_replaced(
    trial: Trial, actors: dict[str, Actor], settings: Settings
) -> None:
    if settings.database_url:
        pytest.skip("replaces a SQLite data directory")
    built(trial, actors, settings)
    shutil.rmtree(settings.data_dir)
    assert settings.anchor_path.is_dir()
    fresh = build_trial(settings)
    fresh.close()
    done = verify(settings)
    assert done.returncode == 1 and "truncated" in done.stdout


def test_the_head_of_an_export_manifest_is_checked_by_default(
    trial: Trial, actors: dict[str, Actor], settings: Settings, tmp_path: Path
) -> None:
    store = built(trial, actors, settings)
    out = tmp_path / "snapshot.zip"
    exported = edc(settings, "export", "csv", "--view", "blinded", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    stated = json.loads(exported.stdout)["chain_head"]
    log = settings.anchor_path / "heads.log"
    # Only the manifest's head is left to check against: no commit anchor at all.
    published = [line for line in log.read_text().splitlines() if '"published"' in line]
    assert len(published) == 1 and stated in published[0]
    log.write_text(published[0] + "\n")
    rewrite_consistently(store, store.position_of("FormCorrected"))
    done = verify(settings)
    assert done.returncode == 1 and "rewritten" in done.stdout and "published" in done.stdout
