"""A blinded account cannot get an analysis on the real allocation through any combination of
the analysis form's fields (view, allocation, dummy seed, position), however they are spelt,
and the page offers exactly the views the use case accepts.

The job each accepted request would start is caught as it is handed to the jobs (the analysis
itself is not run): what matters is the view of its cut and the allocation it runs on."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from domain.actor import Actor
from edc.analysis_jobs import AnalysisJob, AnalysisJobs
from edc.application import SYSTEM
from projections.exports import Cut
from tests.app.conftest import PASSWORD
from tests.security.attacks import form_login, trial_of
from tests.web.conftest import Client, sign_in
from web.config import WebConfig

VIEWS = ["", "blinded", "unblinded", "UNBLINDED", " unblinded", "unblinded ", "Unblinded"]
ALLOCATIONS = ["", "real", "dummy", "REAL", " real", "none", "0"]
SEEDS = ["", "0", "7"]
# Blinded by default, and the only roles that may run the analysis.
BLINDED_ANALYSING_ROLES = ["analyst", "data_manager"]


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, int | None]]:
    """(user, view of the cut, dummy seed) of every job the web layer starts."""
    jobs: list[tuple[str, str, int | None]] = []

    def start(self: AnalysisJobs, actor: Actor, cut: Cut, dummy_seed: int | None) -> Any:
        jobs.append((actor.user, cut.view.value, dummy_seed))
        return AnalysisJob(f"{len(jobs):032x}", actor.user, cut.view.value, cut.as_of, dummy_seed)

    monkeypatch.setattr(AnalysisJobs, "start", start)
    return jobs


@pytest.mark.parametrize("role", BLINDED_ANALYSING_ROLES)
async def test_no_field_combination_gives_a_blinded_account_the_real_allocation(
    client: Client,
    web_config: WebConfig,
    started: list[tuple[str, str, int | None]],
    role: str,
) -> None:
    csrf = sign_in(client, web_config, role)
    page = await (await client.get("/analysis")).text()
    assert 'value="unblinded"' not in page  # not offered, and (below) not accepted either
    accepted = 0
    for view, allocation, seed in itertools.product(VIEWS, ALLOCATIONS, SEEDS):
        fields = {"csrf_token": csrf, "view": view, "allocation": allocation}
        if seed:
            fields["dummy_seed"] = seed
        answer = await client.post("/analysis", data=fields, allow_redirects=False)
        text = await answer.text()
        assert answer.status in (303, 403, 422), (fields, answer.status, text[:300])
        if answer.status == 303:
            accepted += 1
    assert accepted > 0  # the blinded analysis itself is accepted
    assert len(started) == accepted
    for _user, cut_view, dummy_seed in started:
        assert cut_view == "blinded"
        assert dummy_seed is not None  # a dummy allocation, never the real arms


async def test_an_unblinded_account_is_offered_and_given_the_real_allocation(
    client: Client,
    web_config: WebConfig,
    started: list[tuple[str, str, int | None]],
) -> None:
    """The same form works for whom the rule allows it, so the test above can tell a real
    allocation from a dummy one: an unblinded data manager gets the real arms."""
    trial_of(client).add_user(
        SYSTEM,
        "udana",
        "data_manager",
        PASSWORD,
        blinded=False,
        blinding_reason="unblinded data manager for the final analysis",
        one_time=False,
    )
    csrf = await form_login(client, "udana", PASSWORD)
    page = await (await client.get("/analysis")).text()
    assert 'value="unblinded"' in page
    answer = await client.post(
        "/analysis",
        data={"csrf_token": csrf, "view": "unblinded", "allocation": "real"},
        allow_redirects=False,
    )
    assert answer.status == 303, await answer.text()
    assert started[-1] == ("udana", "unblinded", None)
