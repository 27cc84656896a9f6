"""The refusals the web layer raises itself; `web.errors` turns them into answers."""

from __future__ import annotations

from collections.abc import Mapping

from domain.errors import PermissionDenied


class WebRefusal(PermissionDenied):
    """Raised by a page or route that the actor's role may not use at all (checked in the web
    layer before any use case runs); recorded in the refusal log like the use cases' own."""


class ApiError(Exception):
    """A refusal found by the web layer itself (malformed JSON, wrong shape of a body)."""

    def __init__(
        self, status: int, code: str, message: str, fields: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields = dict(fields or {})
