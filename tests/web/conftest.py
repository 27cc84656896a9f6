"""Web fixtures: the real `init_app` on a copy of a seeded SQLite store, logged in per role."""

from __future__ import annotations

import json
import random
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from cryptography.fernet import Fernet

from edc.application import Trial
from edc.bootstrap import build_trial
from edc.config import Settings
from tests.app.conftest import NAMES, PASSWORD, StepClock
from tests.web.store import Seeded, build_template
from web.app import COOKIE_NAME, init_app
from web.config import WebConfig

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
Client = TestClient  # type alias for annotations in tests
MakeClient = Callable[..., Awaitable[TestClient]]


class FakeNow:
    """The web layer's wall clock (session timeouts), moved by tests instead of waited for."""

    def __init__(self) -> None:
        self.value = 1_000_000.0

    def __call__(self) -> float:
        return self.value


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    return build_template(tmp_path_factory.mktemp("template") / "var")


@pytest.fixture
def web_settings(seeded: Seeded, tmp_path: Path) -> Settings:
    return seeded.copy_to(tmp_path / "var")


@pytest.fixture
def web_clock() -> StepClock:
    # After the seeded store's events; the factories' dates lie before it.
    return StepClock(datetime(2024, 2, 1, 9, 0, tzinfo=UTC))


@pytest.fixture
def now() -> FakeNow:
    return FakeNow()


@pytest.fixture
def web_config(now: FakeNow) -> WebConfig:
    return WebConfig(session_key=Fernet.generate_key().decode(), now=now, max_body=64 * 1024)


@pytest.fixture
def make_client(
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    web_settings: Settings,
    web_clock: StepClock,
    web_config: WebConfig,
) -> MakeClient:
    """Clients of one app: each is a person with their own cookies, all on one store."""
    servers: list[object] = []

    def factory(settings: Settings) -> Trial:
        return build_trial(settings, clock=web_clock, draw=random.Random(11).random)

    async def make(customize: Callable[[web.Application], None] | None = None) -> TestClient:
        if not servers:
            app = init_app(web_settings, config=web_config, trial_factory=factory)
            if customize is not None:
                customize(app)
            client = await aiohttp_client(app)
            servers.append(client.server)
            return client
        return await aiohttp_client(servers[0])

    return make


@pytest.fixture
async def client(make_client: MakeClient) -> TestClient:
    return await make_client()


async def csrf_of(client: TestClient, path: str = "/login") -> str:
    response = await client.get(path)
    match = CSRF.search(await response.text())
    assert match, f"no CSRF token on {path}"
    return match.group(1)


async def login(client: TestClient, role: str, password: str = PASSWORD) -> str:
    """Log in as the account of `role`; returns the session's CSRF token."""
    token = await csrf_of(client)
    response = await client.post(
        "/login",
        data={"csrf_token": token, "name": NAMES[role], "password": password},
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()
    return await csrf_of(client, "/password")


def bearer(seeded: Seeded, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {seeded.tokens[role]}"}


def sign_in(client: TestClient, config: WebConfig, role: str) -> str:
    """Start a session as `role` without the login form (argon2 makes each real login cost a
    few hundred milliseconds): the cookie a browser holds after logging in, sealed with the
    app's own session key. Returns the session's CSRF token. Logging in itself is tested with
    the real form in test_auth.py."""
    csrf = secrets.token_urlsafe(32)
    data = {
        "created": int(time.time()),
        "session": {
            "user": NAMES[role],
            "seen": config.now(),
            "started": config.now(),
            # A session id the account has not seen end, in the account's first epoch.
            "sid": secrets.token_urlsafe(16),
            "epoch": 0,
            "csrf": csrf,
        },
    }
    sealed = Fernet(config.session_key).encrypt(json.dumps(data).encode()).decode()
    client.session.cookie_jar.update_cookies({COOKIE_NAME: sealed}, client.make_url("/"))
    return csrf
