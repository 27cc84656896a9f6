"""Audit pages: a participant's trail, one item's history, the record as it stood at a time,
the whole trail (filtered, paged) and the tamper check of the hash chain."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from aiohttp import web

from domain import crf
from domain.actor import Actor
from domain.errors import EdcError, PermissionDenied
from domain.protocol import FORM_LABELS, FORMS
from domain.stale_merge import same
from domain.text import refused_replaced
from domain.wording import Message
from edc.audit import chain
from edc.audit.detail_words import Wording, details_words
from edc.audit.rendering import (
    reason_words,
    sheet_words,
)
from edc.permissions import Action, may, role_may_not
from edc.usecases.audit import trail_filter_choices
from web.calls import actor_of, participant_id, run, trial_of
from web.context import ZONE
from web.crf_fields import display
from web.errors import WebRefusal
from web.i18n import N_, crf_text, gettext, local_date, local_number
from web.i18n import words as words_of_code
from web.i18n_messages import shown_message
from web.numbers import whole_number
from web.pages import render
from web.read_choice import reads_of
from web.views.participants import timeline

routes = web.RouteTableDef()
PAGE = 50


def _check_audit(request: web.Request) -> None:
    actor = actor_of(request)
    if not may(actor, Action.VIEW_AUDIT):
        raise WebRefusal(role_may_not(actor, N_("view the audit trail")))


def local_input(value: str) -> datetime | None:
    """A `datetime-local` field (site time, no zone) as an aware time; None when empty."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise EdcError(
            Message("%(value)s is not a date and time (use YYYY-MM-DDTHH:MM).", value=repr(value))
        ) from None
    return moment.replace(tzinfo=ZONE) if moment.tzinfo is None else moment


def _rows(rows: list[dict[str, Any]], pid: str | None) -> list[dict[str, Any]]:
    """Audit rows in words (form, visit, reason, item labels and values), with item-history
    links where an item of a known form changed."""
    for row in rows:
        row["sheet_words"] = sheet_words(row.get("form"), row.get("visit"), gettext)
        row["reason_words"] = reason_words(row.get("reason"), gettext)
        row["words_shown"] = gettext(row["words"])
        row["summary_shown"] = summary_shown(row)
        subject = row.get("participant_id") or pid
        # An item empty before and after (a missing-answer code nobody gave, listed when the
        # form was first recorded) changed nothing: the row does not list it.
        row["changes"] = [
            c
            for c in row.get("changes") or []
            if not (same(c.get("old"), None) and same(c.get("new"), None))
        ]
        for change in row["changes"]:
            form = (change.get("form") or "").split(":")[0]
            spec = _spec(form, change.get("item"))
            change["history"] = bool(subject and form in FORMS and change.get("item"))
            change["participant_id"] = subject
            change["form_name"] = form
            change["label"] = spec.label if spec else change.get("item")
            change["old_text"] = display(spec, change.get("old"))
            change["new_text"] = display(spec, change.get("new"))
    return rows


def summary_shown(row: dict[str, Any]) -> str:
    """A row's summary in the reader's language: a worded message with its parameters, else
    the event's words translated before the stored details (item names and codes)."""
    message = row.get("summary_message")
    if message:
        return gettext(message["id"]) % message["parameters"]
    summary, words = str(row.get("summary") or ""), str(row.get("words") or "")
    if not row.get("changes"):
        # Details in words, from the stored fields, never as they are stored; a refusal's
        # message, kept with its id, in the reader's language.
        details = row.get("details") or {}
        if isinstance(details.get("message"), Message):
            row = {**row, "details": {**details, "message": shown_message(details["message"])}}
        kind = gettext(words) if words else summary
        worded = details_words(row, DETAIL_WORDING)
        return f"{kind}: {worded}" if worded else kind
    if words and summary.startswith(words):
        return gettext(words) + summary[len(words) :]
    return summary


DETAIL_WORDING = Wording(
    translate=gettext, code=words_of_code, date=local_date, number=local_number, clinical=crf_text
)


def _spec(form: str, item: str | None) -> crf.ItemSpec | None:
    return next((s for s in crf.ITEMS.get(form, ()) if s.name == item), None)


@routes.get("/participants/{pid}/audit", name="participant_audit")
async def participant_audit(request: web.Request) -> web.Response:
    _check_audit(request)
    actor, pid = actor_of(request), participant_id(request)
    trial = trial_of(request)
    view = await run(trial.get_participant, actor, pid)
    rows = await run(trial.participant_trail, actor, pid)
    context = {"p": view, "rows": _rows(rows, str(pid)), "pid": str(pid)}
    return await render(request, "audit_participant.html", context)


