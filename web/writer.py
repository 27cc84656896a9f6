"""Threads of their own for the library calls of state-changing requests.

A request that changes state (any method but GET, HEAD and OPTIONS) runs its library calls on
the writer threads; reads (pages, audit trails, exports) keep the default pool, so a long
export never holds up a save. There are several writer threads so that saves arriving together
are committed together (edc.audit.group_commit): while one batch waits for the disk, the next
requests are validated and join the next batch, instead of each save waiting for the previous
one's commit. Conflicting saves of one participant are refused by the store as before.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from contextvars import ContextVar

from aiohttp import web

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WRITER = web.AppKey("writer", ThreadPoolExecutor)
# Enough to fill a batch while the previous one commits; more would only wait for the GIL.
WRITER_THREADS = 8

# The executor of the request being handled, for `web.calls.run`; None means the default pool.
current_executor: ContextVar[Executor | None] = ContextVar("current_executor", default=None)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def writer_context(app: web.Application) -> AsyncIterator[None]:
    app[WRITER] = ThreadPoolExecutor(max_workers=WRITER_THREADS, thread_name_prefix="edc-writer")
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
