"""An emergency unblinding is a fact blinded monitors and data managers see (that it happened,
when, by whom and why), split from the arm, which only the arm-revealing event holds."""

from __future__ import annotations

import json
from uuid import UUID

import pytest
from aiohttp.test_utils import TestClient

from tests.security.attacks import trial_of
from tests.security.blind_store import BLINDED, BlindStore, sign_in_as
from web.config import WebConfig

REASON = "Severe adverse reaction, treatment must be known"
REVIEWERS = (BLINDED["monitor"], BLINDED["data_manager"])


def _unblind(client: TestClient, store: BlindStore) -> str:
    """The investigator breaks the blind of the rest participant; returns their number."""
    trial = trial_of(client)
    investigator = trial.actor_for(BLINDED["investigator"])
    trial.unblind(investigator, UUID(store.rest), REASON)
    return str(trial.get_participant(investigator, UUID(store.rest))["screening_number"])


def _no_arm(text: str) -> None:
    for word in ("exercise", "ArmRevealed", "Allocated", "REST_HOURS"):
        assert word not in text, word
    assert " rest " not in " ".join(text.replace('"', " ").split()).lower()


@pytest.mark.parametrize("name", REVIEWERS)
async def test_the_trail_shows_the_unblinding_and_its_time_never_the_arm(
    blind_client: TestClient, blind_store: BlindStore, name: str
) -> None:
    _unblind(blind_client, blind_store)
    headers = {"Authorization": f"Bearer {blind_store.tokens[name]}"}
    response = await blind_client.get(
        f"/api/v1/participants/{blind_store.rest}/audit", headers=headers
    )
    assert response.status == 200
    body = await response.json()
    rows = body["rows"] if isinstance(body, dict) else body
    facts = [row for row in rows if "Unblinded" in row["type"]]
    assert len(facts) == 1, [row["type"] for row in rows]
    assert facts[0]["time"] and facts[0]["user"] == BLINDED["investigator"]
    assert REASON in json.dumps(facts[0])
    _no_arm(json.dumps(body))


@pytest.mark.parametrize("name", REVIEWERS)
async def test_the_dashboard_lists_the_unblinding_without_the_arm(
    blind_client: TestClient, blind_store: BlindStore, web_config: WebConfig, name: str
) -> None:
    number = _unblind(blind_client, blind_store)
    sign_in_as(blind_client, web_config, name)
    page = await (await blind_client.get("/")).text()
    assert "Emergency unblindings" in page and number in page and REASON in page
    _no_arm(page)
    trail = await (await blind_client.get(f"/participants/{blind_store.rest}/audit")).text()
    # The trail names events in words (issue 12): the fact reads "Emergency unblinding".
    assert "Emergency unblinding" in trail and REASON in trail
    _no_arm(trail)
