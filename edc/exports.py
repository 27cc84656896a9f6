"""What exports and reports read from the trial application: its store and its audit chain."""

from __future__ import annotations

from edc.application import Trial
from edc.audit.chain import head_at
from projections.exports import StoreReader


def store_reader(trial: Trial) -> StoreReader:
    """The trial's recorder and mapper, and its audit chain's head as `POSITION:LINK`."""
    return StoreReader(
        trial.recorder,
        trial.mapper,
        chain_head=lambda position: f"{position}:{head_at(trial, position)}",
    )
