"""Refusals as HTTP: EdcError codes to status codes, JSON errors for the API, pages for people.

Status codes (DESIGN.md, "Contract: JSON API"): invalid values and a missing or bad reason for
change are 422; a stale version, a lock, a step out of protocol order and a refused
randomisation are 409 (they conflict with the current state, and 423 is a WebDAV code no
client of ours expects); not allowed is 403 (and logged); unknown is 404; no or bad
credentials is 401. Malformed JSON is 400 and a body over the limit 413. Nothing a client sends
can produce a 500 or a stack trace: unexpected exceptions are logged and answered generically.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from domain.errors import EdcError
from web.handler import Handler
from web.keys import ACTOR, TRIAL
from web.pages import render
from web.refusal import ApiError, WebRefusal

# Handler, ApiError and WebRefusal live in web.handler and web.refusal, so the modules that the
# error pages render through need not import this one; many modules import them from here.
__all__ = ["ApiError", "Handler", "WebRefusal"]

log = logging.getLogger("edc.web")
refusals = logging.getLogger("edc.web.refusals")

STATUS_BY_CODE: dict[str, int] = {
    "unavailable": 503,  # edc.storage: the database is read-only, full or busy; nothing saved
    "invalid": 422,
    "reason_required": 422,
    "refused": 422,
    "conflict": 409,
    "locked": 409,
    "protocol_order": 409,
    "randomisation_refused": 409,
    "forbidden": 403,
    "not_found": 404,
    "unauthorized": 401,
    "authentication_failed": 401,
    "account_locked": 401,
}
CODE_BY_STATUS: dict[int, str] = {
    400: "malformed",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    503: "unavailable",
}
API_PREFIX = "/api/"


def status_of(error: EdcError) -> int:
    return STATUS_BY_CODE.get(error.code, 422)


def fields_of(error: EdcError) -> dict[str, str]:
    fields = getattr(error, "fields", None)
    return {str(k): str(v) for k, v in fields.items()} if isinstance(fields, Mapping) else {}


def is_api(request: web.Request) -> bool:
    return request.path.startswith(API_PREFIX)


def json_error(
    status: int, code: str, message: str, fields: Mapping[str, str] | None = None
) -> web.Response:
    body = {"error": code, "message": message, "fields": dict(fields or {})}
    return web.json_response(body, status=status)


def log_refusal(request: web.Request, message: str) -> None:
    """Every 403 is logged with who asked for what (never with the values they sent)."""
    actor = request.get(ACTOR)
    who = actor.label if actor else "anonymous"
    refusals.warning("refused %s %s for %s: %s", request.method, request.path, who, message)


async def record_web_refusal(request: web.Request, error: EdcError) -> None:
    """Put a refusal made by the web layer itself into the trial's refusal log."""
    from edc.refusals import anonymous, record_refusal

    actor = request.get(ACTOR)
    who = actor.as_dict() if actor else anonymous("?")
    # The route's pattern, never the path: a weekly-report path holds its secret token.
    resource = request.match_info.route.resource
    pattern = resource.canonical if resource is not None else "(no route)"
    target = {
        "participant_id": request.match_info.get("pid"),
        "form": request.match_info.get("form"),
    }
    command = f"web {request.method} {pattern}"
    try:
        await asyncio.to_thread(record_refusal, request.app[TRIAL], who, command, target, error)
    except Exception:
        # The log is best effort here: the refusal itself still stands (and is logged above).
        log.exception("could not record a refusal of %s %s", request.method, request.path)


async def error_page(request: web.Request, status: int, message: str) -> web.Response:

    context: dict[str, Any] = {"status": status, "message": message}
    try:
        return await render(request, "error.html", context, status=status)
    except Exception:
        # The error page itself failed: still answer, plainly, without details.
        log.exception("error page failed on %s %s", request.method, request.path)
        return web.Response(status=status, text=message)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except EdcError as error:
        status = status_of(error)
        if status == 403:
            log_refusal(request, error.message)
            if isinstance(error, WebRefusal):
                await record_web_refusal(request, error)
        if is_api(request):
            return json_error(status, error.code, error.message, fields_of(error))
        return await error_page(request, status, error.message)
    except ApiError as error:
        if error.status == 403:
            log_refusal(request, error.message)
            await record_web_refusal(request, WebRefusal(error.message))
        if is_api(request):
            return json_error(error.status, error.code, error.message, error.fields)
        return await error_page(request, error.status, error.message)
    except web.HTTPException as http:
        if http.status < 400:
            raise
        if http.status == 403:
            log_refusal(request, http.reason)
            await record_web_refusal(request, WebRefusal(http.reason))
        message = _http_message(http)
        if is_api(request):
            code = CODE_BY_STATUS.get(http.status, "error")
            response = json_error(http.status, code, message)
            if http.status == 405:
                response.headers["Allow"] = http.headers.get("Allow", "")
            return response
        return await error_page(request, http.status, message)
    except Exception:
        # A fault of ours, never of the input: log it, answer without details.
        log.exception("unexpected error on %s %s", request.method, request.path)
        message = "Something went wrong on the server; the error has been logged."
        if is_api(request):
            return json_error(500, "server_error", message)
        return await error_page(request, 500, message)


def _http_message(http: web.HTTPException) -> str:
    if http.status == 413:
        return "The request body is too large."
    if http.status == 404:
        return "There is nothing at this address."
    if http.status == 405:
        return "This address does not accept that method."
    text = http.text or ""
    # aiohttp's default body is "<status>: <reason>"; show a plain sentence instead.
    return text if text and not text.startswith(f"{http.status}:") else http.reason
