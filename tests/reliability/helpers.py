"""What the reliability tests share: the `edc` command as a process, and the stored state."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any
from uuid import UUID

from domain.actor import Actor
from edc.application import Trial
from edc.bootstrap import build_trial
from edc.config import Settings
from tests import factories
from tests.app.journeys import randomised, ready_to_randomise, screened

READ_MODELS_FILE = "readmodels.sqlite"
# The tracking table's generation counts rebuilds: the one column two equal builds differ in.
TRACKING_TABLE = "projection_tracking"
TRACKING_COLUMNS = "name, position, schema_version"


def _select_all(table: str) -> str:
    columns = TRACKING_COLUMNS if table == TRACKING_TABLE else "*"
    return f'SELECT {columns} FROM "{table}"'


def populate(trial: Trial, actors: dict[str, Actor]) -> list[UUID]:
    """A small trial: screen failures, randomised participants with weekly reports and
    corrections with reasons, an outcome visit entered by the blinded assessor."""
    staff = actors["site_staff"]
    screened(trial, staff, AGE=17)  # a screen failure
    ready = ready_to_randomise(trial, staff)
    pids = [ready]
    for _ in range(3):
        pid, _arm = randomised(trial, staff)
        pids.append(pid)
        for week in (1, 2):
            trial.record_form(
                staff,
                pid,
                "weekly",
                {"WEEK": week, "LBP_DAYS": 3, "SICK_LEAVE_DAYS": 0},
                expected_version=week - 1,
            )
        trial.record_form(
            staff,
            pid,
            "weekly",
            {"WEEK": 1, "LBP_DAYS": 5, "SICK_LEAVE_DAYS": 1},
            expected_version=2,
            reason={"code": "transcription_error", "text": "misread"},
        )
        trial.record_form(
            staff,
            pid,
            "baseline",
            factories.outcomes(LBP_NOW=7),
            expected_version=1,
            reason={"code": "late_source", "text": "source arrived late"},
        )
    return pids


def stored_events(settings: Settings) -> list[tuple[Any, ...]]:
    """Every stored event as the library reads it: position, aggregate, version, topic, bytes."""
    trial = build_trial(settings)
    try:
        rows: list[tuple[Any, ...]] = []
        position = 0
        while True:
            page = trial.recorder.select_notifications(
                start=position, limit=1000, inclusive_of_start=False
            )
            if not page:
                return rows
            rows += [(n.id, n.originator_id, n.originator_version, n.topic, n.state) for n in page]
            position = page[-1].id
    finally:
        trial.close()


def participant_views(settings: Settings, actor: Actor, pids: list[UUID]) -> list[dict[str, Any]]:
    trial = build_trial(settings)
    try:
        return [trial.get_participant(actor, pid) for pid in pids]
    finally:
        trial.close()


def read_model_rows(settings: Settings) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every read-model table, sorted, to compare two builds of the views."""
    if settings.database_url is None:
        path = settings.data_dir / READ_MODELS_FILE
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = [
                r[0]
                for r in db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
                )
            ]
            return {t: sorted(map(tuple, db.execute(_select_all(t))), key=repr) for t in tables}
        finally:
            db.close()
    import psycopg

    with psycopg.connect(settings.database_url) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
                "AND table_name NOT LIKE 'trial\\_%' ORDER BY table_name"
            )
        ]
        return {t: sorted(map(tuple, conn.execute(_select_all(t))), key=repr) for t in tables}


def data_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []
