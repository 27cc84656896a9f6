"""API handlers for the audit trail: one participant's events, and the whole trail in pages."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from domain.errors import EdcError
from web.api import models
from web.api.body import respond
from web.api.endpoints import Endpoint, Param
from web.api.participants import PID
from web.calls import actor_of, participant_id, run, trial_of
from web.errors import ApiError
from web.numbers import whole_number


def int_param(request: web.Request, name: str, default: int) -> int:
    text = request.query.get(name)
    if text is None or text == "":
        return default
    value = whole_number(text)
    if value is None:
        raise ApiError(422, "invalid", f"{name} must be a whole number.", {name: "a whole number"})
    return value


def time_param(request: web.Request, name: str) -> datetime | None:
    text = request.query.get(name)
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ApiError(
            422,
            "invalid",
            f"{name} must be an ISO 8601 time with a zone.",
            {name: "an ISO 8601 time with a zone"},
        ) from None


def order_param(request: web.Request) -> str:
    order = request.query.get("order") or "oldest"
    if order not in ("oldest", "newest"):
        raise ApiError(422, "invalid", "order is oldest or newest.", {"order": "oldest or newest"})
    return order


async def participant_audit(request: web.Request) -> web.Response:
    rows = await run(
        trial_of(request).participant_trail, actor_of(request), participant_id(request)
    )
    return respond(models.AuditTrail, rows)


async def global_audit(request: web.Request) -> web.Response:
    try:
        page = await run(
            trial_of(request).global_trail,
            actor_of(request),
            since=int_param(request, "since", 0),
            limit=int_param(request, "limit", 100),
            user=request.query.get("user") or None,
            event_type=request.query.get("type") or None,
            date_from=time_param(request, "from"),
            date_to=time_param(request, "to"),
            participant=request.query.get("participant") or None,
            form=request.query.get("form") or None,
            item=request.query.get("item") or None,
            newest_first=order_param(request) == "newest",
            before=int_param(request, "before", 0) or None,
        )
    except EdcError as error:
        if error.code not in ("refused",):
            raise
        raise ApiError(422, "invalid", error.message) from None
    return respond(models.AuditPage, page)


ENDPOINTS = (
    Endpoint(
        "GET",
        "/participants/{pid}/audit",
        participant_audit,
        "api_participant_audit",
        "Every event of one participant in order: actor, role, site, time, reason and "
        "item changes old -> new",
        answer=models.AuditTrail,
        errors=(401, 403, 404),
        params=(PID,),
    ),
    Endpoint(
        "GET",
        "/audit",
        global_audit,
        "api_audit",
        "The whole trail in order, role-filtered, in pages (`next` is the next `since`, or "
        "the next `before` newest first); each event names its participant",
        answer=models.AuditPage,
        errors=(401, 403, 404, 422),
        params=(
            Param(
                "since", "query", "Position after which to start", {"type": "integer", "minimum": 0}
            ),
            Param(
                "limit",
                "query",
                "Events per page (1..1000)",
                {"type": "integer", "minimum": 1, "maximum": 1000},
            ),
            Param("user", "query", "Only events by this user"),
            Param("type", "query", "Only events of this type, e.g. Participant.FormCorrected"),
            Param(
                "from",
                "query",
                "Only events at or after this time (ISO 8601, zoned)",
                {"type": "string", "format": "date-time"},
            ),
            Param(
                "to",
                "query",
                "Only events at or before this time (ISO 8601, zoned)",
                {"type": "string", "format": "date-time"},
            ),
            Param("participant", "query", "Only events about this participant (id or number)"),
            Param("form", "query", "Only events on this form, e.g. baseline"),
            Param("item", "query", "Only events that record or change this item"),
            Param(
                "order",
                "query",
                "oldest (the default) or newest first",
                {"type": "string", "enum": ["oldest", "newest"]},
            ),
            Param(
                "before",
                "query",
                "Newest first: position before which to start",
                {"type": "integer", "minimum": 0},
            ),
        ),
    ),
)
