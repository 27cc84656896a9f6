"""A blinded account of any role learns nothing of queries on arm-revealing forms (issue 10):
raising one is refused alike for every participant (with an adverse event and a query on it,
without, in either arm, or not there at all); naming an arm-revealing query by its id to read,
answer, close or re-open it gets the answer an id that names nothing gets; and the queries a
blinded account lists and counts are the same whether such queries exist or not."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.actor import Actor
from domain.errors import EdcError
from edc.application import SYSTEM, Trial
from tests import factories
from tests.app.conftest import PASSWORD
from tests.app.journeys import randomised
from tests.security.test_blinded_accounts import ROLES, blinded_account, refusal

ById = Callable[[Trial, Actor, str], Any]

BY_ID: dict[str, ById] = {
    "read": lambda t, a, q: t.get_query(a, q),
    "answer": lambda t, a, q: t.answer_query(a, q, "An answer"),
    "answer with a correction": lambda t, a, q: t.answer_query(
        a, q, "Corrected", {"AE_SEVERITY": "severe"}, expected_version=1
    ),
    "answer as left": lambda t, a, q: t.answer_query(
        a, q, "Corrected", expected_version=1, as_left={"AE_SEVERITY": "severe"}
    ),
    "close": lambda t, a, q: t.close_query(a, q, "done"),
    "reopen": lambda t, a, q: t.reopen_query(a, q, "again"),
}


def outcome(call: Callable[[], Any]) -> tuple[str, str]:
    try:
        call()
    except EdcError as error:
        return type(error).__name__, str(error)
    return "allowed", ""


@pytest.fixture
def world(trial: Trial, actors: dict[str, Actor]) -> dict[str, Any]:
    """Participants of both arms, the first with an adverse event and an open query on it,
    and a participant that does not exist; the query's id."""
    investigator = unblinded(trial, "uffe", "investigator", "RINGE")
    monitor = unblinded(trial, "ulla", "monitor", None)
    found: dict[str, UUID] = {}
    while len(found) < 2:
        pid, arm = randomised(trial, actors["site_staff"])
        found.setdefault(arm, pid)
    first = next(iter(found.values()))
    trial.record_form(
        investigator, first, "adverse_event", factories.adverse_event(), expected_version=0
    )
    query = trial.raise_query(monitor, first, "adverse_event", "AE_SEVERITY", "?", week=1)
    return {"participants": [*found.values(), uuid4()], "query": query["id"]}


def unblinded(trial: Trial, name: str, role: str, site: str | None) -> Actor:
    trial.add_user(
        SYSTEM, name, role, PASSWORD, site=site, blinded=False, blinding_reason="handles harms"
    )
    return trial.actor_for(name)


@pytest.mark.parametrize("role", ROLES)
def test_a_blinded_account_of_every_role_is_told_nothing_of_arm_revealing_queries(
    trial: Trial, world: dict[str, Any], role: str
) -> None:
    actor = blinded_account(trial, role)
    for form in ("adverse_event", "adherence", "discontinuation"):
        answers = {
            refusal(partial(trial.raise_query, actor, pid, form, "AE_SEVERITY", "Check?", week=1))
            for pid in world["participants"]
        }
        assert len(answers) == 1, (role, form, answers)
        assert next(iter(answers))[0] == "PermissionDenied"
    for attempt, call in BY_ID.items():
        real = outcome(partial(call, trial, actor, world["query"]))
        nothing = outcome(partial(call, trial, actor, str(uuid4())))
        assert real == nothing == ("NotFound", "No such query."), (role, attempt, real)
    # The query is as it was: nothing a blinded account tried reached it.
    monitor = trial.actor_for("ulla")
    assert trial.get_query(monitor, world["query"])["status"] == "open"


@pytest.mark.parametrize(
    "role", ["site_staff", "assessor", "investigator", "monitor", "data_manager"]
)
def test_blinded_lists_and_counts_are_the_same_with_or_without_them(
    trial: Trial, actors: dict[str, Actor], world: dict[str, Any], role: str
) -> None:
    actor = blinded_account(trial, role)

    def seen() -> tuple[Any, ...]:
        lists: list[Any] = []
        for pid in world["participants"][:2]:
            try:
                view = trial.get_participant(actor, pid)
            except EdcError as error:
                lists.append(str(error))
                continue
            lists.append({f: s.get("open_queries") for f, s in view["forms"].items()})
            lists.append(view.get("version"))
            try:
                lists.append(trial.open_queries(actor, participant_id=pid))
            except EdcError as error:
                lists.append(str(error))
        try:
            lists.append(trial.open_queries(actor))
        except EdcError as error:
            lists.append(str(error))
        return tuple(map(str, lists))

    with_query = seen()
    trial.close_query(trial.actor_for("ulla"), world["query"], "done")
    assert seen() == with_query  # none open now
    unblinded_manager = unblinded(trial, "ulf", "data_manager", None)
    for pid in world["participants"][:2]:
        if trial.load_arm_revealing_record(pid) is not None:
            trial.raise_query(unblinded_manager, pid, "adverse_event", "AE_TERM", "?", week=1)
    assert seen() == with_query
