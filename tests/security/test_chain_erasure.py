"""A store whose chain is missing or shorter is a finding: never quietly sealed again.

Attacks by someone who can write the store: drop the chain table, or delete its newest links.
`edc audit verify` exits 1 saying so, `edc serve` refuses to start, and no later `edc` command
seals the store again; only the explicit, recorded `edc audit adopt` does. SQLite and
PostgreSQL.
"""

from __future__ import annotations

import pytest

from domain.actor import Actor
from edc.application import SYSTEM, Trial
from edc.config import Settings
from tests.app.conftest import actors, clock, settings, trial
from tests.app.journeys import screened
from tests.audit.tamper import RawStore
from tests.edc_process import edc
from tests.security.chain_attacks import delete_newest_links, drop_chain, head_log_entries
from tests.security.common import PASSWORD, add_user, built, serve_refusal, verify

__all__ = ["actors", "clock", "settings", "trial"]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def test_a_dropped_chain_is_reported_and_never_sealed_again_by_the_next_command(
    trial: Trial, actors: dict[str, Actor], settings: Settings
) -> None:
    store = built(trial, actors, settings)
    events = len(store.rows())
    drop_chain(store)

    first = verify(settings)
    assert first.returncode == 1, first.stdout
    assert "unsealed" in first.stdout and "audit chain is missing" in first.stdout
    assert f"holds {events} events" in first.stdout

    # Any command opens the store; a write must not start a fresh chain over the old events.
    assert edc(settings, "audit", "head").returncode == 0
    refused = add_user(settings, "mona")
    assert refused.returncode == 1
    assert "not in the audit chain" in refused.stderr and "Traceback" not in refused.stderr
    again = verify(settings)
    assert again.returncode == 1 and "audit chain is missing" in again.stdout
    assert len(store.rows()) == events  # nothing was written


def test_serve_refuses_to_start_on_a_store_whose_chain_was_dropped(
    trial: Trial, actors: dict[str, Actor], settings: Settings
) -> None:
    store = built(trial, actors, settings)
    drop_chain(store)
    done = serve_refusal(settings)
    assert done.returncode == 1
    assert "refusing to start" in done.stderr and "no audit chain" in done.stderr


def test_a_chain_shorter_than_the_store_is_a_finding_for_verify_and_serve(
    trial: Trial, actors: dict[str, Actor], settings: Settings
) -> None:
    store = built(trial, actors, settings)
    rows = store.rows()
    delete_newest_links(store, 3)

    done = verify(settings)
    assert done.returncode == 1
    assert f"position {rows[-3][0]}" in done.stdout and "never sealed" in done.stdout
    refused = serve_refusal(settings)
    assert refused.returncode == 1
    assert f"covers {len(rows) - 3} events but the store holds {len(rows)}" in refused.stderr
    assert verify(settings).returncode == 1  # still: nothing sealed the tail


def test_adopting_an_unsealed_store_is_an_explicit_command_recorded_with_its_reason(
    settings: Settings,
) -> None:
    from edc.application import Trial as LibraryTrial

    library_recorder = (
        "eventsourcing.postgres:PostgresApplicationRecorder"
        if settings.database_url
        else "eventsourcing.sqlite:SQLiteApplicationRecorder"
    )
    old = LibraryTrial(
        {**settings.event_store_env(), "APPLICATION_RECORDER_TOPIC": library_recorder}
    )
    old.add_user(SYSTEM, "sara", "site_staff", PASSWORD, site="RINGE")
    screened(old, old.actor_for("sara"))
    old.close()
    events = len(RawStore(settings).rows())

    assert verify(settings).returncode == 1
    assert serve_refusal(settings).returncode == 1
    unexplained = edc(settings, "audit", "adopt")
    assert unexplained.returncode == 2 and "--reason" in unexplained.stderr

    adopted = edc(settings, "audit", "adopt", "--reason", "store written by release 0.3")
    assert adopted.returncode == 0, adopted.stderr
    assert f"up to {events} are sealed" in adopted.stdout
    logged = [e for e in head_log_entries(settings) if e["kind"] == "adopted"]
    assert len(logged) == 1
    assert "store written by release 0.3" in logged[0]["note"] and logged[0]["user"]
    assert logged[0]["head"].startswith(f"{events}:")

    done = verify(settings)
    assert done.returncode == 0, done.stdout
    assert f"OK: {events} events verified." in done.stdout
    assert add_user(settings, "mona").returncode == 0
