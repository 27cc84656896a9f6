"""The composition root: builds the Trial application from settings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from edc.application import Trial, utc_now
from edc.audit import anchors
from edc.config import Settings


def build_trial(
    settings: Settings | None = None,
    *,
    clock: Callable[[], datetime] = utc_now,
    draw: Callable[[], float] | None = None,
    new_id: Callable[[], UUID] | None = None,
) -> Trial:
    settings = settings or Settings.from_environ()
    kwargs = {"new_id": new_id} if new_id else {}
    trial = Trial(settings.event_store_env(), clock=clock, draw=draw, **kwargs)
    # Every head it commits is also anchored outside the store.
    anchors.attach(trial, settings)
    return trial
