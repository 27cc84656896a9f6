"""Rate limits on the anonymous routes: 429 with Retry-After, and no event per request."""

from __future__ import annotations

from dataclasses import replace

import pytest

from edc.refusal_summaries import FULL_RECORDS_PER_WINDOW
from edc.refusals import flush_refusal_summaries
from tests.app.conftest import NAMES
from tests.security.attacks import trial_of
from tests.web.conftest import Client, MakeClient, csrf_of
from web.config import RateLimits, WebConfig

SECRET = "gateway-secret-for-tests"
LIMITS = RateLimits(
    login_per_address="4/minute",
    login_per_account="3/minute",
    bad_token_per_address="5/minute",
    bad_token_per_account="5/minute",
    weekly_per_address="5/minute",
    weekly_per_link="3/minute",
    sms_per_secret="6/minute",
    sms_per_number="3/hour",
)


@pytest.fixture
def web_config(web_config: WebConfig) -> WebConfig:
    return replace(web_config, rate_limits=LIMITS, sms_secret=SECRET, phone_key="pepper-for-tests")


def stored(client: Client) -> int:
    return trial_of(client).recorder.max_notification_id() or 0


def assert_too_many(status: int, headers: object) -> None:
    assert status == 429
    retry_after = int(headers["Retry-After"])  # type: ignore[index]
    assert 1 <= retry_after <= 3600


async def login(client: Client, name: str, csrf: str, **headers: str) -> int:
    response = await client.post(
        "/login",
        data={"csrf_token": csrf, "name": name, "password": "a wrong guess"},
        headers=headers,
    )
    if response.status == 429:
        assert_too_many(response.status, response.headers)
    return response.status


async def test_logins_per_account_are_limited_and_refused_ones_store_nothing(
    client: Client,
) -> None:
    csrf = await csrf_of(client)
    statuses = [await login(client, NAMES["monitor"], csrf) for _ in range(3)]
    assert statuses == [401, 401, 401]
    before = stored(client)
    for _ in range(10):
        assert await login(client, NAMES["monitor"], csrf) == 429
    assert stored(client) == before
    assert trial_of(client).get_user(NAMES["monitor"]).failed_logins == 3


async def test_logins_per_address_are_limited_whatever_names_are_tried(client: Client) -> None:
    csrf = await csrf_of(client)
    names = [f"nobody{i}" for i in range(8)]
    statuses = [await login(client, name, csrf) for name in names]
    assert statuses[:4] == [401] * 4 and statuses[4:] == [429] * 4


async def test_forwarded_for_is_ignored_unless_trusted(client: Client) -> None:
    csrf = await csrf_of(client)
    statuses = [
        await login(client, f"nobody{i}", csrf, **{"X-Forwarded-For": f"10.0.0.{i}"})
        for i in range(6)
    ]
    assert statuses[4:] == [429, 429]


async def test_a_trusted_proxy_gives_each_client_its_own_limit_but_not_each_account(
    make_client: MakeClient, web_config: WebConfig
) -> None:
    client = await make_client(
        lambda app: app.__setitem__(
            __import__("web.keys", fromlist=["CONFIG"]).CONFIG,
            replace(web_config, trust_forwarded_for=True),
        )
    )
    csrf = await csrf_of(client)
    spread = [
        await login(client, f"nobody{i}", csrf, **{"X-Forwarded-For": f"10.0.0.{i}"})
        for i in range(6)
    ]
    assert spread == [401] * 6
    one_account = [
        await login(client, NAMES["analyst"], csrf, **{"X-Forwarded-For": f"10.0.1.{i}"})
        for i in range(5)
    ]
    assert one_account == [401, 401, 401, 429, 429]


async def test_bad_api_tokens_are_limited_and_counted_not_stored_one_by_one(
    client: Client,
) -> None:
    before = stored(client)
    statuses = []
    for i in range(12):
        response = await client.get(
            "/api/v1/participants", headers={"Authorization": f"Bearer edc_forged_{i}"}
        )
        statuses.append(response.status)
        if response.status == 429:
            assert_too_many(response.status, response.headers)
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429] * 7
    assert stored(client) - before <= FULL_RECORDS_PER_WINDOW


async def test_the_weekly_page_is_limited_per_link_and_per_address(client: Client) -> None:
    statuses = [(await client.get("/weekly/not-a-real-link")).status for _ in range(4)]
    assert statuses == [404, 404, 404, 429]
    # Other links from the same address: the address's own limit (5) ends it.
    other = [(await client.get(f"/weekly/another-{i}")).status for i in range(2)]
    assert other == [404, 429]


async def test_inbound_sms_is_limited_per_number_and_per_secret(client: Client) -> None:
    async def sms(number: str, secret: str = SECRET) -> int:
        response = await client.post(
            "/sms/inbound",
            json={"from": number, "text": "1 1"},
            headers={"X-SMS-Secret": secret},
        )
        if response.status == 429:
            assert_too_many(response.status, response.headers)
        return response.status

    per_number = [await sms("+4520304050") for _ in range(4)]
    assert per_number[:3] != [429] * 3 and per_number[3] == 429
    guesses = [await sms(f"+45203040{i:02d}", secret="guess") for i in range(8)]
    assert guesses[:6] == [403] * 6 and guesses[6:] == [429, 429]


async def test_anonymous_refusals_are_summarised_not_stored_one_per_request(
    client: Client,
) -> None:
    before = stored(client)
    for path in ("/healthz", "/api/v1/openapi.json"):
        for _ in range(30):
            # A forged post without the CSRF token, from nobody: refused, logged, counted.
            response = await client.post(path, data={"name": "x"})
            assert response.status == 403
    assert stored(client) - before <= 2 * FULL_RECORDS_PER_WINDOW
    trial = trial_of(client)
    assert flush_refusal_summaries(trial, everything=True) >= 1
    summaries = [
        r
        for r in trial.list_refusals(trial.actor_for(NAMES["monitor"]), limit=1000)
        if r["user"] == "anonymous clients"
    ]
    assert sum(int(r["target"]["count"]) for r in summaries) >= 60 - 2 * FULL_RECORDS_PER_WINDOW
