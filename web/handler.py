"""What a request handler is (aiohttp's handler and middleware signature), for the modules that
wrap one: the error middleware, security, authentication, languages, rate limits."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
