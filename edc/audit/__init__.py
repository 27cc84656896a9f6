"""The audit trail's tamper evidence (a hash chain over the stored events) and its rendering."""

from edc.audit.chain import ChainHead, VerifyResult, head, head_at, seal, verify
from edc.audit.links import ChainBroken
from edc.audit.store import ChainUnavailable

__all__ = [
    "ChainBroken",
    "ChainHead",
    "ChainUnavailable",
    "VerifyResult",
    "head",
    "head_at",
    "seal",
    "verify",
]
