"""The participant locator (which participant an event of another aggregate concerns, looked
up by participant trails) is covered by the chain: nulling or moving it is named by verify.
SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid

import pytest

from domain.actor import Actor
from edc.application import Trial
from edc.config import Settings
from tests.app.conftest import actors, clock, settings, trial
from tests.audit.tamper import RawStore
from tests.security.common import built, verify

__all__ = ["actors", "clock", "settings", "trial"]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def located(store: RawStore) -> list[tuple[int, object]]:
    return [
        (position, locator)
        for position, locator in store.execute(
            f"SELECT position, participant_id FROM {store.chain_table} "
            "WHERE participant_id IS NOT NULL ORDER BY position"
        )
    ]


def test_nulling_a_participant_locator_is_named_by_verify(
    trial: Trial, actors: dict[str, Actor], settings: Settings
) -> None:
    store = built(trial, actors, settings)
    position, _ = located(store)[0]
    store.execute(
        f"UPDATE {store.chain_table} SET participant_id = NULL WHERE position = ?", (position,)
    )
    done = verify(settings)
    assert done.returncode == 1
    assert f"altered event at position {position}" in done.stdout
    assert "participant locator" in done.stdout


def test_moving_an_event_to_another_participants_trail_is_named_by_verify(
    trial: Trial, actors: dict[str, Actor], settings: Settings
) -> None:
    store = built(trial, actors, settings)
    found = located(store)
    position, locator = next((p, x) for p, x in found if x != found[0][1])
    other = found[0][1]
    assert other != locator
    store.execute(
        f"UPDATE {store.chain_table} SET participant_id = ? WHERE position = ?", (other, position)
    )
    done = verify(settings)
    assert done.returncode == 1 and f"position {position}" in done.stdout
    assert "participant locator" in done.stdout


def test_a_locator_given_to_an_event_that_had_none_is_named_by_verify(
    trial: Trial, actors: dict[str, Actor], settings: Settings
) -> None:
    store = built(trial, actors, settings)
    positions = {p for p, _ in located(store)}
    position = next(r[0] for r in store.rows() if r[0] not in positions)
    victim = uuid.uuid4()
    store.execute(
        f"UPDATE {store.chain_table} SET participant_id = ? WHERE position = ?",
        (victim if store.postgres else victim.hex, position),
    )
    done = verify(settings)
    assert done.returncode == 1 and f"position {position}" in done.stdout
