"""Wiring the read models to the trial's settings (composition root for `projections`).

On SQLite the read models live in `EDC_DATA_DIR/readmodels.sqlite`, a file of their own, so
projection writes never wait for the event store's writer lock (nor it for them). On
PostgreSQL they live in the trial's database, in tables of their own.
"""

from __future__ import annotations

from edc.application import Trial
from edc.config import Settings
from edc.private_files import private_directory, private_file
from projections.db import ViewDatabase
from projections.runner import DEFAULT_PAGE_SIZE
from projections.service import Projections

READ_MODELS_FILE = "readmodels"


def open_view_database(settings: Settings) -> ViewDatabase:
    if settings.database_url:
        return ViewDatabase.postgres(settings.database_url)
    private_directory(settings.data_dir)
    return ViewDatabase.sqlite(private_file(settings.sqlite_path(READ_MODELS_FILE)))


def build_projections(
    settings: Settings, trial: Trial, *, page_size: int = DEFAULT_PAGE_SIZE
) -> Projections:
    """The trial's blinded and unblinded read models, tables created (or rebuilt if their
    schema changed). Close with `projections.db.close()`."""
    projections = Projections(open_view_database(settings), trial, page_size=page_size)
    projections.ensure_schema()
    return projections
