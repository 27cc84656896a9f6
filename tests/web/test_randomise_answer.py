"""The person randomising learns the arm, the date and the randomisation number, never how
minimisation decided (allocation concealment, ICH E9): API and page, every role that may."""

from __future__ import annotations

import pytest

from domain.roles import Role
from edc.permissions import ROLE_ACTIONS, Action
from tests.web.conftest import Client, bearer, sign_in
from tests.web.store import Seeded
from web.config import WebConfig

RANDOMISING_ROLES = [
    role.value for role, actions in ROLE_ACTIONS.items() if Action.RANDOMISE in actions
]
# Words and keys of the minimisation decision record.
DECISION_WORDS = ("imbalance", "preferred", "probability", "draw", "levels", "factors", "minimis")


@pytest.mark.parametrize("role", RANDOMISING_ROLES)
async def test_the_api_answer_has_no_decision_record(
    client: Client, seeded: Seeded, role: str
) -> None:
    response = await client.post(
        f"/api/v1/participants/{seeded.ready}/randomise", headers=bearer(seeded, role)
    )
    assert response.status == 200
    body = await response.json()
    assert set(body) == {"arm", "randomised_on", "randomisation_number"}
    # The seeded store randomised one participant before: this is the second allocation.
    assert body["randomisation_number"] == "R-002"
    assert len(body["randomised_on"]) == len("2024-01-15")
    text = (await response.text()).lower()
    assert not any(word in text for word in DECISION_WORDS)


@pytest.mark.parametrize("role", RANDOMISING_ROLES)
async def test_the_randomised_page_has_no_decision_record(
    client: Client, web_config: WebConfig, seeded: Seeded, role: str
) -> None:
    token = sign_in(client, web_config, role)
    done = await client.post(
        f"/participants/{seeded.ready}/randomise", data={"csrf_token": token, "confirm": "yes"}
    )
    assert done.status == 200
    html = await done.text()
    assert 'id="arm"' in html and "R-002" in html
    main = html.lower().split("<main", 1)[-1]
    assert not any(word in main for word in DECISION_WORDS)


def test_site_staff_may_randomise() -> None:
    # Guards the parametrisation above against silently testing nobody.
    assert Role.SITE_STAFF.value in RANDOMISING_ROLES
