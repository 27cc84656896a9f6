"""Concurrent randomisation: every allocation decided from a distinct state, none lost."""

from __future__ import annotations

import threading
from collections import Counter
from uuid import UUID

from domain.actor import Actor
from domain.minimisation import MarginalCounts, recheck
from domain.participant import Participant
from edc.application import Trial
from tests.app.journeys import ready_to_randomise


def test_twenty_threads_randomising_twenty_participants_at_once(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff = actors["site_staff"]
    pids = [ready_to_randomise(trial, staff, SEX="F" if n % 2 else "M") for n in range(20)]
    barrier = threading.Barrier(len(pids))
    arms: dict[UUID, str] = {}
    errors: list[BaseException] = []

    def randomise(pid: UUID) -> None:
        barrier.wait()
        try:
            arms[pid] = trial.randomise(staff, pid)["arm"]
        except BaseException as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=randomise, args=(pid,)) for pid in pids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    allocation = trial.load_allocation()
    assert allocation is not None
    assert allocation.arms == arms and len(arms) == 20
    # The allocation events form one gap-free sequence; each decision re-checks against the
    # counts of the allocations before it, so no two were decided from the same state.
    allocated = [
        e
        for e in trial.repository.event_store.get(allocation.id)
        if type(e).__name__ == "Allocated"
    ]
    assert [e.sequence_number for e in allocated] == list(range(1, 21))
    counts = MarginalCounts.empty()
    for event in allocated:
        assert recheck(event.decision, counts)
        counts = counts.add(event.decision["levels"], event.decision["arm"])
    assert Counter(e.participant_id for e in allocated) == Counter(pids)
    for pid in pids:
        participant: Participant = trial.load_participant(pid)
        assert participant.randomised_on is not None
