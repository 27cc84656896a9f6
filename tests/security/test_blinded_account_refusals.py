"""A blinded account, whatever its role, is refused everything on an arm-revealing form before
the arm is read: the same status and body for a rest participant, an exercise participant, a
participant without the form and no participant at all, through the JSON API, the web pages
and the use cases the command line shares."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

import pytest
from aiohttp.test_utils import TestClient

from domain import crf
from domain.actor import Actor
from domain.errors import EdcError
from domain.protocol import ARM_REVEALING_FORMS, REPEATING_FORM_KEY_ITEM
from edc.application import Trial
from tests.security.blind_store import (
    BLINDED,
    PASSWORD,
    BlindStore,
    adherence_for,
    open_trial,
    sign_in_as,
)
from web.config import WebConfig

API = "/api/v1"
FORMS = sorted(ARM_REVEALING_FORMS)


def _item(form: str) -> str:
    return next(s.name for s in crf.ITEMS[form] if s.name != REPEATING_FORM_KEY_ITEM.get(form))


def _targets(store: BlindStore) -> dict[str, str]:
    return {**store.participants, "nobody": str(uuid4())}


def _api_calls(form: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    """Every API route that works on one form: (method, path under the participant, body)."""
    item = _item(form)
    return [
        ("PUT", f"/forms/{form}", {"items": adherence_for("rest"), "expected_version": 0}),
        ("PUT", f"/forms/{form}", {"items": adherence_for("exercise"), "expected_version": 1}),
        ("PUT", f"/forms/{form}", {"items": {}, "expected_version": 0}),
        ("POST", f"/forms/{form}/lock", None),
        ("POST", f"/forms/{form}/unlock", {"reason": "Correction needed"}),
        ("POST", f"/forms/{form}/verify", None),
        ("POST", f"/forms/{form}/sign", {"password": PASSWORD, "meaning": "review"}),
        ("POST", f"/forms/{form}/queries", {"item": item, "text": "Please check"}),
    ]


async def _api(
    client: TestClient, token: str, method: str, path: str, body: dict[str, Any] | None
) -> tuple[int, Any]:
    kwargs: dict[str, Any] = {"headers": {"Authorization": f"Bearer {token}"}}
    if body is not None:
        kwargs["json"] = body
    response = await client.request(method, API + path, **kwargs)
    return response.status, await response.json()


@pytest.mark.parametrize("role", sorted(BLINDED))
async def test_every_api_route_on_an_arm_revealing_form_refuses_alike(
    blind_client: TestClient, blind_store: BlindStore, role: str
) -> None:
    token = blind_store.tokens[BLINDED[role]]
    for form in FORMS:
        for method, path, body in _api_calls(form):
            answers = {
                name: await _api(blind_client, token, method, f"/participants/{pid}{path}", body)
                for name, pid in _targets(blind_store).items()
            }
            first = answers["rest"]
            assert first[0] == 403, (role, method, path, first)
            assert all(answer == first for answer in answers.values()), (role, path, answers)
            message = first[1]["message"]
            assert "exercise" not in message and "rest" not in message.split(), message


@pytest.mark.parametrize("role", sorted(BLINDED))
async def test_every_web_page_of_an_arm_revealing_form_answers_alike(
    blind_client: TestClient, blind_store: BlindStore, web_config: WebConfig, role: str
) -> None:
    csrf = sign_in_as(blind_client, web_config, BLINDED[role])
    for form in FORMS:
        item = _item(form)
        requests: list[tuple[str, str, dict[str, str] | None]] = [
            ("GET", f"/forms/{form}", None),
            ("GET", f"/forms/{form}?week=1", None),
            ("POST", f"/forms/{form}", {"expected_version": "0", "EXERCISE_SESSIONS": "3"}),
            ("POST", f"/forms/{form}/lock", {}),
            ("POST", f"/forms/{form}/unlock", {"reason": "Correction needed"}),
            ("POST", f"/forms/{form}/verify", {}),
            ("POST", f"/forms/{form}/queries", {"item": item, "text": "Please check"}),
            ("POST", "/sign", {"form": form, "password": PASSWORD, "meaning": "review"}),
            ("GET", f"/sign?form={form}", None),
            ("GET", f"/forms/{form}/items/{item}/history", None),
        ]
        for method, path, data in requests:
            answers = {}
            for name, pid in _targets(blind_store).items():
                response = await blind_client.request(
                    method,
                    f"/participants/{pid}{path}",
                    data=None if data is None else {"csrf_token": csrf, **data},
                    allow_redirects=False,
                )
                # The address the user asked for may be echoed; nothing else may differ.
                text = (await response.text()).replace(pid, "PID")
                answers[name] = (response.status, text)
            first = answers["rest"]
            assert first[0] in (403, 404), (role, method, path, first[0])
            assert all(answer == first for answer in answers.values()), (role, method, path)
            assert "Required for the" not in first[1]


def _use_case_calls(trial: Trial, actor: Actor, form: str) -> dict[str, Callable[[UUID], Any]]:
    item = _item(form)
    return {
        "record": lambda pid: trial.record_form(
            actor, pid, form, adherence_for("rest"), expected_version=0
        ),
        "lock": lambda pid: trial.lock_form(actor, pid, form),
        "unlock": lambda pid: trial.unlock_form(actor, pid, form, "Correction needed"),
        "verify": lambda pid: trial.verify_form(actor, pid, form),
        "sign": lambda pid: trial.sign(actor, pid, PASSWORD, "review", form=form),
        "query": lambda pid: trial.raise_query(actor, pid, form, item, "Please check"),
        "history": lambda pid: trial.item_history(actor, pid, form, item),
    }


@pytest.mark.parametrize("role", sorted(BLINDED))
def test_the_use_cases_refuse_before_reading_the_participant(
    blind_store: BlindStore, tmp_path: Any, role: str
) -> None:
    """What the web, the API and the command line share: one refusal, whoever is asked for."""
    trial = open_trial(blind_store.copy_to(tmp_path / "var"))
    try:
        actor = trial.actor_for(BLINDED[role])
        for form in FORMS:
            calls = _use_case_calls(trial, actor, form)
            for name, call in calls.items():
                refusals = set()
                for pid in _targets(blind_store).values():
                    with pytest.raises(EdcError) as refused:
                        call(UUID(pid))
                    refusals.add((refused.value.code, refused.value.message))
                assert len(refusals) == 1, (role, form, name, refusals)
                assert next(iter(refusals))[0] == "forbidden", (role, form, name, refusals)
    finally:
        trial.close()
