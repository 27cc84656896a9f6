"""Turn a PostgreSQL connection URL into the settings ``eventsourcing.postgres`` reads.

``postgresql://user:secret@db.example:5433/edc`` becomes::

    {"PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": "edc",
     "POSTGRES_HOST": "db.example", "POSTGRES_PORT": "5433",
     "POSTGRES_USER": "user", "POSTGRES_PASSWORD": "secret"}

Only what those keys can carry is accepted: one host, a user, a database name, an
optional password and port. Query parameters (``?sslmode=...``), several hosts, or a
missing user, host or database name raise ``ValueError`` rather than being dropped
without a word.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

__all__ = ["DEFAULT_PORT", "postgres_env"]

DEFAULT_PORT = "5432"
_SCHEMES = ("postgresql", "postgres")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _fail(url: str, problem: str) -> ValueError:
    # Never echo the password back into an error message or a log.
    return ValueError(
        f"malformed PostgreSQL URL {_redact(url)!r}: {problem} "
        "(expected postgresql://USER[:PASSWORD]@HOST[:PORT]/DBNAME)"
    )


def _redact(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep:
        return "<not a URL>"
    netloc, slash, path = rest.partition("/")
    userinfo, at, hostport = netloc.rpartition("@")
    if at and ":" in userinfo:
        userinfo = userinfo.split(":", 1)[0] + ":***"
    return f"{scheme}{sep}{userinfo}{at}{hostport}{slash}{path}"


def _decode(url: str, part: str, what: str) -> str:
    if _BAD_ESCAPE.search(part):
        raise _fail(url, f"bad percent-escape in the {what}")
    try:
        return unquote(part, errors="strict")
    except UnicodeDecodeError:
        raise _fail(url, f"the {what} does not decode as UTF-8") from None


def postgres_env(url: str) -> dict[str, str]:
    """Return the eventsourcing environment for the PostgreSQL database at ``url``.

    The password is ``""`` when the URL has none and the port is ``"5432"`` when the
    URL has none. Percent-encoded parts are decoded (``%40`` -> ``@``). Raise
    ``ValueError`` for anything that is not such a URL.
    """
    if not isinstance(url, str):
        raise TypeError(f"postgres_env() needs a str URL, not {type(url).__name__}")
    url = url.strip()
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in _SCHEMES:
        raise _fail(url, "the scheme must be postgresql:// or postgres://")
    if "?" in rest or "#" in rest:
        raise _fail(url, "query parameters and fragments are not supported")

    netloc, slash, path = rest.partition("/")
    # rpartition: an unescaped "@" in the password still leaves the host intact.
    userinfo, at, hostport = netloc.rpartition("@")
    if not at or not userinfo:
        raise _fail(url, "no user name")
    raw_user, _, raw_password = userinfo.partition(":")
    user = _decode(url, raw_user, "user name")
    password = _decode(url, raw_password, "password")
    if not user:
        raise _fail(url, "no user name")

    if hostport.startswith("["):  # IPv6 literal: [::1]:5432
        close = hostport.find("]")
        if close == -1:
            raise _fail(url, "unclosed '[' in the host")
        raw_host, after = hostport[1:close], hostport[close + 1 :]
        if after and not after.startswith(":"):
            raise _fail(url, "unexpected text after the IPv6 address")
        raw_port = after[1:]
        has_port = bool(after)
    else:
        raw_host, colon, raw_port = hostport.partition(":")
        has_port = bool(colon)
    if "," in raw_host or "," in raw_port:
        raise _fail(url, "several hosts are not supported")
    host = _decode(url, raw_host, "host")
    if not host:
        raise _fail(url, "no host")

    if has_port and raw_port:  # "host:" with nothing after the colon means the default
        if not raw_port.isascii() or not raw_port.isdigit() or not 0 < int(raw_port) < 65536:
            raise _fail(url, f"the port must be a number from 1 to 65535, not {raw_port!r}")
        port = str(int(raw_port))
    else:
        port = DEFAULT_PORT

    if not slash or not path:
        raise _fail(url, "no database name")
    if "/" in path:
        raise _fail(url, "the path must be exactly one database name")
    dbname = _decode(url, path, "database name")
    if not dbname:
        raise _fail(url, "no database name")

    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": host,
        "POSTGRES_PORT": port,
        "POSTGRES_USER": user,
        "POSTGRES_PASSWORD": password,
    }
