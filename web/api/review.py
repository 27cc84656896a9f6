"""API handlers for review: queries, signatures, locks, source data verification, unblinding."""

from __future__ import annotations

from aiohttp import web

from domain.errors import NotFound
from domain.protocol import FORMS
from domain.wording import Message
from web.api import models
from web.api.body import parse_body, respond
from web.api.endpoints import Endpoint, Param
from web.api.participants import FORM, PID, parse_optional_empty
from web.calls import actor_of, participant_id, run, trial_of

QID = Param("qid", "path", "Query id (UUID)", {"type": "string", "format": "uuid"}, True)
WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 422)


def form_of(request: web.Request) -> str:
    form = request.match_info["form"]
    if form not in FORMS:
        raise NotFound(Message("There is no form called %(form)s.", form=repr(form)))
    return form


async def raise_query(request: web.Request) -> web.Response:
    pid, form = participant_id(request), form_of(request)
    body = await parse_body(request, models.QueryRequest)
    result = await run(
        trial_of(request).raise_query,
        actor_of(request),
        pid,
        form,
        body.item,
        body.text,
        week=body.week,
    )
    return respond(models.QueryOut, result, status=201)


async def list_queries(request: web.Request) -> web.Response:
    result = await run(trial_of(request).open_queries, actor_of(request))
    return respond(models.QueryList, result)


async def answer_query(request: web.Request) -> web.Response:
    body = await parse_body(request, models.AnswerRequest)
    result = await run(
        trial_of(request).answer_query,
        actor_of(request),
        request.match_info["qid"],
        body.text,
        body.items,
        expected_version=body.expected_version,
    )
    return respond(models.QueryOut, result)


async def close_query(request: web.Request) -> web.Response:
    body = await parse_body(request, models.CloseRequest)
    result = await run(
        trial_of(request).close_query,
        actor_of(request),
        request.match_info["qid"],
        body.text or None,
    )
    return respond(models.QueryOut, result)


async def sign(request: web.Request) -> web.Response:
    pid, form = participant_id(request), form_of(request)
    body = await parse_body(request, models.SignRequest)
    result = await run(
        trial_of(request).sign,
        actor_of(request),
        pid,
        body.password,
        body.meaning,
        form=form,
        incomplete_reason=body.incomplete_reason,
    )
    return respond(models.Signature, result)


async def lock(request: web.Request) -> web.Response:
    pid, form = participant_id(request), form_of(request)
    reason = None
    # No body, an empty object, or a reason for the lock.
    if request.can_read_body and request.content_length != 0:
        reason = (await parse_body(request, models.LockRequest)).reason
    result = await run(trial_of(request).lock_form, actor_of(request), pid, form, reason)
    return respond(models.LockState, result)


async def unlock(request: web.Request) -> web.Response:
    pid, form = participant_id(request), form_of(request)
    body = await parse_body(request, models.UnlockRequest)
    result = await run(trial_of(request).unlock_form, actor_of(request), pid, form, body.reason)
    return respond(models.LockState, result)


async def verify(request: web.Request) -> web.Response:
    pid, form = participant_id(request), form_of(request)
    await parse_optional_empty(request)
    result = await run(trial_of(request).verify_form, actor_of(request), pid, form)
    return respond(models.Verification, result)


async def unblind(request: web.Request) -> web.Response:
    pid = participant_id(request)
    body = await parse_body(request, models.UnblindRequest)
    result = await run(trial_of(request).unblind, actor_of(request), pid, body.reason)
    return respond(models.Unblinded, result)


FORM_PATH = "/participants/{pid}/forms/{form}"
ENDPOINTS = (
    Endpoint(
        "POST",
        FORM_PATH + "/queries",
        raise_query,
        "api_raise_query",
        "Raise a query on one item (monitors, data managers)",
        ok=201,
        body=models.QueryRequest,
        answer=models.QueryOut,
        errors=WRITE_ERRORS,
        params=(PID, FORM),
    ),
    Endpoint(
        "GET",
        "/queries",
        list_queries,
        "api_queries",
        "Queries not yet closed that the caller may see",
        answer=models.QueryList,
        errors=(401, 403),
    ),
    Endpoint(
        "POST",
        "/queries/{qid}/answer",
        answer_query,
        "api_answer_query",
        "Answer a query, optionally with a correction of the queried form",
        body=models.AnswerRequest,
        answer=models.QueryOut,
        errors=WRITE_ERRORS,
        params=(QID,),
    ),
    Endpoint(
        "POST",
        "/queries/{qid}/close",
        close_query,
        "api_close_query",
        "Close a query (whoever raised it)",
        body=models.CloseRequest,
        answer=models.QueryOut,
        errors=WRITE_ERRORS,
        params=(QID,),
    ),
    Endpoint(
        "POST",
        FORM_PATH + "/sign",
        sign,
        "api_sign",
        "Sign one form, re-entering the password, with a meaning",
        body=models.SignRequest,
        answer=models.Signature,
        errors=WRITE_ERRORS,
        params=(PID, FORM),
    ),
    Endpoint(
        "POST",
        FORM_PATH + "/lock",
        lock,
        "api_lock",
        "Lock one form (optionally saying why)",
        body=models.LockRequest,
        answer=models.LockState,
        errors=WRITE_ERRORS,
        params=(PID, FORM),
    ),
    Endpoint(
        "POST",
        FORM_PATH + "/unlock",
        unlock,
        "api_unlock",
        "Unlock one form, with a reason",
        body=models.UnlockRequest,
        answer=models.LockState,
        errors=WRITE_ERRORS,
        params=(PID, FORM),
    ),
    Endpoint(
        "POST",
        FORM_PATH + "/verify",
        verify,
        "api_verify",
        "Mark one form as source-verified (monitors)",
        answer=models.Verification,
        errors=WRITE_ERRORS,
        params=(PID, FORM),
    ),
    Endpoint(
        "POST",
        "/participants/{pid}/unblind",
        unblind,
        "api_unblind",
        "Emergency unblinding of one participant, with a reason (investigators); logged",
        body=models.UnblindRequest,
        answer=models.Unblinded,
        errors=WRITE_ERRORS,
        params=(PID,),
    ),
)
