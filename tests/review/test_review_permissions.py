"""Who may sign, lock, raise, answer and close queries, verify: each command against every role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest

from domain.actor import Actor
from domain.errors import PermissionDenied
from edc.application import Trial
from tests import factories
from tests.app.conftest import NAMES, PASSWORD
from tests.app.journeys import ready_to_randomise
from tests.review.helpers import clinical_topics_after, position

Command = Callable[[Trial, Actor, UUID, str], Any]

# command -> (roles allowed, how to call it with (trial, actor, participant, query id))
COMMANDS: dict[str, tuple[set[str], Command]] = {
    "sign": (
        {"investigator"},
        lambda t, a, p, q: t.sign(a, p, PASSWORD, "approval", form="baseline"),
    ),
    "lock form": ({"data_manager"}, lambda t, a, p, q: t.lock_form(a, p, "baseline")),
    "lock participant": ({"data_manager"}, lambda t, a, p, q: t.lock_participant(a, p)),
    "lock database": (
        {"data_manager"},
        lambda t, a, p, q: t.lock_database(a, PASSWORD, factories.LOCK_OVERRIDES),
    ),
    "raise query": (
        {"monitor", "data_manager"},
        lambda t, a, p, q: t.raise_query(a, p, "mri", "MODIC_TYPE", "Type?"),
    ),
    "answer query": (
        {"site_staff", "investigator"},
        lambda t, a, p, q: t.answer_query(a, q, "Checked the source"),
    ),
    # Only the raiser (the monitor) closes; the data manager's role may close, not this one.
    "close query": ({"monitor"}, lambda t, a, p, q: t.close_query(a, q)),
    "verify": ({"monitor"}, lambda t, a, p, q: t.verify_form(a, p, "baseline")),
    "view signatures": (
        {"site_staff", "assessor", "investigator", "monitor", "data_manager", "analyst"},
        lambda t, a, p, q: t.signatures(a, p),
    ),
    "view queries": (
        {"site_staff", "assessor", "investigator", "monitor", "data_manager", "analyst"},
        lambda t, a, p, q: t.open_queries(a, participant_id=p),
    ),
}


def test_each_review_command_is_refused_to_every_other_role(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    # One trial for all commands: accounts are argon2-hashed, which is slow on purpose.
    everyone = {role: actors[role] for role in NAMES}
    for command, (allowed, call) in COMMANDS.items():
        pid = ready_to_randomise(trial, everyone["site_staff"])
        query = trial.raise_query(everyone["monitor"], pid, "baseline", "LBP_NOW", "6 or 7?")
        before = position(trial)
        for role, actor in everyone.items():
            if role not in allowed:
                with pytest.raises(PermissionDenied):
                    call(trial, actor, pid, query["id"])
        assert clinical_topics_after(trial, before) == [], command
        for role in sorted(allowed):
            call(trial, everyone[role], pid, query["id"])
            if command == "answer query":
                trial.reopen_query(everyone["monitor"], query["id"], "Once more, please")
        if command == "lock database":
            trial.unlock_database(everyone["data_manager"], "Permission test done")
