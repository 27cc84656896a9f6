"""Sealing: every genuine write is in the chain, whatever the concurrency, and only once."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from domain.actor import Actor
from edc import audit
from edc.application import SYSTEM, Trial
from edc.audit.links import GENESIS, ChainBroken
from edc.bootstrap import build_trial
from edc.config import Settings
from tests.app.conftest import PASSWORD
from tests.app.journeys import screened
from tests.audit import scenario
from tests.audit.tamper import RawStore

ROOT = Path(__file__).resolve().parents[2]


def test_an_empty_store_verifies_with_the_genesis_head(trial: Trial) -> None:
    result = audit.verify(trial)
    assert result.ok and result.events_checked == 0
    assert result.head == audit.ChainHead(0, GENESIS.hex()) == audit.head(trial)


def test_threads_writing_at_once_are_all_sealed_in_order(
    trial: Trial, actors: dict[str, Actor], settings: Settings
) -> None:
    staff = actors["site_staff"]
    errors: list[BaseException] = []

    def screen_some() -> None:
        try:
            for _ in range(5):
                screened(trial, staff)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=screen_some) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = audit.verify(trial)
    assert result.ok, result.message
    assert result.events_checked == len(RawStore(settings).rows())


def test_processes_writing_the_same_store_at_once_are_all_sealed(
    trial: Trial, actors: dict[str, Actor], settings: Settings
) -> None:
    actors["site_staff"]  # the account the processes act as
    env = {**os.environ, "EDC_DATA_DIR": str(settings.data_dir), "PYTHONPATH": str(ROOT)}
    env.pop("EDC_DATABASE_URL", None)
    if settings.database_url:
        env["EDC_DATABASE_URL"] = settings.database_url
    program = (
        "from edc.bootstrap import build_trial\n"
        "from tests.app.journeys import screened\n"
        "trial = build_trial()\n"
        "staff = trial.actor_for('sara')\n"
        "for _ in range(15):\n"
        "    screened(trial, staff)\n"
        "trial.close()\n"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", program], env=env, cwd=ROOT, stderr=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    for process in processes:
        _, stderr = process.communicate(timeout=240)
        assert process.returncode == 0, stderr
    result = audit.verify(trial)
    assert result.ok, result.message
    # Each screening stores two events (the number issued and the participant).
    assert len(trial.participant_ids()) == 45
    assert result.events_checked == len(RawStore(settings).rows())


def test_a_store_written_before_the_chain_existed_is_a_finding_until_adopted_explicitly(
    settings: Settings,
) -> None:
    library_recorder = (
        "eventsourcing.postgres:PostgresApplicationRecorder"
        if settings.database_url
        else "eventsourcing.sqlite:SQLiteApplicationRecorder"
    )
    old = Trial({**settings.event_store_env(), "APPLICATION_RECORDER_TOPIC": library_recorder})
    old.add_user(SYSTEM, "sara", "site_staff", PASSWORD, site="RINGE")
    screened(old, old.actor_for("sara"))
    old.close()
    assert not RawStore(settings).execute(_table_exists(settings))

    trial = build_trial(settings)
    try:
        # Opening it never seals it: an unsealed store is a finding until someone adopts it
        # (`edc audit adopt`, which calls `seal` and records who and why).
        result = audit.verify(trial)
        assert not result.ok and result.problem == "unsealed"
        with pytest.raises(ChainBroken, match="not in the audit chain"):
            screened(trial, trial.actor_for("sara"))
        audit.seal(trial)
        result = audit.verify(trial)
        assert result.ok and result.events_checked == len(RawStore(settings).rows())
        screened(trial, trial.actor_for("sara"))
        assert audit.verify(trial).ok
    finally:
        trial.close()


def test_seal_has_nothing_to_do_when_every_write_went_through_the_application(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    scenario.build(trial, actors)
    before = audit.head(trial)
    assert audit.seal(trial) == before
    assert audit.seal(trial) == before


def test_verify_reports_progress_page_by_page_up_to_the_total(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    scenario.build(trial, actors)
    seen: list[tuple[int, int]] = []
    result = audit.verify(
        trial, page_size=4, progress=lambda done, total: seen.append((done, total))
    )
    assert result.ok
    assert seen[-1] == (result.events_checked, result.events_checked)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert len(seen) >= result.events_checked // 4


def test_verify_follows_writes_made_while_it_runs(
    trial: Trial, actors: dict[str, Actor], settings: Settings
) -> None:
    scenario.build(trial, actors)
    staff = actors["site_staff"]
    written: list[int] = []

    def write_during_verify(done: int, total: int) -> None:
        if not written:
            written.append(done)
            screened(trial, staff)

    result = audit.verify(trial, page_size=4, progress=write_during_verify)
    assert result.ok, result.message
    assert result.events_checked == len(RawStore(settings).rows())


def test_an_in_memory_store_says_it_keeps_no_chain() -> None:
    trial = Trial({"PERSISTENCE_MODULE": "eventsourcing.popo"})
    with pytest.raises(audit.ChainUnavailable, match="SQLite or PostgreSQL"):
        audit.verify(trial)


def _table_exists(settings: Settings) -> str:
    if settings.database_url:
        return "SELECT 1 FROM pg_tables WHERE tablename = 'trial_audit_chain'"
    return "SELECT 1 FROM sqlite_master WHERE name = 'audit_chain'"


def test_a_chain_made_before_the_participant_locator_gets_the_column_when_opened(
    trial: Trial, actors: dict[str, Actor], settings: Settings
) -> None:
    staff = actors["site_staff"]
    screened(trial, staff)
    trial.close()
    raw = RawStore(settings)
    raw.execute(f"DROP INDEX {raw.chain_table}_participant")
    raw.execute(f"ALTER TABLE {raw.chain_table} DROP COLUMN participant_id")
    raw.relink(with_locators=False)  # links then covered no locator
    reopened = build_trial(settings)
    try:
        pid = screened(reopened, staff)
        assert audit.verify(reopened).ok
        located = raw.execute(
            f"SELECT COUNT(*) FROM {raw.chain_table} WHERE participant_id IS NOT NULL"
        )[0][0]
        assert located == 1  # the new screening's number, issued by the site's register
        assert pid in reopened.participant_ids()
    finally:
        reopened.close()
