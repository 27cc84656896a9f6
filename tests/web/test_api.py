"""The JSON API against its contract: bodies, versions and every error code."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from domain.protocol import ARM_LABELS
from tests import factories
from tests.web.conftest import Client, bearer
from tests.web.store import Seeded

API = "/api/v1"


async def _call(
    client: Client, seeded: Seeded, role: str, method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    kwargs: dict[str, Any] = {"headers": bearer(seeded, role)}
    if body is not None:
        kwargs["json"] = body
    response = await client.request(method, API + path, **kwargs)
    assert response.content_type == "application/json", await response.text()
    return response.status, await response.json()


def _is_error(body: Any, code: str) -> None:
    assert set(body) == {"error", "message", "fields"}
    assert body["error"] == code and body["message"]


async def test_screening_answers_201_with_number_and_eligibility(
    client: Client, seeded: Seeded
) -> None:
    status, body = await _call(
        client, seeded, "site_staff", "POST", "/participants", {"items": factories.screening()}
    )
    assert status == 201
    assert set(body) == {"id", "screening_number", "version", "mri_eligible", "failed_criteria"}
    assert body["version"] == 1 and body["mri_eligible"] is True
    status, body = await _call(
        client,
        seeded,
        "site_staff",
        "POST",
        "/participants",
        {"items": factories.screening(AGE=70)},
    )
    assert status == 201 and body["mri_eligible"] is False and body["failed_criteria"]


async def test_invalid_items_are_422_with_a_message_per_item(
    client: Client, seeded: Seeded
) -> None:
    items = factories.screening(AGE="old", SEX="X")
    del items["WILLING"]
    status, body = await _call(
        client, seeded, "site_staff", "POST", "/participants", {"items": items}
    )
    assert status == 422
    _is_error(body, "invalid")
    assert set(body["fields"]) == {"AGE", "SEX", "WILLING"}


@pytest.mark.parametrize(
    "body", [[], "items", {"items": []}, {"items": {}, "extra": 1}, {"nothing": 1}]
)
async def test_a_body_of_the_wrong_shape_is_422(client: Client, seeded: Seeded, body: Any) -> None:
    status, answer = await _call(client, seeded, "site_staff", "POST", "/participants", body)
    assert status == 422
    _is_error(answer, "invalid")


async def test_a_body_that_is_not_json_is_400(client: Client, seeded: Seeded) -> None:
    response = await client.post(
        f"{API}/participants", data="items=1", headers=bearer(seeded, "site_staff")
    )
    assert response.status == 400
    _is_error(await response.json(), "malformed")


@pytest.mark.parametrize("role", ["assessor", "monitor", "data_manager", "analyst", "admin"])
async def test_roles_that_may_not_screen_get_403(client: Client, seeded: Seeded, role: str) -> None:
    status, body = await _call(
        client, seeded, role, "POST", "/participants", {"items": factories.screening()}
    )
    assert status == 403
    _is_error(body, "forbidden")


async def test_reading_participants_is_role_filtered(client: Client, seeded: Seeded) -> None:
    status, staff = await _call(
        client, seeded, "site_staff", "GET", f"/participants/{seeded.randomised}"
    )
    assert status == 200 and staff["arm"] == seeded.arm and "adherence" in staff["forms"]
    for role in ("assessor", "investigator", "monitor", "data_manager", "analyst"):
        status, view = await _call(
            client, seeded, role, "GET", f"/participants/{seeded.randomised}"
        )
        assert status == 200
        assert "arm" not in view and "adherence" not in view["forms"]
        assert view["randomised_on"] == staff["randomised_on"]
    status, _ = await _call(client, seeded, "admin", "GET", f"/participants/{seeded.randomised}")
    assert status == 403
    status, listed = await _call(client, seeded, "monitor", "GET", "/participants")
    assert status == 200 and [p["id"] for p in listed] == [
        seeded.screened,
        seeded.ready,
        seeded.randomised,
    ]
    form = listed[1]["forms"]["baseline"]
    assert set(form) >= {"version", "status", "items", "derived"} and form["version"] == 1


async def test_unknown_participants_and_forms_are_404(client: Client, seeded: Seeded) -> None:
    for path in (f"/participants/{uuid4()}", "/participants/not-a-uuid", "/nothing/here"):
        status, body = await _call(client, seeded, "monitor", "GET", path)
        assert status == 404, path
        _is_error(body, "not_found")
    status, body = await _call(
        client,
        seeded,
        "site_staff",
        "PUT",
        f"/participants/{seeded.ready}/forms/lunch",
        {"items": {}, "expected_version": 0},
    )
    assert status == 404


async def test_a_method_the_route_does_not_have_is_405_json(client: Client, seeded: Seeded) -> None:
    status, body = await _call(client, seeded, "monitor", "DELETE", "/participants")
    assert status == 405 and body["error"] == "method_not_allowed"


async def test_form_entry_versions_stale_writes_and_reasons(client: Client, seeded: Seeded) -> None:
    path = f"/participants/{seeded.screened}/forms/mri"
    status, body = await _call(
        client, seeded, "site_staff", "PUT", path, {"items": factories.mri(), "expected_version": 0}
    )
    assert status == 200 and body["version"] == 1
    assert body["items"]["MODIC_TYPE"] == "1"
    # Someone who still saw version 0 is told, and nothing changes.
    status, body = await _call(
        client,
        seeded,
        "investigator",
        "PUT",
        path,
        {"items": factories.mri(MODIC_TYPE="2"), "expected_version": 0},
    )
    assert status == 409
    _is_error(body, "conflict")
    # A change to an entered value needs a reason: 422 naming the item.
    status, body = await _call(
        client,
        seeded,
        "site_staff",
        "PUT",
        path,
        {"items": factories.mri(MODIC_TYPE="2"), "expected_version": 1},
    )
    assert status == 422 and body["error"] == "reason_required"
    assert set(body["fields"]) == {"MODIC_TYPE"}
    status, body = await _call(
        client,
        seeded,
        "site_staff",
        "PUT",
        path,
        {
            "items": factories.mri(MODIC_TYPE="2"),
            "expected_version": 1,
            "reason": {"code": "other", "text": ""},
        },
    )
    assert status == 422 and body["error"] == "reason_required"
    status, body = await _call(
        client,
        seeded,
        "site_staff",
        "PUT",
        path,
        {
            "items": factories.mri(MODIC_TYPE="2"),
            "expected_version": 1,
            "reason": {"code": "nonsense"},
        },
    )
    assert status == 422
    status, body = await _call(
        client,
        seeded,
        "site_staff",
        "PUT",
        path,
        {
            "items": factories.mri(MODIC_TYPE="2"),
            "expected_version": 1,
            "reason": {"code": "transcription_error", "text": "typo"},
        },
    )
    assert status == 200 and body["version"] == 2 and body["items"]["MODIC_TYPE"] == "2"
    status, view = await _call(client, seeded, "monitor", "GET", f"/participants/{seeded.screened}")
    assert view["forms"]["mri"]["version"] == 2


async def test_expected_version_must_be_a_whole_number(client: Client, seeded: Seeded) -> None:
    path = f"/participants/{seeded.screened}/forms/mri"
    for version in ("0", -1, 1.5, None):
        status, body = await _call(
            client,
            seeded,
            "site_staff",
            "PUT",
            path,
            {"items": factories.mri(), "expected_version": version},
        )
        assert status == 422 and "expected_version" in body["fields"], version


async def test_protocol_order_and_form_permissions(client: Client, seeded: Seeded) -> None:
    # The issue changed the order: consent may now come before the MRI, so the refusal in
    # protocol order is shown with a baseline before consent.
    baseline = f"/participants/{seeded.screened}/forms/baseline"
    status, body = await _call(
        client,
        seeded,
        "site_staff",
        "PUT",
        baseline,
        {"items": factories.outcomes(), "expected_version": 0},
    )
    assert status == 409 and body["error"] == "protocol_order"
    status, body = await _call(
        client,
        seeded,
        "assessor",
        "PUT",
        f"/participants/{seeded.screened}/forms/mri",
        {"items": factories.mri(), "expected_version": 0},
    )
    assert status == 403
    status, body = await _call(
        client,
        seeded,
        "assessor",
        "PUT",
        f"/participants/{seeded.randomised}/forms/adherence",
        {"items": {}, "expected_version": 0},
    )
    assert status == 403
    assert "exercise" not in body["message"] and "rest" not in body["message"].split()


async def test_randomise(client: Client, seeded: Seeded) -> None:
    path = f"/participants/{seeded.ready}/randomise"
    status, body = await _call(client, seeded, "investigator", "POST", path)
    assert status == 403
    assert not any(str(arm) in body["message"] for arm in ARM_LABELS)
    status, body = await _call(client, seeded, "site_staff", "POST", path)
    assert status == 200
    assert body["arm"] in ("exercise", "rest")
    # The decision record (levels, imbalance, draw) is not told to the person randomising.
    assert set(body) == {"arm", "randomised_on", "randomisation_number"}
    assert body["randomisation_number"].startswith("R-")
    status, body = await _call(client, seeded, "site_staff", "POST", path)
    assert status == 409 and body["error"] == "randomisation_refused"
    status, body = await _call(
        client, seeded, "site_staff", "POST", f"/participants/{seeded.screened}/randomise"
    )
    assert status == 409
    status, body = await _call(client, seeded, "site_staff", "POST", path, {"x": 1})
    assert status == 422


async def test_the_openapi_document_describes_every_api_route(client: Client) -> None:
    response = await client.get(f"{API}/openapi.json")
    assert response.status == 200
    document = await response.json()
    assert document["openapi"].startswith("3.")
    assert client.app is not None
    documented = {
        (method.upper(), path) for path, ops in document["paths"].items() for method in ops
    }
    served = {
        (route.method, route.resource.canonical)
        for route in client.app.router.routes()
        if route.resource is not None
        and route.resource.canonical.startswith(API)
        and route.method != "HEAD"
        and not route.resource.canonical.endswith("openapi.json")
    }
    assert served == documented
    schemas = document["components"]["schemas"]
    assert {"ErrorBody", "FormRequest", "Participant"} <= set(schemas)
