"""Signatures, locks, source data verification and queries in the read models."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Handler = Callable[[Any, int, Any], None]


def handlers() -> dict[type, Handler]:
    return {}
