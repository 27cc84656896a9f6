"""Queries in the browser: raise one on an item (monitors, data managers), the inbox, answer
with an optional correction of the queried item (site staff), close or re-open (who raised it)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from domain import crf
from domain.errors import EdcError, FormInvalid, NotFound
from domain.protocol import FORM_LABELS, FORMS
from domain.wording import Label, Listing, Message
from edc.permissions import Action, may
from web.calls import actor_of, participant_id, run, trial_of
from web.crf_fields import display, fields, posted_text
from web.errors import WebRefusal
from web.numbers import whole_number
from web.pages import flash, form_text, render, url_for

routes = web.RouteTableDef()


def _week(text: str) -> int | None:
    return whole_number(text)


@routes.post("/participants/{pid}/forms/{form}/queries", name="raise_query")
async def raise_query(request: web.Request) -> web.Response:
    actor, pid, form = actor_of(request), participant_id(request), request.match_info["form"]
    if form not in FORMS:
        raise NotFound(Message("There is no form called %(form)s.", form=repr(form)))
    post = await request.post()
    week = _week(form_text(post, "week", 3))
    try:
        await run(
            trial_of(request).raise_query,
            actor,
            pid,
            form,
            form_text(post, "item", 60),
            form_text(post, "text", 2000),
            week=week,
        )
    except EdcError as error:
        if error.code in ("forbidden", "not_found"):
            raise
        await flash(
            request, Message("The query was not raised: %(reason)s", reason=error.message), "error"
        )
    else:
        await flash(request, "Query raised.")
    query = {"week": str(week)} if week else None
    raise web.HTTPSeeOther(url_for(request, "form", query, pid=str(pid), form=form))


@routes.get("/queries", name="queries")
async def inbox(request: web.Request) -> web.Response:
    actor = actor_of(request)
    if not may(actor, Action.VIEW_CLINICAL):
        raise WebRefusal("Your role does not work with queries.")
    rows = await run(trial_of(request).open_queries, actor)
    for row in rows:
        row["form_label"] = FORM_LABELS.get(row["form"], row["form"])
    status = request.query.get("status", "")
    if status:
        rows = [r for r in rows if r["status"] == status]
    return await render(request, "queries.html", {"rows": rows, "status": status})


async def _query_page(
    request: web.Request,
    error: str | None = None,
    errors: dict[str, str] | None = None,
    typed: dict[str, Any] | None = None,
    answer: str = "",
    status: int = 200,
) -> web.Response:
    actor, trial = actor_of(request), trial_of(request)
    query = await run(trial.get_query, actor, request.match_info["qid"])
    view = await run(trial.get_participant, actor, participant_id_of(query))
    state = view["forms"].get(query["form"]) or {"items": {}, "version": 0}
    items = state["items"]
    if query["week"] is not None:
        items = items.get(str(query["week"]), {})
    spec = next((s for s in crf.ITEMS[query["form"]] if s.name == query["item"]), None)
    values = typed if typed is not None else {query["item"]: items.get(query["item"])}
    # A locked form takes no correction: the answer is then the text alone.
    lock = await run(trial.lock_of_form, actor, participant_id_of(query), query["form"])
    field = [f for f in fields(query["form"], values, errors=errors) if f.name == query["item"]]
    if lock is not None:
        field = []
    context = {
        "q": query,
        "p": view,
        "form_label": FORM_LABELS.get(query["form"], query["form"]),
        "current": display(spec, items.get(query["item"])),
        "field": field[0] if field else None,
        "version": state["version"],
        "may_answer": may(actor, Action.ANSWER_QUERY) and query["status"] != "closed",
        "may_manage": may(actor, Action.CLOSE_QUERY) and query["raised_by"] == actor.user,
        "error": error,
        "answer": answer,
        "lock": lock,
    }
    return await render(request, "query.html", context, status=status)


def participant_id_of(query: dict[str, Any]) -> Any:
    from uuid import UUID

    return UUID(query["participant_id"])


@routes.get("/queries/{qid}", name="query")
async def query_page(request: web.Request) -> web.Response:
    return await _query_page(request)


def _as_left(form: str, item: str, raw: dict[str, Any]) -> dict[str, Any]:
    """The queried item (and its missing-answer code) as the site left it on the page."""
    names = [item, *([crf.companion(item)] if item in crf.MISSING_CODE_ITEMS[form] else [])]
    typed = crf.coerce_text_values(form, {name: raw[name] for name in names if name in raw})
    return {name: typed.get(name) for name in names}


def _answered_message(query: dict[str, Any]) -> Message:
    """What the answer did, said outright: the correction it made, or that nothing changed."""
    changes = query["history"][-1].get("changes") if query["history"] else None
    if not changes:
        return Message("Answer saved. The value is unchanged.")
    specs = {spec.name: spec for spec in crf.ITEMS[query["form"]]}
    # A coded value is shown by its label, which is the trial's wording (said as eCRF text).
    said = Listing(
        Message(
            "%(item)s %(old)s → %(new)s",
            item=item,
            old=Label(display(specs.get(item), old)),
            new=Label(display(specs.get(item), new)),
        )
        for item, (old, new) in changes.items()
    )
    return Message(
        "Answer saved. The correction is recorded (%(changes)s), with reason “query resolution”.",
        changes=said,
    )


@routes.post("/queries/{qid}/answer", name="answer_query")
async def answer(request: web.Request) -> web.Response:
    actor, trial = actor_of(request), trial_of(request)
    qid = request.match_info["qid"]
    query = await run(trial.get_query, actor, qid)
    post = await request.post()
    text = form_text(post, "text", 2000)
    raw = posted_text(query["form"], post)
    typed = {query["item"]: raw.get(query["item"], "")}
    # The page marks that it showed the item: what the site left there is the correction
    # (pages of an older release said so with a tick box instead).
    shown = "yes" in (form_text(post, "item_shown", 5), form_text(post, "correct", 5))
    try:
        version = whole_number(form_text(post, "expected_version", 10) or "0")
        if version is None:
            raise FormInvalid(
                {"expected_version": Message("Reload the page")}, Message("Reload the page.")
            )
        answered = await run(
            trial.answer_query,
            actor,
            qid,
            text,
            expected_version=version,
            as_left=_as_left(query["form"], query["item"], raw) if shown else None,
        )
    except (ValueError, EdcError) as error:
        if isinstance(error, EdcError) and error.code in ("forbidden", "not_found"):
            raise
        message = error.message if isinstance(error, EdcError) else Message("Reload the page.")
        errors = error.fields if isinstance(error, FormInvalid) else None
        status = (
            409 if isinstance(error, EdcError) and error.code in ("conflict", "locked") else 422
        )
        return await _query_page(request, message, errors, typed, text, status)
    await flash(request, _answered_message(answered))
    raise web.HTTPSeeOther(url_for(request, "query", qid=qid))


@routes.post("/queries/{qid}/{action:close|reopen}", name="manage_query")
async def manage(request: web.Request) -> web.Response:
    actor, trial = actor_of(request), trial_of(request)
    qid, action = request.match_info["qid"], request.match_info["action"]
    post = await request.post()
    text = form_text(post, "text", 2000)
    try:
        if action == "close":
            await run(trial.close_query, actor, qid, text or None)
        else:
            await run(trial.reopen_query, actor, qid, text)
    except EdcError as error:
        if error.code in ("forbidden", "not_found"):
            raise
        return await _query_page(request, error.message, status=422)
    await flash(request, "Query closed." if action == "close" else "Query re-opened.")
    raise web.HTTPSeeOther(url_for(request, "query", qid=qid))
