"""Settings of the web layer: session secret, timeouts, size limits and the demo banner."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

# A whole form post is a few kilobytes; anything near this limit is not a form.
DEFAULT_MAX_BODY = 256 * 1024
DEFAULT_IDLE_TIMEOUT = 30 * 60


@dataclass(frozen=True)
class WebConfig:
    """How the web application behaves; `now` is injectable so tests can move time."""

    session_key: str
    demo: bool = False
    idle_timeout_s: int = DEFAULT_IDLE_TIMEOUT
    max_body: int = DEFAULT_MAX_BODY
    secure_cookies: bool = False
    # Shared with the SMS gateway; without it the inbound-SMS endpoint is switched off.
    sms_secret: str | None = None
    # Keys the digests of phone numbers (never stored); kept like the session key.
    phone_key: str = ""
    now: Callable[[], float] = field(default=time.time)
