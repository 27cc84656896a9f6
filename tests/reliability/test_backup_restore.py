"""`edc backup` and `edc restore`: a restored store is the same store, verified end to end.

Each scenario runs on a SQLite data directory and on a real PostgreSQL database; the commands
run as processes, as an operator would run them.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest

from domain.actor import Actor
from edc.application import Trial
from edc.backup import backup
from edc.bootstrap import build_trial
from edc.config import Settings
from tests.edc_process import edc
from tests.factories import screening
from tests.reliability.helpers import (
    data_files,
    participant_views,
    populate,
    read_model_rows,
    stored_events,
)

# Each scenario runs several `edc` processes: slow by the suite's measure (> 10 s).
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def fresh_target(settings: Settings, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """An empty place of the same kind: a new data directory, or a new database."""
    data_dir = tmp_path / "restored"
    if settings.database_url is None:
        return Settings(data_dir=data_dir)
    server = request.getfixturevalue("postgres_server")
    url = server.create_database(server.unique_name("restored"))
    return Settings(data_dir=data_dir, database_url=url)


def snapshot_bytes(settings: Settings, as_of: int, out: Path) -> str:
    done = edc(
        settings, "export", "csv", "--view", "blinded", "--as-of", str(as_of), "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    return hashlib.sha256(out.read_bytes()).hexdigest()


@pytest.mark.parametrize("form", ["directory", "archive"])
def test_a_restored_store_has_the_same_events_chain_views_and_snapshots(
    trial: Trial,
    actors: dict[str, Actor],
    settings: Settings,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    form: str,
) -> None:
    pids = populate(trial, actors)
    monitor = actors["monitor"]
    trial.close()
    # Read models exist before the backup, so the backup holds them too.
    built = edc(settings, "projections", "run", "--once")
    assert built.returncode == 0, built.stderr
    before = stored_events(settings)
    path = tmp_path / ("backup" if form == "directory" else "backup.tar.gz")

    made = edc(settings, "backup", str(path))
    assert made.returncode == 0, made.stderr
    assert f"{len(before)} events" in made.stdout

    target = fresh_target(settings, tmp_path, request)
    restored = edc(target, "restore", str(path))
    assert restored.returncode == 0, restored.stderr

    # The same events, byte for byte, in the same order, and the audit chain verifies.
    assert stored_events(target) == before
    source_verify = edc(settings, "audit", "verify")
    target_verify = edc(target, "audit", "verify")
    assert target_verify.returncode == 0, target_verify.stdout + target_verify.stderr
    assert target_verify.stdout == source_verify.stdout  # same count and chain head
    # The same participants, and byte-identical snapshots at the same position.
    assert participant_views(target, monitor, pids) == participant_views(settings, monitor, pids)
    as_of = before[-1][0]
    assert snapshot_bytes(target, as_of, tmp_path / "t.zip") == snapshot_bytes(
        settings, as_of, tmp_path / "s.zip"
    )
    # The read models came along at the position they had, and agree with the source's.
    assert read_model_rows(target) == read_model_rows(settings)


def test_restore_refuses_a_store_that_holds_data_unless_forced(
    trial: Trial, actors: dict[str, Actor], settings: Settings, tmp_path: Path
) -> None:
    populate(trial, actors)
    made = edc(settings, "backup", str(tmp_path / "backup"))
    assert made.returncode == 0, made.stderr
    backed_up = stored_events(settings)
    # More data arrives after the backup.
    staff = actors["site_staff"]
    trial.screen(staff, screening(AGE=40))
    trial.close()
    current = stored_events(settings)
    assert len(current) > len(backed_up)

    refused = edc(settings, "restore", str(tmp_path / "backup"))
    assert refused.returncode == 2
    assert "give --force to replace everything" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert stored_events(settings) == current  # untouched

    forced = edc(settings, "restore", "--force", str(tmp_path / "backup"))
    assert forced.returncode == 0, forced.stderr
    assert stored_events(settings) == backed_up
    # An older backup over newer data: the newer anchored head says events are gone until the
    # restore is recorded as deliberate.
    assert "accept-restore" in forced.stdout
    assert edc(settings, "audit", "verify").returncode == 1
    accepted = edc(settings, "audit", "accept-restore", "--reason", "back to the backup")
    assert accepted.returncode == 0, accepted.stdout
    assert edc(settings, "audit", "verify").returncode == 0


def test_a_damaged_backup_is_refused_and_nothing_is_restored(
    trial: Trial,
    actors: dict[str, Actor],
    settings: Settings,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    populate(trial, actors)
    trial.close()
    assert edc(settings, "backup", str(tmp_path / "backup")).returncode == 0
    damaged = next(p for p in (tmp_path / "backup").iterdir() if p.name != "backup.json")
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))

    target = fresh_target(settings, tmp_path, request)
    refused = edc(target, "restore", str(tmp_path / "backup"))
    assert refused.returncode == 2
    assert f"{damaged.name} does not match its checksum" in refused.stderr
    assert data_files(target.data_dir) == []
    if target.database_url:
        assert stored_events(target) == []


def test_backup_is_one_consistent_state_while_writers_keep_writing(
    trial: Trial,
    actors: dict[str, Actor],
    settings: Settings,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    staff = actors["site_staff"]
    pids = populate(trial, actors)
    stop = threading.Event()
    written: list[int] = []

    def keep_writing() -> None:
        writer = build_trial(settings)
        try:
            version = writer.load_participant(pids[1]).form_version("weekly")
            week = 3
            while not stop.is_set() and week <= 52:
                writer.record_form(
                    staff,
                    pids[1],
                    "weekly",
                    {"WEEK": week, "LBP_DAYS": 2, "SICK_LEAVE_DAYS": 0},
                    expected_version=version,
                )
                version += 1
                week += 1
                written.append(week)
        finally:
            writer.close()

    thread = threading.Thread(target=keep_writing)
    thread.start()
    try:
        outcome = backup(settings, tmp_path / "backup")
    finally:
        stop.set()
        thread.join(60)
    trial.close()
    assert written, "the writer wrote nothing while the backup ran"

    target = fresh_target(settings, tmp_path, request)
    restored = edc(target, "restore", str(tmp_path / "backup"))
    assert restored.returncode == 0, restored.stderr
    verified = edc(target, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    events = stored_events(target)
    # The backup holds a prefix of the source's sequence, at least as long as it says.
    assert events == stored_events(settings)[: len(events)]
    assert len(events) >= outcome.manifest.events


@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)
def test_a_backup_leaves_out_the_scratch_files_of_a_rebuild_in_parts(
    trial: Trial, actors: dict[str, Actor], settings: Settings, tmp_path: Path
) -> None:
    populate(trial, actors)
    # What a rebuild in parts writes beside the read models, or leaves if it was killed.
    scratch = settings.data_dir / "readmodels.sqlite.part-4242-0"
    scratch.write_bytes(b"a part being built")
    kept = settings.data_dir / "readmodels.sqlite.part-of-something"
    kept.write_bytes(b"not a part's file: backed up like any other")
    outcome = backup(settings, tmp_path / "backup")
    assert scratch.name not in outcome.manifest.files
    assert not (tmp_path / "backup" / scratch.name).exists()
    assert kept.name in outcome.manifest.files
