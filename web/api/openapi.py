"""The OpenAPI 3.1 document of the API, generated from the endpoint list and pydantic models."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from web.api.endpoints import API_ROOT, Endpoint
from web.api.models import ErrorBody

REF = "#/components/schemas/{model}"
ERROR_TEXT = {
    400: "Malformed request (not JSON, or not a JSON object where one is expected)",
    401: "No credentials, or they are not valid",
    403: "Not allowed for this role, site or blinding (logged)",
    404: "No such participant, form or query",
    409: "Stale version or a conflict with the current state (locked, protocol order)",
    413: "Request body too large",
    422: "Invalid values; `fields` names each bad item",
}


def _schemas(endpoints: tuple[Endpoint, ...]) -> tuple[dict[Any, Any], dict[str, Any]]:
    models: list[tuple[type[BaseModel], Literal["validation", "serialization"]]] = [
        (ErrorBody, "serialization")
    ]
    for endpoint in endpoints:
        if endpoint.body is not None:
            models.append((endpoint.body, "validation"))
        if endpoint.answer is not None:
            models.append((endpoint.answer, "serialization"))
    unique = list(dict.fromkeys(models))
    refs, top = models_json_schema(unique, ref_template=REF)
    return refs, top.get("$defs", {})


def _operation(endpoint: Endpoint, refs: dict[Any, Any]) -> dict[str, Any]:
    operation: dict[str, Any] = {"operationId": endpoint.name, "summary": endpoint.summary}
    if endpoint.params:
        operation["parameters"] = [
            {
                "name": p.name,
                "in": p.where,
                "required": p.required or p.where == "path",
                "description": p.description,
                "schema": p.schema,
            }
            for p in endpoint.params
        ]
    if endpoint.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(endpoint.body, "validation")]}},
        }
    ok: dict[str, Any] = {"description": "OK" if endpoint.ok == 200 else "Created"}
    content: dict[str, Any] = {}
    if endpoint.answer is not None:
        content["application/json"] = {"schema": refs[(endpoint.answer, "serialization")]}
    if endpoint.media_type:
        content[endpoint.media_type] = {"schema": {"type": "string", "format": "binary"}}
    if content:
        ok["content"] = content
    responses: dict[str, Any] = {str(endpoint.ok): ok}
    error_schema = refs[(ErrorBody, "serialization")]
    for status in endpoint.errors:
        responses[str(status)] = {
            "description": ERROR_TEXT[status],
            "content": {"application/json": {"schema": error_schema}},
        }
    operation["responses"] = responses
    if not endpoint.public:
        operation["security"] = [{"bearer": []}, {"session": []}]
    return operation


def openapi_document(endpoints: tuple[Endpoint, ...]) -> dict[str, Any]:
    refs, schemas = _schemas(endpoints)
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        paths.setdefault(API_ROOT + endpoint.path, {})[endpoint.method.lower()] = _operation(
            endpoint, refs
        )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Modic EDC API (NCT00454792)",
            "version": "1",
            "description": (
                "Item values use the names and codes of CRF.md. Errors are "
                '{"error", "message", "fields"}. With a session cookie, unsafe methods need '
                "the X-CSRF-Token header."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from `edc users token NAME`",
                },
                "session": {"type": "apiKey", "in": "cookie", "name": "edc_session"},
            },
        },
    }