@routes.get("/participants/{pid}/forms/{form}/items/{item}/history", name="item_history")
async def item_history(request: web.Request) -> web.Response:
    _check_audit(request)
    actor, pid = actor_of(request), participant_id(request)
    form, item = request.match_info["form"], request.match_info["item"]
    trial = trial_of(request)
    # The history first: its refusals come before anything about the participant is read.
    rows = await run(trial.item_history, actor, pid, form, item)
    view = await run(trial.get_participant, actor, pid)
    spec = _spec(form, item)
    for row in rows:
        row["old_text"], row["new_text"] = display(spec, row["old"]), display(spec, row["new"])
        row["reason_words"] = reason_words(row.get("reason"), gettext)
    context = {
        "p": view,
        "rows": rows,
        "form": form,
        "item": item,
        "form_label": FORM_LABELS.get(form, form),
        "label": spec.label if spec else item,
    }
    return await render(request, "audit_item.html", context)


@routes.get("/participants/{pid}/as-of", name="as_of")
async def as_of(request: web.Request) -> web.Response:
    _check_audit(request)
    actor, pid = actor_of(request), participant_id(request)
    trial = trial_of(request)
    current = await run(trial.get_participant, actor, pid)
    at_text = request.query.get("at", "")[:40]
    position_text = request.query.get("position", "")[:20]
    then: dict[str, Any] | None = None
    error = None
    if at_text or position_text:
        position = whole_number(position_text) if position_text else None
        if position_text and position is None:
            error = "The event position is a whole number."
        if error is None:
            try:
                then = await run(
                    trial.participant_as_of, actor, pid, at=local_input(at_text), position=position
                )
            except EdcError as refused:
                if isinstance(refused, PermissionDenied):
                    raise
                error = refused.message
    forms: list[dict[str, Any]] = []
    if then is not None:
        for visit in timeline(then):
            for form in visit["forms"]:
                state = form["state"]
                items = state["items"]
                form["rows"] = (
                    [
                        (s.label, s.name, display(s, items.get(s.name)))
                        for s in crf.ITEMS[form["form"]]
                    ]
                    if form["form"] != "weekly"
                    else [
                        (f"Week {week}", "WEEK", ", ".join(f"{k}={v}" for k, v in sheet.items()))
                        for week, sheet in sorted(items.items(), key=lambda kv: int(kv[0]))
                    ]
                )
                forms.append(form)
    context = {
        "p": current,
        "then": then,
        "forms": forms,
        "at": at_text,
        "position": position_text,
        "error": error,
    }
    return await render(request, "audit_as_of.html", context, status=422 if error else 200)


FILTERS = ("participant", "form", "item", "user", "type", "from", "to", "order")


async def _located(
    request: web.Request,
    actor: Actor,
    filters: dict[str, str],
    since: int,
    before: int | None,
    newest_first: bool,
) -> Iterator[int] | None:
    """Where the events a form, item or user filter may match lie, from the read models' audit
    index once it holds every stored event (else the trail reads the store itself). One
    participant's events are found by the store's own locator instead."""
    if filters["participant"] or not (filters["form"] or filters["item"] or filters["user"]):
        return None
    return await run(
        reads_of(request).audit_positions,
        actor,
        user=filters["user"] or None,
        form=filters["form"] or None,
        item=filters["item"] or None,
        since=since,
        before=before or None,
        newest_first=newest_first,
    )


@routes.get("/audit", name="audit")
async def global_audit(request: web.Request) -> web.Response:
    _check_audit(request)
    actor = actor_of(request)
    query = request.query
    filters = {key: refused_replaced(query.get(key, "")[:60]).strip() for key in FILTERS}
    newest_first = filters["order"] == "newest"
    filters["order"] = "newest" if newest_first else ""
    since = whole_number(query.get("since", "")) or 0
    before = whole_number(query.get("before", "")) if newest_first else None
    limit = min(200, max(10, whole_number(query.get("limit", "")) or PAGE))
    error = None
    page: dict[str, Any] = {"events": [], "next": None}
    located = await _located(request, actor, filters, since, before, newest_first)
    try:
        page = await run(
            trial_of(request).global_trail,
            actor,
            since=since,
            limit=limit,
            user=filters["user"] or None,
            event_type=filters["type"] or None,
            date_from=local_input(filters["from"]),
            date_to=local_input(filters["to"]),
            participant=filters["participant"] or None,
            form=filters["form"] or None,
            item=filters["item"] or None,
            newest_first=newest_first,
            before=before or None,
            located=located,
        )
    except EdcError as refused:
        if isinstance(refused, PermissionDenied):
            raise
        error = refused.message
    first_query = {k: v for k, v in filters.items() if v}
    if limit != PAGE:
        first_query["limit"] = str(limit)
    next_query = None
    if page["next"] is not None:
        next_query = {**first_query, ("before" if newest_first else "since"): str(page["next"])}
    context = {
        "rows": _rows(page["events"], None),
        "filters": filters,
        **trail_filter_choices(actor),
        "next_query": next_query,
        "first_query": first_query,
        "paged": bool(since or before),
        "error": error,
    }
    return await render(request, "audit.html", context, status=422 if error else 200)


@routes.get("/audit/verify", name="audit_verify")
async def verify(request: web.Request) -> web.Response:
    """Recompute the hash chain over the whole store (reads every event: on demand only)."""
    _check_audit(request)
    trial = trial_of(request)
    result = await run(chain.verify, trial)
    context = {"result": result}
    return await render(request, "audit_verify.html", context, status=200)
