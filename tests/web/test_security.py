"""Security headers, CSRF on every state-changing route, size limits, no stack traces."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import replace

import pytest
from aiohttp.test_utils import TestClient

from edc.config import Settings
from tests.web.conftest import Client, MakeClient, bearer, sign_in
from tests.web.store import Seeded
from web.app import init_app
from web.config import WebConfig
from web.security import CONTENT_SECURITY_POLICY, HSTS


def _check_headers(headers: object, *, no_store: bool = True) -> None:
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY  # type: ignore[index]
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert headers["X-Frame-Options"] == "DENY"  # type: ignore[index]
    assert headers["X-Content-Type-Options"] == "nosniff"  # type: ignore[index]
    assert headers["Referrer-Policy"] == "no-referrer"  # type: ignore[index]
    if no_store:
        assert headers["Cache-Control"] == "no-store"  # type: ignore[index]


async def test_every_kind_of_answer_carries_the_security_headers(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    _check_headers((await client.get("/login")).headers)
    _check_headers((await client.get("/", allow_redirects=False)).headers)
    _check_headers((await client.get("/api/v1/participants")).headers)
    _check_headers((await client.get("/nowhere")).headers)
    sign_in(client, web_config, "site_staff")
    _check_headers((await client.get(f"/participants/{seeded.ready}")).headers)
    _check_headers((await client.get("/api/v1/participants")).headers)
    static = await client.get("/static/style.css")
    assert static.status == 200
    _check_headers(static.headers, no_store=False)


async def test_strict_transport_security_only_when_served_over_tls(
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    web_settings: Settings,
    web_config: WebConfig,
) -> None:
    plain = await aiohttp_client(init_app(web_settings, config=web_config))
    assert "Strict-Transport-Security" not in (await plain.get("/login")).headers
    behind_tls = replace(web_config, secure_cookies=True)
    secure = await aiohttp_client(init_app(web_settings, config=behind_tls))
    for path in ("/login", "/nowhere", "/static/style.css"):
        assert (await secure.get(path)).headers["Strict-Transport-Security"] == HSTS


SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S)
STATIC_SCRIPT = re.compile(r' src="/static/[\w.-]+\.js" defer')


def inline_scripts(html: str) -> list[str]:
    """Every script element that is not an empty one loading a file of this site's /static."""
    found = [
        whole.group(0)
        for whole in SCRIPT.finditer(html)
        if whole.group(2).strip() or not STATIC_SCRIPT.fullmatch(whole.group(1))
    ]
    if html.count("<script") != len(SCRIPT.findall(html)):
        found.append("a script element without its end tag")
    return found


