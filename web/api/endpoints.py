"""The API's endpoints as data: each names its handler, body, answers and parameters, so the
routes and the OpenAPI document come from one list."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web
from pydantic import BaseModel

API_ROOT = "/api/v1"
ApiHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Param:
    name: str
    where: str  # "path" | "query"
    description: str
    schema: dict[str, object] = field(default_factory=lambda: {"type": "string"})
    required: bool = False


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    handler: ApiHandler
    name: str
    summary: str
    ok: int = 200
    body: type[BaseModel] | None = None
    answer: type[BaseModel] | None = None
    # For downloads: the media type of the answer instead of a JSON model.
    media_type: str | None = None
    errors: tuple[int, ...] = (401, 403)
    params: tuple[Param, ...] = ()
    public: bool = False

    @property
    def url(self) -> str:
        return API_ROOT + self.path
