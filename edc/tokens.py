"""API tokens: made here (random), stored by the User aggregate only as a sha256.

Format: `edc_<user id hex>_<token id>_<secret>`. The user id in the token finds the account with
one aggregate load (cached, fast-forwarded from the store), so checking a token needs no index
of all tokens and sees a revocation made by any other process at once. The secret (32 random
bytes) is what proves possession; the id parts are not secret. A plain sha256 suffices because
the secret is random, not chosen by a person (argon2 is for passwords).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from uuid import UUID

PREFIX = "edc"
_SEPARATOR = "_"


@dataclass(frozen=True)
class NewToken:
    token: str
    token_id: str
    token_hash: str


@dataclass(frozen=True)
class TokenParts:
    user_id: UUID
    token_id: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(user_id: UUID) -> NewToken:
    token_id = secrets.token_hex(6)
    token = _SEPARATOR.join((PREFIX, user_id.hex, token_id, secrets.token_urlsafe(32)))
    return NewToken(token=token, token_id=token_id, token_hash=token_hash(token))


def parse_token(token: str) -> TokenParts | None:
    """The account and token id a token claims, or None if it is not one of ours."""
    parts = token.split(_SEPARATOR, 3)
    if len(parts) != 4 or parts[0] != PREFIX or len(token) > 200:
        return None
    try:
        user_id = UUID(hex=parts[1])
    except ValueError:
        return None
    if not parts[2].isalnum() or not parts[3]:
        return None
    return TokenParts(user_id=user_id, token_id=parts[2])


def hash_matches(stored_hash: str, token: str) -> bool:
    """Constant-time comparison, so response times do not reveal how much of a hash matched."""
    return hmac.compare_digest(stored_hash, token_hash(token))
