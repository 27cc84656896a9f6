"""A store sealed by an earlier version (links that do not cover the participant locator) is
told apart from a tampered one: verify and serve say it is in the older chain format and what
to do, and `edc audit migrate-chain` reseals it only after it verified under that format, so a
tampered store cannot be laundered into one that verifies. SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest

from domain.actor import Actor
from edc.application import Trial
from edc.audit import anchors
from edc.audit.chain import ChainHead
from edc.audit.head_log import WITNESS_FILE
from edc.audit.links import event_digest
from edc.bootstrap import build_trial
from edc.config import Settings
from tests.app.conftest import actors, clock, settings, trial
from tests.audit.tamper import RawStore
from tests.edc_process import edc
from tests.security.chain_attacks import _uuid, head_log_entries
from tests.security.common import add_user, built, serve_refusal, verify

__all__ = ["actors", "clock", "settings", "trial"]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

OPERATOR = "Olga Operator"
REASON = "store written by release 0.9, before links covered the participant locator"


def older_format_store(trial: Trial, actors: dict[str, Actor], settings: Settings) -> RawStore:
    """The audit scenario as an earlier version sealed it: the locators stored next to the
    links but left out of them, and a head log of that time (lines without a chain) naming
    the head it had then (a backup's)."""
    store = built(trial, actors, settings)
    store.relink(with_locators=False)
    log = anchors.log_for(settings).path
    position, link = store.execute(
        f"SELECT position, link FROM {store.chain_table} ORDER BY position DESC LIMIT 1"
    )[0]
    line = {
        "at": datetime(2026, 11, 30, tzinfo=UTC).isoformat(),
        "kind": "backup",
        "head": str(ChainHead(position, bytes(link).hex())),
        "pid": 1,
        "user": "olga",
    }
    log.write_text(json.dumps(line, sort_keys=True) + "\n")
    (settings.data_dir / WITNESS_FILE).unlink(missing_ok=True)
    return store


def links(store: RawStore) -> list[tuple[int, bytes]]:
    return [
        (position, bytes(link))
        for position, link in store.execute(
            f"SELECT position, link FROM {store.chain_table} ORDER BY position"
        )
    ]


def migrate(settings: Settings) -> object:
    return edc(settings, "audit", "migrate-chain", "--reason", REASON, "--operator", OPERATOR)


def test_verify_says_plainly_that_an_older_format_store_is_not_tampered(
    trial: Trial, actors: dict[str, Actor], settings: Settings
) -> None:
    older_format_store(trial, actors, settings)
    done = verify(settings)
    assert done.returncode == 3, done.stdout + done.stderr
    assert done.stdout.startswith("OLDER CHAIN FORMAT:")
    assert "TAMPERED" not in done.stdout and "altered" not in done.stdout
    assert "nothing was found tampered" in done.stdout
    assert "edc audit migrate-chain --reason" in done.stdout


def test_serve_refuses_an_older_format_store_saying_to_migrate_it(
    trial: Trial, actors: dict[str, Actor], settings: Settings
) -> None:
    older_format_store(trial, actors, settings)
    done = serve_refusal(settings)
    assert done.returncode == 1
    assert "older chain format" in done.stderr
    assert "not a finding of tampering" in done.stderr
    assert "edc audit migrate-chain --reason" in done.stderr


def test_nothing_is_written_onto_an_older_format_store_until_it_is_migrated(
    trial: Trial, actors: dict[str, Actor], settings: Settings
) -> None:
    """Links of the current format after ones of the older would mix the two rules."""
    store = older_format_store(trial, actors, settings)
    before = store.rows()
    done = add_user(settings, "late")
    assert done.returncode != 0
    assert "Nothing was saved" in done.stdout + done.stderr
    assert "migrate-chain" in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert store.rows() == before


def test_migrating_reseals_the_store_records_who_and_why_and_then_it_verifies(
    trial: Trial, actors: dict[str, Actor], settings: Settings
) -> None:
    monitor = actors["monitor"]  # an account made while the earlier version ran
    store = older_format_store(trial, actors, settings)
    old_links = links(store)
    done = migrate(settings)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Migrated:" in done.stdout
    after = verify(settings)
    assert after.returncode == 0, after.stdout
    assert after.stdout.startswith("OK:")
    # The links of located events changed; every event is still the one sealed there.
    new_links = dict(links(store))
    assert any(new_links[p] != link for p, link in old_links)
    old_head = str(ChainHead(old_links[-1][0], old_links[-1][1].hex()))
    # Outside the store: a chained head-log entry with the first resealed position.
    migrated = [e for e in head_log_entries(settings) if e["kind"] == "migrated"]
    assert len(migrated) == 1
    assert migrated[0]["resealed_from"] <= min(p for p, x in store.locators().items() if x)
    assert old_head in migrated[0]["note"] and REASON in migrated[0]["note"]
    # In the store: the event in the audit trail, naming the operator, reason and heads.
    reopened = build_trial(settings)
    try:
        rows = reopened.global_trail(monitor, limit=1000)["events"]
        migration = [r for r in rows if r["words"] == "Audit chain migrated to the current format"]
        assert len(migration) == 1
        recorded = reopened.repository.get(UUID(migration[0]["aggregate_id"]))
        assert recorded.actor["operator"] == OPERATOR
        assert anchors.quick_check(reopened, settings) is None  # serve would start
    finally:
        reopened.close()
    text = json.dumps(migration[0], default=str)
    assert REASON in text and old_head in text
    assert migrated[0]["head"] in text  # the new head, before the event itself
    # Writes are sealed again, and the locators are covered from now on.
    assert add_user(settings, "after").returncode == 0
    located = next(p for p, x in store.locators().items() if x)
    store.execute(
        f"UPDATE {store.chain_table} SET participant_id = NULL WHERE position = ?", (located,)
    )
    tampered = verify(settings)
    assert tampered.returncode == 1 and f"altered event at position {located}" in tampered.stdout


def test_a_backup_from_before_the_migration_is_refused_saying_why(
    trial: Trial, actors: dict[str, Actor], settings: Settings, tmp_path: Path
) -> None:
    """Its links are the older ones at positions the migration anchored anew: refused, but
    not called altered."""
    older_format_store(trial, actors, settings)
    before = tmp_path / "before-migration"
    made = edc(settings, "backup", str(before))
    assert made.returncode == 0, made.stdout + made.stderr
    assert migrate(settings).returncode == 0
    restored = edc(settings, "restore", "--force", str(before))
    said = restored.stdout + restored.stderr
    assert restored.returncode != 0, said
    assert "older chain format" in said and "migrated after this backup was made" in said
    assert "altered" not in said and "Traceback" not in said


def test_migrating_twice_changes_nothing_the_second_time(
    trial: Trial, actors: dict[str, Actor], settings: Settings
) -> None:
    store = older_format_store(trial, actors, settings)
    assert migrate(settings).returncode == 0
    resealed = links(store)
    again = migrate(settings)
    assert again.returncode == 0 and "Nothing to migrate" in again.stdout
    assert links(store) == resealed


def test_an_older_format_store_with_an_altered_event_is_not_migrated(
    trial: Trial, actors: dict[str, Actor], settings: Settings
) -> None:
    store = older_format_store(trial, actors, settings)
    position = store.position_of("Participant.FormCorrected")
    store.change_one_byte(position)
    before = links(store)
    checked = verify(settings)
    assert checked.returncode == 1 and f"altered event at position {position}" in checked.stdout
    done = migrate(settings)
    assert done.returncode == 1 and done.stdout.startswith("REFUSED:")
    assert f"position {position}" in done.stdout
    assert links(store) == before
    assert not [e for e in head_log_entries(settings) if e["kind"] == "migrated"]
    assert verify(settings).returncode == 1


def test_an_older_format_store_rewritten_behind_its_anchor_is_not_migrated(
    trial: Trial, actors: dict[str, Actor], settings: Settings
) -> None:
    """One who rewrites an event and recomputes every link by the older rule leaves a chain
    that agrees with itself, but not with the head anchored outside the store."""
    store = older_format_store(trial, actors, settings)
    position = store.position_of("Participant.FormCorrected")
    store.change_one_byte(position)
    _, originator_id, version, topic, state = store.row(position)
    store.execute(
        f"UPDATE {store.chain_table} SET digest = ? WHERE position = ?",
        (event_digest(_uuid(originator_id), version, topic, state), position),
    )
    store.relink(with_locators=False)
    before = links(store)
    done = migrate(settings)
    assert done.returncode == 1 and done.stdout.startswith("REFUSED:")
    assert "rewritten" in done.stdout
    assert links(store) == before
    assert verify(settings).returncode == 1


def test_an_older_format_link_in_a_chain_of_the_current_format_is_tampering(
    trial: Trial, actors: dict[str, Actor], settings: Settings
) -> None:
    """A locator given to an event sealed without one looks like a link of the older rule:
    in a chain whose located links follow the current rule it is named, not migrated."""
    store = built(trial, actors, settings)
    located = [p for p, x in store.locators().items() if x]
    first, later = located[0], located[-1]
    unlocated = next(r[0] for r in store.rows() if r[0] > first and r[0] not in located)
    victim = store.locators()[later]
    store.execute(
        f"UPDATE {store.chain_table} SET participant_id = ? WHERE position = ?",
        (
            store.execute(
                f"SELECT participant_id FROM {store.chain_table} WHERE position = ?", (later,)
            )[0][0],
            unlocated,
        ),
    )
    assert victim is not None
    before = links(store)
    done = verify(settings)
    assert done.returncode == 1, done.stdout
    assert f"altered event at position {unlocated}" in done.stdout
    assert "a locator was given to an event sealed without one" in done.stdout
    refused = migrate(settings)
    assert refused.returncode == 1 and refused.stdout.startswith("REFUSED:")
    assert links(store) == before
