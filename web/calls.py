"""Calling the synchronous Trial from request handlers, and what every handler needs."""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar
from uuid import UUID

from aiohttp import web

from domain.actor import Actor
from domain.errors import NotFound
from edc.application import Trial
from web.keys import ACTOR, TRIAL
from web.writer import current_executor

P = ParamSpec("P")
R = TypeVar("R")


async def run(fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run a library call in a worker thread: eventsourcing is synchronous, the loop is not.

    State-changing requests on SQLite use the writer thread (web.writer), the rest the default
    pool. The call sees this request's context variables, as with `asyncio.to_thread`.
    """
    executor = current_executor.get()
    if executor is None:
        return await asyncio.to_thread(fn, *args, **kwargs)
    call = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(executor, call)


def trial_of(request: web.Request) -> Trial:
    return request.app[TRIAL]


def actor_of(request: web.Request) -> Actor:
    """The authenticated actor; the auth middleware guarantees one on non-public routes."""
    actor = request.get(ACTOR)
    if actor is None:
        raise web.HTTPUnauthorized()
    return actor


def participant_id(request: web.Request, name: str = "pid") -> UUID:
    """A participant id from the path; anything that is not a UUID is simply not found."""
    text = request.match_info[name]
    # ASCII only: UUID() reads "٣" as the hex digit 3, so one id would have many spellings.
    if not text.isascii():
        raise NotFound("No such participant.")
    try:
        return UUID(text)
    except ValueError:
        raise NotFound("No such participant.") from None
