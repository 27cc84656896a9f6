"""Attacks on the audit chain by someone who can write the store (and its backups)."""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any

from edc.audit import anchors
from edc.audit.chain import ChainHead
from edc.audit.links import event_digest
from edc.backup import MANIFEST, sha256_of
from edc.config import Settings
from tests.audit.tamper import RawStore


def _uuid(originator_id: Any) -> uuid.UUID:
    return originator_id if isinstance(originator_id, uuid.UUID) else uuid.UUID(originator_id)


def rewrite_consistently(store: RawStore, position: int) -> None:
    """Change one byte of one event, then make the chain agree: its digest and every link."""
    store.change_one_byte(position)
    _, originator_id, version, topic, state = store.row(position)
    store.execute(
        f"UPDATE {store.chain_table} SET digest = ? WHERE position = ?",
        (event_digest(_uuid(originator_id), version, topic, state), position),
    )
    store.relink()


def drop_chain(store: RawStore) -> None:
    store.execute(f"DROP TABLE {store.chain_table}")


def delete_newest(store: RawStore, count: int) -> int:
    """Delete the newest `count` events together with their links; the new last position."""
    positions = [row[0] for row in store.rows()][-count:]
    for position in positions:
        store.delete(position)
        store.execute(f"DELETE FROM {store.chain_table} WHERE position = ?", (position,))
    return store.last_position()


def delete_newest_links(store: RawStore, count: int) -> None:
    """Keep the events, delete the newest `count` links: a chain shorter than the store."""
    links = [r[0] for r in store.execute(f"SELECT position FROM {store.chain_table}")]
    for position in sorted(links)[-count:]:
        store.execute(f"DELETE FROM {store.chain_table} WHERE position = ?", (position,))


def head_log_entries(settings: Settings) -> list[dict[str, Any]]:
    anchors.flush(settings)
    path = anchors.log_for(settings).path
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def tamper_sqlite_backup(backup: Path, position: int) -> str:
    """Rewrite one event of a SQLite backup with its chain, and fix the manifest to match
    (checksum and head): the backup is consistent in itself. Returns the forged head."""
    store = RawStore(Settings(data_dir=backup))
    rewrite_consistently(store, position)
    last, link = store.execute(
        f"SELECT position, link FROM {store.chain_table} ORDER BY position DESC LIMIT 1"
    )[0]
    forged = str(ChainHead(last, bytes(link).hex()))
    manifest_path = backup / MANIFEST
    manifest = json.loads(manifest_path.read_text())
    db = sqlite3.connect(backup / "trial.sqlite")
    db.execute("PRAGMA journal_mode=DELETE")
    db.close()
    manifest["chain_head"] = forged
    manifest["files"]["trial.sqlite"] = {
        "bytes": (backup / "trial.sqlite").stat().st_size,
        "sha256": sha256_of(backup / "trial.sqlite"),
    }
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return forged
