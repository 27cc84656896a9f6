"""Rate limits on the routes anyone can reach without an account: login, API tokens, the
participant's weekly page and inbound SMS.

Built on the `limits` library (its moving-window strategy), counted in one place for every
server process of the trial (`edc.rate_limit_store`: a SQLite file of its own in the data
directory, or a table of the PostgreSQL database), so several processes share each limit. A
client over a limit gets 429 with Retry-After and nothing is written to the trial's store, so
a flood costs neither argon2 time nor events. Keys are client addresses (X-Forwarded-For only
when the setting trusts a proxy) and what the request names: the account, the token's account,
the weekly link, the SMS gateway secret or the phone number (the last three as digests).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import math
import time
from collections.abc import AsyncIterator

from aiohttp import web
from limits import RateLimitItem, parse
from limits.strategies import MovingWindowRateLimiter

from edc.rate_limit_store import SqlMovingWindowStorage, open_rate_limit_store
from edc.refusal_summaries import WINDOW_SECONDS
from edc.refusals import flush_refusal_summaries
from edc.tokens import parse_token
from web.config import RateLimits, WebConfig
from web.errors import ApiError, Handler, error_page, is_api, json_error
from web.keys import AUTH, CONFIG, SETTINGS, TRIAL

log = logging.getLogger("edc.web")
TOO_MANY = "Too many requests: please wait {seconds} s and try again."
LOGIN_PATHS = frozenset({"/login", "/login/password"})


class RequestLimits:
    """The limits, each rule parsed once, counted in `storage` (shared by every process)."""

    def __init__(self, limits: RateLimits, storage: SqlMovingWindowStorage) -> None:
        self._storage = storage
        self._limiter = MovingWindowRateLimiter(storage)
        self._items: dict[str, RateLimitItem] = {
            name: parse(getattr(limits, name)) for name in RateLimits.__dataclass_fields__
        }

    def hit(self, rule: str, key: str) -> float | None:
        """Count one request; the seconds to wait when it is over the limit, else None."""
        item = self._items[rule]
        if self._limiter.hit(item, rule, key):
            return None
        return self._wait(item, rule, key)

    def over(self, keys: list[tuple[str, str]]) -> float | None:
        """Whether any (rule, key) is over its limit now, without counting a request: the
        seconds to wait, else None. One look-up for all of them."""
        asked = [(self._items[rule], self._items[rule].key_for(rule, key)) for rule, key in keys]
        windows = self._storage.moving_windows([(k, item.get_expiry()) for item, k in asked])
        waits = [
            start + item.get_expiry() - time.time()
            for (item, _), (start, count) in zip(asked, windows, strict=True)
            if count >= item.amount
        ]
        return max(1.0, max(waits)) if waits else None

    def _wait(self, item: RateLimitItem, rule: str, key: str) -> float:
        reset = self._limiter.get_window_stats(item, rule, key).reset_time
        return max(1.0, reset - time.time())


LIMITS = web.AppKey("rate_limits", RequestLimits)


async def rate_limits_context(app: web.Application) -> AsyncIterator[None]:
    """Open the shared count of the limits for this process's requests."""
    storage = await asyncio.to_thread(open_rate_limit_store, app[SETTINGS])
    app[LIMITS] = RequestLimits(app[CONFIG].rate_limits, storage)
    yield
    await asyncio.to_thread(storage.close)


def client_address(request: web.Request, config: WebConfig) -> str:
    if config.trust_forwarded_for:
        forwarded = request.headers.get("X-Forwarded-For", "")
        # The last address is the one our own proxy added; earlier ones the client wrote.
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last[:100]
    return request.remote or "?"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


async def _too_many(request: web.Request, wait: float) -> web.StreamResponse:
    seconds = math.ceil(wait)
    message = TOO_MANY.format(seconds=seconds)
    response: web.StreamResponse
    if is_api(request):
        response = json_error(429, "rate_limited", message)
    elif request.path.startswith("/sms/"):
        response = web.Response(status=429, text=message)
    else:
        response = await error_page(request, 429, message)
    response.headers["Retry-After"] = str(seconds)
    return response


async def _sms_number(request: web.Request) -> str:
    if request.content_type == "application/json":
        try:
            body = json.loads(await request.text())
        except ValueError:
            return "?"
        number = str(body.get("from", "")) if isinstance(body, dict) else ""
    else:
        number = str((await request.post()).get("from", ""))
    return "".join(c for c in number if c.isdigit())[-15:] or "?"


async def _keys(request: web.Request, address: str) -> list[tuple[str, str]]:
    """The (rule, key) pairs this request counts against; empty for unlimited routes."""
    path = request.path
    if path in LOGIN_PATHS and request.method == "POST":
        name = str((await request.post()).get("name", ""))[:100].strip().lower()
        return [("login_per_address", address), ("login_per_account", name)]
    if path.startswith("/weekly/"):
        link = _digest(path.removeprefix("/weekly/"))
        return [("weekly_per_address", address), ("weekly_per_link", link)]
    if path.startswith("/sms/") and request.method == "POST":
        secret = _digest(request.headers.get("X-SMS-Secret", ""))
        return [("sms_per_secret", secret), ("sms_per_number", await _sms_number(request))]
    return []


async def _bearer(
    request: web.Request, handler: Handler, limits: RequestLimits, address: str, token: str
) -> web.StreamResponse:
    # Only refused tokens count: a working token is limited by nothing here.
    parts = parse_token(token)
    account = parts.user_id.hex if parts else "?"
    keys = [("bad_token_per_address", address), ("bad_token_per_account", account)]
    wait = limits.over(keys)
    if wait is not None:
        return await _too_many(request, wait)
    try:
        return await handler(request)
    except ApiError as error:
        if error.status == 401 and request.get(AUTH) is None:
            for rule, key in keys:
                limits.hit(rule, key)
        raise


@web.middleware
async def rate_limit_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    limits = request.app[LIMITS]
    address = client_address(request, request.app[CONFIG])
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return await _bearer(request, handler, limits, address, header[7:].strip())
    for rule, key in await _keys(request, address):
        wait = limits.hit(rule, key)
        if wait is not None:
            return await _too_many(request, wait)
    return await handler(request)


async def refusal_summaries_context(app: web.Application) -> AsyncIterator[None]:
    """Write the counted refusals of anonymous clients once their window is over, and all of
    them at shutdown (edc.refusal_summaries)."""
    trial = app[TRIAL]

    async def every_window() -> None:
        while True:
            await asyncio.sleep(WINDOW_SECONDS)
            try:
                await asyncio.to_thread(flush_refusal_summaries, trial)
            except Exception:
                log.exception("could not write the summaries of anonymous refusals")

    task = asyncio.create_task(every_window())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await asyncio.to_thread(flush_refusal_summaries, trial, everything=True)
