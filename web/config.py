"""Settings of the web layer: session secret, timeouts, size limits and the demo banner."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# A whole form post is a few kilobytes; anything near this limit is not a form.
DEFAULT_MAX_BODY = 256 * 1024
DEFAULT_IDLE_TIMEOUT = 30 * 60
# However active, a session ends this long after its login.
DEFAULT_SESSION_LIFETIME = 12 * 3600


@dataclass(frozen=True)
class RateLimits:
    """How many requests a client may make, in the notation of the `limits` library
    ("10/minute", "100 per hour"); each limit is one count for every server process
    (`edc.rate_limit_store`)."""

    # Every login attempt (each costs an argon2 hash), per client address and per account name.
    login_per_address: str = "30/minute"
    login_per_account: str = "10/minute"
    # Refused API tokens, per client address and per account the token names.
    bad_token_per_address: str = "30/minute"
    bad_token_per_account: str = "30/minute"
    # The participant's weekly page (no login), per client address and per link.
    weekly_per_address: str = "60/minute"
    weekly_per_link: str = "30/minute"
    # Inbound SMS, per gateway secret sent and per phone number.
    sms_per_secret: str = "120/minute"
    sms_per_number: str = "10/hour"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> RateLimits:
        """EDC_RATE_LIMIT_<FIELD> (e.g. EDC_RATE_LIMIT_LOGIN_PER_ADDRESS=100/minute)."""
        given = {
            name: environ[f"EDC_RATE_LIMIT_{name.upper()}"]
            for name in cls.__dataclass_fields__
            if environ.get(f"EDC_RATE_LIMIT_{name.upper()}")
        }
        return cls(**given)


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
    session_lifetime_s: int = DEFAULT_SESSION_LIFETIME
    # Behind a reverse proxy the client's address is the last one in X-Forwarded-For; trust
    # the header only when such a proxy sets it (else any client could name any address).
    trust_forwarded_for: bool = False
    rate_limits: RateLimits = field(default_factory=RateLimits)
    # Whether this process keeps the read models caught up from a thread of its own; false
    # when another process follows the store (`edc serve --read-models process`), so that the
    # requests of this one do not share their interpreter with it.
    follow_read_models: bool = True


def security_settings_from_environ(environ: Mapping[str, str]) -> dict[str, Any]:
    """The session lifetime, proxy trust and rate limits as set in the environment."""
    settings: dict[str, Any] = {"rate_limits": RateLimits.from_environ(environ)}
    hours = environ.get("EDC_SESSION_LIFETIME_HOURS")
    if hours:
        settings["session_lifetime_s"] = int(float(hours) * 3600)
    trust = environ.get("EDC_TRUST_FORWARDED_FOR", "")
    settings["trust_forwarded_for"] = trust.lower() in ("1", "yes", "true")
    return settings
