"""API handlers for a missed follow-up visit (and its withdrawal) and protocol deviations."""

from __future__ import annotations

from aiohttp import web
from pydantic import Field, RootModel

from domain.visit_records import MAX_TEXT, MISSABLE_VISITS, DeviationKind, MissedReason
from web.api import models
from web.api.body import parse_body, respond
from web.api.endpoints import Endpoint, Param
from web.api.participants import PID
from web.calls import actor_of, participant_id, run, trial_of

VISIT = Param(
    "visit", "path", "Follow-up visit", {"type": "string", "enum": list(MISSABLE_VISITS)}, True
)
WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 422)


class MissedVisitRequest(models.Request):
    # Checked by the domain (its message lists the codes); the enum documents them.
    reason: str = Field(json_schema_extra={"enum": [r.value for r in MissedReason]})
    text: str = Field(default="", max_length=MAX_TEXT, description='Required for "other"')


class WithdrawMissedRequest(models.Request):
    reason: models.ReasonBody


class MissedReasonOut(models.Response):
    code: str
    text: str


class MissedVisits(models.Response):
    """The participant's visits recorded as missed, by visit."""

    missed_visits: dict[str, MissedReasonOut]


class DeviationRequest(models.Request):
    kind: str = Field(json_schema_extra={"enum": [k.value for k in DeviationKind]})
    description: str = Field(max_length=MAX_TEXT)
    occurred_on: str = Field(description="YYYY-MM-DD, not in the future")


class DeviationOut(models.Response):
    kind: str
    description: str
    occurred_on: str


class RecordedDeviation(DeviationOut):
    at: str
    user: str | None
    role: str | None
    arm_revealing: bool


class DeviationList(RootModel[list[RecordedDeviation]]):
    """The deviations the reader may see (arm-revealing ones for unblinded accounts only)."""


async def record_visit_missed(request: web.Request) -> web.Response:
    pid, visit = participant_id(request), request.match_info["visit"]
    body = await parse_body(request, MissedVisitRequest)
    result = await run(
        trial_of(request).record_visit_missed,
        actor_of(request),
        pid,
        visit,
        body.model_dump(),
    )
    return respond(MissedVisits, result, status=201)


async def withdraw_missed_visit(request: web.Request) -> web.Response:
    pid, visit = participant_id(request), request.match_info["visit"]
    body = await parse_body(request, WithdrawMissedRequest)
    result = await run(
        trial_of(request).withdraw_missed_visit,
        actor_of(request),
        pid,
        visit,
        body.reason.model_dump(),
    )
    return respond(MissedVisits, result)


async def record_deviation(request: web.Request) -> web.Response:
    pid = participant_id(request)
    body = await parse_body(request, DeviationRequest)
    result = await run(
        trial_of(request).record_deviation, actor_of(request), pid, body.model_dump()
    )
    return respond(DeviationOut, result, status=201)


async def list_deviations(request: web.Request) -> web.Response:
    pid = participant_id(request)
    result = await run(trial_of(request).list_deviations, actor_of(request), pid)
    return respond(DeviationList, result)


MISSED_PATH = "/participants/{pid}/visits/{visit}/missed"
ENDPOINTS = (
    Endpoint(
        "POST",
        MISSED_PATH,
        record_visit_missed,
        "api_record_visit_missed",
        "Record a follow-up visit as not done, with a reason (site staff, assessors)",
        ok=201,
        body=MissedVisitRequest,
        answer=MissedVisits,
        errors=WRITE_ERRORS,
        params=(PID, VISIT),
    ),
    Endpoint(
        "POST",
        MISSED_PATH + "/withdraw",
        withdraw_missed_visit,
        "api_withdraw_missed_visit",
        "Withdraw a missed-visit record, with a reason for change",
        body=WithdrawMissedRequest,
        answer=MissedVisits,
        errors=WRITE_ERRORS,
        params=(PID, VISIT),
    ),
    Endpoint(
        "GET",
        "/participants/{pid}/deviations",
        list_deviations,
        "api_list_deviations",
        "Protocol deviations recorded by the site, as the reader may see them",
        answer=DeviationList,
        errors=(401, 403, 404),
        params=(PID,),
    ),
    Endpoint(
        "POST",
        "/participants/{pid}/deviations",
        record_deviation,
        "api_record_deviation",
        "Record a protocol deviation: kind, description, date (site staff, investigators)",
        ok=201,
        body=DeviationRequest,
        answer=DeviationOut,
        errors=WRITE_ERRORS,
        params=(PID,),
    ),
)
