"""Helpers for HTML views: render a template, flash a message, redirect to a named route."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session

from domain.wording import message_record
from web.context import FLASH_KEY, base_context


async def render(
    request: web.Request, template: str, context: Mapping[str, Any], status: int = 200
) -> web.Response:
    """Render a page with what every page needs (see `web.context`) plus its own context.

    Computed here, only for HTML pages: a context processor would run for every request,
    API calls included, and start sessions for them.
    """
    full = await base_context(request)
    full.update(context)
    return aiohttp_jinja2.render_template(template, request, full, status=status)


async def flash(request: web.Request, message: str, kind: str = "info") -> None:
    """A one-time message shown on the next page (kept in the encrypted session cookie)."""
    session = await get_session(request)
    messages = list(session.get(FLASH_KEY, []))
    flashed: dict[str, Any] = {"kind": kind, "text": message}
    # A worded message keeps its id and holes through the cookie, to be said in the language
    # of the page that shows it (a refusal names a form, a person, a time).
    worded = message_record(message)
    if worded is not None:
        flashed["id"], flashed["params"] = worded
    messages.append(flashed)
    session[FLASH_KEY] = messages[-5:]


def url_for(
    request: web.Request, name: str, query: Mapping[str, str] | None = None, **parts: str
) -> str:
    url = request.app.router[name].url_for(**parts)
    if query:
        url = url.with_query(dict(query))
    return str(url)


def see_other(
    request: web.Request, name: str, query: Mapping[str, str] | None = None, **parts: str
) -> web.HTTPSeeOther:
    """Post/redirect/get: after a successful POST the browser loads the page with GET."""
    return web.HTTPSeeOther(url_for(request, name, query, **parts))


def form_text(post: Mapping[str, Any], name: str, limit: int = 2000) -> str:
    """A posted text field as a string ('' when missing or not text), cut to a sane length."""
    value = post.get(name, "")
    return value[:limit] if isinstance(value, str) else ""
