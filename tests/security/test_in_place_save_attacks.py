"""Attacks on the form save that changes the cached participant in place (no copy,
`CopySafeRepository.take`), SQLite and PostgreSQL:

- many saves of one participant at once, from tasks running the use case in threads as the web
  server does, while other tasks read it: exactly one save is taken, the rest are refused as
  stale (409), and no read ever sees the participant half changed;
- a command that fails after it changed the participant (in the domain after the first event,
  or at the save before the insert) leaves the cache as stored;
- an event whose application fails half way (the sheet changed, the version not yet) leaves
  the cache as stored, though the participant's version and pending events show nothing.

After each, the next good save is taken.

Its first attempt decides on the cache without asking the store what changed (its insert
checks what it decided on), so two applications on one store, as two processes are:

- a form the other process unlocked just now is saved here at once (the refusal this cache
  would give is decided again on the store);
- a database the other process locked just now refuses the next save here, and nothing of it
  is stored or cached.
"""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from uuid import UUID

import pytest

from domain.errors import Locked, StaleVersion
from domain.participant import Participant
from domain.sheets import SheetsMixin, corrected
from edc.application import Trial
from edc.config import Settings
from tests import factories
from tests.app import two_trials
from tests.app.conftest import PASSWORD, Accounts, StepClock
from tests.app.journeys import ready_to_randomise
from tests.app.two_trials import REASON, as_stored, cached

pair = two_trials.pair

WRITERS = 8
READS = 6


def baseline(trial: Trial, staff: Any, pid: UUID) -> tuple[int, int]:
    form = trial.get_participant(staff, pid)["forms"]["baseline"]
    return form["version"], form["items"]["LBP_NOW"]


def correct(trial: Trial, staff: Any, pid: UUID, value: int, version: int) -> dict[str, Any]:
    return trial.correct_form(
        staff,
        pid,
        "baseline",
        factories.outcomes(LBP_NOW=value),
        expected_version=version,
        reason=REASON,
    )


def test_saves_of_one_participant_at_once_take_one_and_no_read_sees_it_half_changed(
    trial: Trial, settings: Settings, clock: StepClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    staff = Accounts(trial)["site_staff"]
    pid = ready_to_randomise(trial, staff)
    assert baseline(trial, staff, pid) == (1, 6)
    keep_sheet = SheetsMixin.keep_sheet
    half_applied = threading.Event()

    def slowly(self: Any, event: Any, sheet: dict[str, Any]) -> None:
        self.sheets[event.key] = sheet
        half_applied.set()
        time.sleep(0.05)  # half applied: the sheet is new, the form's version not yet
        keep_sheet(self, event, sheet)

    monkeypatch.setattr(Participant, "keep_sheet", slowly)

    def save(value: int) -> object:
        try:
            return correct(trial, staff, pid, value, 1)["version"]
        except StaleVersion as refused:
            return refused.code

    def reads() -> list[tuple[int, int]]:
        half_applied.wait(timeout=30)
        seen = []
        for _ in range(READS):
            seen.append(baseline(trial, staff, pid))
            time.sleep(0.005)
        return seen

    async def at_once() -> tuple[list[object], list[list[tuple[int, int]]]]:
        loop = asyncio.get_running_loop()
        # Threads enough for every task at once, as the server's writer and reader pools are.
        with ThreadPoolExecutor(max_workers=2 * WRITERS) as threads:
            readers = [loop.run_in_executor(threads, reads) for _ in range(WRITERS)]
            saves = [loop.run_in_executor(threads, save, value) for value in range(WRITERS)]
            answers = await asyncio.gather(*saves)
            seen = await asyncio.gather(*readers)
        return list(answers), list(seen)

    answers, seen = asyncio.run(at_once())

    assert sorted(answers, key=str) == [2] + ["conflict"] * (WRITERS - 1)
    version, taken = baseline(trial, staff, pid)
    assert version == 2
    assert answers[taken] == 2  # the value on record is the accepted save's
    assert {pair for reader in seen for pair in reader} <= {(1, 6), (2, taken)}
    assert cached(trial, pid) == as_stored(settings, clock, pid)


def _fails_after_the_first_event(trial: Trial, monkeypatch: pytest.MonkeyPatch) -> None:
    def fails(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("failed half way through the command")

    monkeypatch.setattr(Participant, "_flag_window_deviation", fails)


def _fails_at_the_save(trial: Trial, monkeypatch: pytest.MonkeyPatch) -> None:
    def fails(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("failed before the insert")

    monkeypatch.setattr(trial, "save", fails)


def _event_application_fails_half_way(trial: Trial, monkeypatch: pytest.MonkeyPatch) -> None:
    def half(self: Any, aggregate: Any) -> None:
        aggregate.sheets[self.key] = corrected(aggregate.sheets[self.key], self.changes)
        raise RuntimeError("failed while applying the event")

    monkeypatch.setattr(Participant.FormCorrected, "apply", half)


@pytest.mark.parametrize(
    "failure",
    [_fails_after_the_first_event, _fails_at_the_save, _event_application_fails_half_way],
)
def test_a_command_that_fails_after_changing_the_participant_leaves_the_cache_as_stored(
    trial: Trial,
    settings: Settings,
    clock: StepClock,
    monkeypatch: pytest.MonkeyPatch,
    failure: Any,
) -> None:
    staff = Accounts(trial)["site_staff"]
    pid = ready_to_randomise(trial, staff)
    assert baseline(trial, staff, pid) == (1, 6)  # cached now
    with monkeypatch.context() as patched:
        failure(trial, patched)
        with pytest.raises(RuntimeError):
            correct(trial, staff, pid, 9, 1)
    assert cached(trial, pid) == as_stored(settings, clock, pid)
    assert baseline(trial, staff, pid) == (1, 6)
    correct(trial, staff, pid, 8, 1)
    assert baseline(trial, staff, pid) == (2, 8)
    assert cached(trial, pid) == as_stored(settings, clock, pid)


def test_a_form_the_other_process_unlocked_is_saved_here_at_once(
    pair: tuple[Trial, Trial], settings: Settings, clock: StepClock
) -> None:
    server, cli = pair
    staff = Accounts(server)["site_staff"]
    pid = ready_to_randomise(server, staff)
    data_manager = Accounts(server)["data_manager"]
    server.lock_form(data_manager, pid, "baseline", "Reviewed")
    assert server.get_participant(staff, pid)["forms"]["baseline"]["locked"]  # cached, locked
    cli.unlock_form(cli.actor_for(data_manager.user), pid, "baseline", "Late correction")
    correct(server, staff, pid, 8, 1)
    assert baseline(cli, cli.actor_for(staff.user), pid) == (2, 8)
    assert cached(server, pid) == as_stored(settings, clock, pid)


def test_a_database_the_other_process_locked_refuses_the_next_save_here(
    pair: tuple[Trial, Trial], settings: Settings, clock: StepClock
) -> None:
    server, cli = pair
    staff = Accounts(server)["site_staff"]
    pid = ready_to_randomise(server, staff)
    assert baseline(server, staff, pid) == (1, 6)  # participant and the open database cached
    cli.lock_database(Accounts(cli)["data_manager"], PASSWORD, factories.LOCK_OVERRIDES)
    with pytest.raises(Locked):
        correct(server, staff, pid, 8, 1)
    assert baseline(cli, cli.actor_for(staff.user), pid) == (1, 6)
    assert cached(server, pid) == as_stored(settings, clock, pid)
