"""One thread for the library calls of state-changing requests on SQLite.

SQLite takes one writer at a time, so several worker threads saving at once only wait for each
other's file lock and for the GIL in turn: under 32 concurrent form submissions a single thread
served 328 requests/s where the default pool of six served 199 (bench store, 200,000 events).
A request that changes state (any method but GET, HEAD and OPTIONS) therefore runs its library
calls on the writer thread, in arrival order; reads (pages, audit trails, exports) keep the
default pool, so a long export never holds up a save. PostgreSQL takes concurrent writers and
keeps the default pool for everything.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from contextvars import ContextVar

from aiohttp import web

from web.keys import SETTINGS

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WRITER = web.AppKey("writer", ThreadPoolExecutor)

# The executor of the request being handled, for `web.calls.run`; None means the default pool.
current_executor: ContextVar[Executor | None] = ContextVar("current_executor", default=None)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def writer_context(app: web.Application) -> AsyncIterator[None]:
    if app[SETTINGS].backend == "sqlite":
        app[WRITER] = ThreadPoolExecutor(max_workers=1, thread_name_prefix="edc-writer")
    yield
    if WRITER in app:
        app[WRITER].shutdown(wait=True)


@web.middleware
async def writes_in_one_thread(request: web.Request, handler: Handler) -> web.StreamResponse:
    executor = request.app.get(WRITER)
    if executor is None or request.method in READ_METHODS:
        return await handler(request)
    token = current_executor.set(executor)
    try:
        return await handler(request)
    finally:
        current_executor.reset(token)
