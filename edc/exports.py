"""What exports and reports read from the trial application: its store and its audit chain.

Typed on the use cases' base (`edc.base.TrialBase`), not on `edc.application.Trial`: the
casebook use cases, which the application is composed of, read their cuts through it.
"""

from __future__ import annotations

from edc.audit.chain import head_at
from edc.base import TrialBase
from projections.exports import StoreReader


def store_reader(trial: TrialBase) -> StoreReader:
    """The trial's recorder and mapper, and its audit chain's head as `POSITION:LINK`."""
    return StoreReader(
        trial.recorder,
        trial.mapper,
        chain_head=lambda position: f"{position}:{head_at(trial, position)}",
    )
