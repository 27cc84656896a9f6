"""Security headers on every response, and the CSRF check on every state-changing request."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping

from aiohttp import web
from aiohttp_session import Session, get_session

from web.handler import Handler
from web.keys import AUTH, CONFIG
from web.refusal import ApiError

# No inline script or style anywhere: everything comes from /static.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; connect-src 'self'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # The weekly report link carries its token in the path: never send it on as a referrer.
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_FIELD = "csrf_token"
# The page a post form was shown on, next to its token: where the login after a save on an
# ended session leads back to (web.unsaved).
FROM_PAGE_FIELD = "from_page"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
CSRF_HEADER = "X-CSRF-Token"
# The inbound-SMS endpoint is called by the SMS gateway, not a browser; it has its own secret.
CSRF_EXEMPT_PREFIXES = ("/sms/",)


# Sent only when the site says it is served over TLS (EDC_SECURE_COOKIES): over plain HTTP on
# loopback the header would be ignored, and behind TLS it keeps browsers from ever going back.
HSTS = "max-age=31536000"


def _secure(response: web.StreamResponse, path: str, tls: bool) -> None:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if tls:
        response.headers["Strict-Transport-Security"] = HSTS
    # Clinical pages and API answers must not linger in caches; static assets may.
    if not path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    tls = request.app[CONFIG].secure_cookies
    try:
        response = await handler(request)
    except web.HTTPException as http:
        _secure(http, request.path, tls)
        raise
    _secure(response, request.path, tls)
    return response


def csrf_token(session: Session) -> str:
    token = session.get("csrf")
    if not isinstance(token, str):
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def from_page(request: web.Request, post: Mapping[str, object]) -> str:
    """The page a post came from: the one its form names, else the address posted to."""
    page = post.get(FROM_PAGE_FIELD)
    return page if isinstance(page, str) and page.startswith("/") else request.path


def token_matches(session: Session, sent: object) -> bool:
    """Whether `sent` is the session's CSRF token."""
    expected = session.get("csrf")
    return (
        isinstance(expected, str)
        and isinstance(sent, str)
        and bool(sent)
        and hmac.compare_digest(sent, expected)
    )


async def _sent_token(request: web.Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.content_type in FORM_TYPES:
        value = (await request.post()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


@web.middleware
async def csrf_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Unsafe requests from a browser session must carry the session's token.

    Bearer-token API calls are exempt: a browser never attaches that header by itself.
    """
    if (
        request.method in UNSAFE_METHODS
        and request.get(AUTH) != "bearer"
        and not request.path.startswith(CSRF_EXEMPT_PREFIXES)
    ):
        session = await get_session(request)
        if not token_matches(session, await _sent_token(request)):
            raise ApiError(
                403,
                "forbidden",
                "The form has expired or did not come from this site; reload it and try again.",
            )
    return await handler(request)