async def test_pages_have_no_inline_script_or_style(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    sign_in(client, web_config, "site_staff")
    for path in (
        "/",
        "/participants",
        f"/participants/{seeded.ready}",
        f"/participants/{seeded.ready}/forms/baseline",
        "/participants/new",
    ):
        html = await (await client.get(path)).text()
        assert inline_scripts(html) == [], path
        assert "style=" not in html and "<style" not in html, path
        assert not re.search(r"\son[a-z]+=", html), path


def _unsafe_routes(client: Client, seeded: Seeded) -> list[tuple[str, str]]:
    assert client.app is not None
    parts = {
        "pid": seeded.ready,
        "form": "baseline",
        "qid": "q-1",
        "token": "t",
        "name": "sara",
        "view": "blinded",
    }
    routes = []
    for route in client.app.router.routes():
        if route.method not in ("POST", "PUT", "PATCH", "DELETE"):
            continue
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter", "")
        for key, value in parts.items():
            path = path.replace("{" + key + "}", value)
        if not path.startswith("/sms/"):
            routes.append((route.method, path))
    return routes


async def test_every_state_changing_route_refuses_a_session_request_without_csrf_token(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    token = sign_in(client, web_config, "site_staff")
    routes = _unsafe_routes(client, seeded)
    assert len(routes) >= 6
    for method, path in routes:
        missing = await client.request(method, path, data={"x": "1"})
        wrong = await client.request(method, path, data={"csrf_token": token[::-1]})
        wrong_header = await client.request(method, path, json={}, headers={"X-CSRF-Token": "nope"})
        for response in (missing, wrong, wrong_header):
            assert response.status == 403, (method, path, response.status)


async def test_login_itself_needs_the_token_served_with_the_login_page(client: Client) -> None:
    response = await client.post("/login", data={"name": "sara", "password": "x" * 12})
    assert response.status == 403


async def test_api_with_a_session_needs_the_csrf_header_and_bearer_tokens_do_not(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    token = sign_in(client, web_config, "site_staff")
    body = {"items": {}}
    assert (await client.post("/api/v1/participants", json=body)).status == 403
    with_header = await client.post(
        "/api/v1/participants", json=body, headers={"X-CSRF-Token": token}
    )
    assert with_header.status == 422
    client.session.cookie_jar.clear()
    with_bearer = await client.post(
        "/api/v1/participants", json=body, headers=bearer(seeded, "site_staff")
    )
    assert with_bearer.status == 422


async def test_a_body_over_the_limit_is_refused_with_413(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    big = {"items": {"SCR_DATE": "x" * (web_config.max_body + 10)}}
    response = await client.post(
        "/api/v1/participants", json=big, headers=bearer(seeded, "site_staff")
    )
    assert response.status == 413
    assert (await response.json())["error"] == "too_large"
    token = sign_in(client, web_config, "site_staff")
    page = await client.post(
        "/participants", data={"csrf_token": token, "SCR_DATE": "x" * (web_config.max_body + 10)}
    )
    assert page.status == 413


@pytest.mark.parametrize("body", [b"{", b"[1,", b"\xff\xfe", b"NaN", b"[" * 5000 + b"]" * 5000])
async def test_malformed_json_is_400_never_500(client: Client, seeded: Seeded, body: bytes) -> None:
    response = await client.post(
        "/api/v1/participants",
        data=body,
        headers={**bearer(seeded, "site_staff"), "Content-Type": "application/json"},
    )
    assert response.status == 400
    answer = await response.json()
    assert answer["error"] == "malformed" and "Traceback" not in answer["message"]


async def test_a_bad_bearer_token_is_401_even_with_a_valid_session(
    client: Client, web_config: WebConfig
) -> None:
    sign_in(client, web_config, "monitor")
    response = await client.get(
        "/api/v1/participants", headers={"Authorization": "Bearer not-a-token"}
    )
    assert response.status == 401
    basic = await client.get("/api/v1/participants", headers={"Authorization": "Basic eDp5"})
    assert basic.status == 401


async def test_refusals_are_logged(
    client: Client, web_config: WebConfig, seeded: Seeded, caplog: pytest.LogCaptureFixture
) -> None:
    sign_in(client, web_config, "admin")
    with caplog.at_level("WARNING", logger="edc.web.refusals"):
        response = await client.get("/participants")
    assert response.status == 403
    assert any(
        "adam" in record.getMessage() and "/participants" in record.getMessage()
        for record in caplog.records
    )


async def test_pages_a_role_may_not_use_are_refused_into_the_refusal_log(
    make_client: MakeClient, web_config: WebConfig, seeded: Seeded
) -> None:
    admin, monitor = await make_client(), await make_client()
    sign_in(admin, web_config, "admin")
    assert (await admin.get(f"/participants/{seeded.ready}/audit")).status == 403
    assert (await admin.post("/participants", data={"csrf_token": "forged"})).status == 403
    sign_in(monitor, web_config, "monitor")
    html = await (await monitor.get("/refusals")).text()
    assert "web GET /participants/{pid}/audit" in html
    assert "web POST /participants" in html and "adam" in html
    assert seeded.ready not in html.split("<tbody>")[0]
    assert (await admin.get("/refusals")).status == 403
