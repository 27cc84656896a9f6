"""API handlers for participants: screen, list, read (role-filtered), enter forms, randomise."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from domain.errors import NotFound
from domain.protocol import FORMS
from domain.wording import Message
from web.api import models
from web.api.body import parse_body, respond
from web.api.endpoints import Endpoint, Param
from web.calls import actor_of, participant_id, run, trial_of
from web.errors import ApiError
from web.numbers import whole_number
from web.read_choice import reads_of

PID = Param("pid", "path", "Participant id (UUID)", {"type": "string", "format": "uuid"}, True)
FORM = Param("form", "path", "Form name", {"type": "string", "enum": [f for f in FORMS]}, True)


async def screen(request: web.Request) -> web.Response:
    body = await parse_body(request, models.ScreenRequest)
    result = await run(trial_of(request).screen, actor_of(request), body.items)
    return respond(models.Screened, result, status=201)


async def list_participants(request: web.Request) -> web.Response:
    site = request.query.get("site") or None
    result = await run(reads_of(request).participant_records, actor_of(request), site)
    return respond(models.ParticipantList, result)


async def get_participant(request: web.Request) -> web.Response:
    actor, pid, trial = actor_of(request), participant_id(request), trial_of(request)
    as_of = request.query.get("as_of")
    if not as_of:
        return respond(models.Participant, await run(trial.get_participant, actor, pid))
    position = whole_number(as_of)
    if position is not None:
        result = await run(trial.participant_as_of, actor, pid, position=position)
    else:
        try:
            at = datetime.fromisoformat(as_of)
        except ValueError:
            raise ApiError(
                422,
                "invalid",
                "as_of is an event position or an ISO 8601 time.",
                {"as_of": "an event position or an ISO 8601 time with a zone"},
            ) from None
        result = await run(trial.participant_as_of, actor, pid, at=at)
    return respond(models.Participant, result)


async def put_form(request: web.Request) -> web.Response:
    form = request.match_info["form"]
    if form not in FORMS:
        raise NotFound(Message("There is no form called %(form)s.", form=repr(form)))
    pid = participant_id(request)
    body = await parse_body(request, models.FormRequest)
    reason = body.reason.model_dump(mode="json") if body.reason else None
    result = await run(
        trial_of(request).record_form,
        actor_of(request),
        pid,
        form,
        body.items,
        expected_version=body.expected_version,
        reason=reason,
        complete=body.complete,
    )
    return respond(models.FormSaved, result)


async def randomise(request: web.Request) -> web.Response:
    pid = participant_id(request)
    await parse_optional_empty(request)
    result = await run(trial_of(request).randomise, actor_of(request), pid)
    return respond(models.Randomised, result)


async def parse_optional_empty(request: web.Request) -> None:
    """Commands without arguments accept no body or an empty JSON object."""
    if request.can_read_body and request.content_length != 0:
        await parse_body(request, models.Empty)


ENDPOINTS = (
    Endpoint(
        "POST",
        "/participants",
        screen,
        "api_screen",
        "Screen a person: validate the screening form and issue a screening number",
        ok=201,
        body=models.ScreenRequest,
        answer=models.Screened,
        errors=(400, 401, 403, 413, 422),
    ),
    Endpoint(
        "GET",
        "/participants",
        list_participants,
        "api_participants",
        "Participants the caller may see, in screening order",
        answer=models.ParticipantList,
        errors=(401, 403),
        params=(Param("site", "query", "Only this site (trial-wide roles)"),),
    ),
    Endpoint(
        "GET",
        "/participants/{pid}",
        get_participant,
        "api_participant",
        "One participant with the forms the caller's role may see",
        answer=models.Participant,
        errors=(401, 403, 404, 422),
        params=(
            PID,
            Param(
                "as_of",
                "query",
                "Show the participant as they stood at this event "
                "position or ISO 8601 time (needs the audit permission)",
            ),
        ),
    ),
    Endpoint(
        "PUT",
        "/participants/{pid}/forms/{form}",
        put_form,
        "api_form",
        "First entry or correction of one form (a changed value needs a reason)",
        body=models.FormRequest,
        answer=models.FormSaved,
        errors=(400, 401, 403, 404, 409, 413, 422),
        params=(PID, FORM),
    ),
    Endpoint(
        "POST",
        "/participants/{pid}/randomise",
        randomise,
        "api_randomise",
        "Randomise by minimisation (unblinded site staff only)",
        body=None,
        answer=models.Randomised,
        errors=(400, 401, 403, 404, 409, 413, 422),
        params=(PID,),
    ),
)
