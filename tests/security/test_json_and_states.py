"""Duplicate JSON keys, as_of beyond the head, and state conflicts answered 409 (DESIGN.md,
"Contract: JSON API": 400 malformed, 409 stale or conflicting, 422 invalid values)."""

from __future__ import annotations

from typing import Any

from tests import factories
from tests.web.conftest import Client, bearer
from tests.web.store import Seeded

API = "/api/v1"


async def _api(
    client: Client, seeded: Seeded, role: str, method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    response = await client.request(method, API + path, json=body, headers=bearer(seeded, role))
    assert response.content_type == "application/json", await response.text()
    return response.status, await response.json()


async def _raw(
    client: Client, seeded: Seeded, role: str, method: str, path: str, text: str
) -> tuple[int, Any]:
    headers = {**bearer(seeded, role), "Content-Type": "application/json"}
    response = await client.request(method, API + path, data=text.encode(), headers=headers)
    assert response.content_type == "application/json", await response.text()
    return response.status, await response.json()


async def test_a_body_with_a_duplicate_key_is_refused_400_and_saves_nothing(
    client: Client, seeded: Seeded
) -> None:
    form = f"/participants/{seeded.ready}/forms/baseline"
    before = (await _api(client, seeded, "site_staff", "GET", f"/participants/{seeded.ready}"))[1]
    status, body = await _raw(
        client,
        seeded,
        "monitor",
        "POST",
        form + "/queries",
        '{"item": "LBP_NOW", "text": "first", "text": "second"}',
    )
    assert status == 400 and body["error"] == "malformed"
    assert "text" in body["message"]
    # Nested objects too: the item repeated inside "items".
    screening = factories.screening()
    items = ", ".join(f'"{k}": {_json(v)}' for k, v in screening.items())
    status, body = await _raw(
        client,
        seeded,
        "site_staff",
        "POST",
        "/participants",
        '{"items": {' + items + ', "AGE": 70}}',
    )
    assert status == 400 and body["error"] == "malformed"
    status, listed = await _api(client, seeded, "site_staff", "GET", "/queries")
    assert status == 200 and listed == []
    after = (await _api(client, seeded, "site_staff", "GET", f"/participants/{seeded.ready}"))[1]
    assert after == before


def _json(value: Any) -> str:
    import json

    return json.dumps(value)


async def test_as_of_beyond_the_head_is_refused_with_a_clear_message(
    client: Client, seeded: Seeded
) -> None:
    far = 10_000_000
    for path in (
        f"/participants/{seeded.randomised}?as_of={far}",
        f"/snapshots/blinded?as_of={far}&format=json",
        f"/exports/odm?view=blinded&as_of={far}&type=snapshot",
    ):
        role = "analyst" if "participants" not in path else "data_manager"
        response = await client.get(API + path, headers=bearer(seeded, role))
        assert response.status == 422, (path, response.status)
        body = await response.json()
        assert body["error"] == "invalid" and "as_of" in body["fields"]
        assert "latest" in body["message"].lower()


async def test_state_conflicts_answer_409(client: Client, seeded: Seeded) -> None:
    form = f"/participants/{seeded.ready}/forms/baseline"
    status, query = await _api(
        client, seeded, "monitor", "POST", form + "/queries", {"item": "LBP_NOW", "text": "Check"}
    )
    assert status == 201
    status, _ = await _api(client, seeded, "monitor", "POST", f"/queries/{query['id']}/close", {})
    assert status == 200
    status, body = await _api(
        client, seeded, "monitor", "POST", f"/queries/{query['id']}/close", {}
    )
    assert status == 409 and body["error"] == "conflict"
    status, body = await _api(
        client, seeded, "site_staff", "POST", f"/queries/{query['id']}/answer", {"text": "late"}
    )
    assert status == 409 and body["error"] == "conflict"

    status, _ = await _api(client, seeded, "data_manager", "POST", form + "/lock")
    assert status == 200
    status, body = await _api(client, seeded, "data_manager", "POST", form + "/lock")
    assert status == 409 and "already locked" in body["message"]
    status, _ = await _api(
        client, seeded, "data_manager", "POST", form + "/unlock", {"reason": "late source"}
    )
    assert status == 200
    status, body = await _api(
        client, seeded, "data_manager", "POST", form + "/unlock", {"reason": "again"}
    )
    assert status == 409 and "not locked" in body["message"]

    status, _ = await _api(client, seeded, "monitor", "POST", form + "/verify")
    assert status == 200
    status, body = await _api(client, seeded, "monitor", "POST", form + "/verify")
    assert status == 409 and "already verified" in body["message"]
    status, body = await _api(
        client, seeded, "monitor", "POST", f"/participants/{seeded.screened}/forms/mri/verify"
    )
    assert status == 409 and "not entered" in body["message"]
