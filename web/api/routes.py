"""Registers the API endpoints and serves the OpenAPI document."""

from __future__ import annotations

from aiohttp import web

from web.api import audit, exports, participants, review, visit_records
from web.api.endpoints import API_ROOT, Endpoint
from web.api.openapi import openapi_document

OPENAPI_KEY = web.AppKey("openapi", dict)


def endpoints() -> tuple[Endpoint, ...]:
    return (
        *participants.ENDPOINTS,
        *audit.ENDPOINTS,
        *review.ENDPOINTS,
        *exports.ENDPOINTS,
        *visit_records.ENDPOINTS,
    )


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(request.app[OPENAPI_KEY])


def add_api_routes(app: web.Application) -> None:
    listed = endpoints()
    for endpoint in listed:
        app.router.add_route(endpoint.method, endpoint.url, endpoint.handler, name=endpoint.name)
    app[OPENAPI_KEY] = openapi_document(listed)
    app.router.add_get(API_ROOT + "/openapi.json", openapi, name="api_openapi")
