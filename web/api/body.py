"""Reading a JSON request body: malformed -> 400, too large -> 413, wrong shape -> 422.

A key given twice in one object is malformed too: JSON parsers disagree on which one wins, so
a proxy, a log or a signature check could read a different value than the one saved.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from web.errors import ApiError

M = TypeVar("M", bound=BaseModel)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(f"The key {key!r} is given twice in one object.")
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise DuplicateKey(key)
        result[key] = value
    return result


def strict_loads(text: str) -> Any:
    """`json.loads` refusing NaN and Infinity and any key repeated within an object
    (ValueError, with the key named for a repeat)."""
    return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)


async def read_json(request: web.Request) -> Any:
    if request.content_type != "application/json":
        raise ApiError(400, "malformed", "Send the body as JSON (Content-Type: application/json).")
    raw = await request.read()  # raises 413 beyond client_max_size
    try:
        return strict_loads(raw.decode("utf-8"))
    except DuplicateKey as error:
        raise ApiError(400, "malformed", f"The body is not valid: {error}") from None
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ApiError(400, "malformed", "The body is not valid JSON.") from None


def _location(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "body"


async def parse_body(request: web.Request, model: type[M]) -> M:
    data = await read_json(request)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        fields: dict[str, str] = {}
        for detail in error.errors(include_url=False, include_input=False):
            fields.setdefault(_location(tuple(detail["loc"])), detail["msg"])
        raise ApiError(
            422, "invalid", "The request body does not have the expected shape.", fields
        ) from None


def respond(model: type[BaseModel], data: Any, status: int = 200) -> web.Response:
    """Answer with `data` checked against its response model (the OpenAPI document's promise)."""
    # Encoded by the model's own serializer: the same JSON, without a dict built in between.
    body = model.model_validate(data).model_dump_json()
    return web.Response(body=body, status=status, content_type="application/json", charset="utf-8")
