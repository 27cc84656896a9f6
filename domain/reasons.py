"""Reasons for change: required whenever an existing value is changed (Part 11, ICH E6 4.2.4)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from domain.errors import ReasonRequired
from domain.protocol import ReasonCode
from domain.text import normalise_line_breaks, text_problem
from domain.wording import Message

MAX_REASON_TEXT = 500


@dataclass(frozen=True)
class Reason:
    """A coded reason for change; text is required for `other` and optional otherwise."""

    code: ReasonCode
    text: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code.value, "text": self.text}

    @classmethod
    def parse(cls, data: Mapping[str, Any] | None) -> Reason | None:
        """Parse a reason given as `{"code": ..., "text": ...}`; None stays None."""
        if data is None:
            return None
        if not isinstance(data, Mapping):
            raise ReasonRequired("The reason must have a code and, for 'other', a text.")
        code, text = data.get("code"), data.get("text") or ""
        if not isinstance(text, str) or len(text) > MAX_REASON_TEXT:
            raise ReasonRequired(
                Message(
                    "The reason text must be at most %(limit)s characters.", limit=MAX_REASON_TEXT
                )
            )
        try:
            reason_code = ReasonCode(str(code))
        except ValueError:
            allowed = ", ".join(c.value for c in ReasonCode)
            raise ReasonRequired(
                Message(
                    "Unknown reason code %(code)s; use one of: %(allowed)s.",
                    code=repr(code),
                    allowed=allowed,
                )
            ) from None
        problem = text_problem(text, multiline=True)
        if problem is not None:
            raise ReasonRequired(
                Message("The reason text: %(problem)s", problem=problem), fields={"reason": problem}
            )
        if reason_code is ReasonCode.OTHER and not text.strip():
            raise ReasonRequired("A reason coded 'other' needs a text explaining it.")
        return cls(reason_code, normalise_line_breaks(text).strip())


def changed_items(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Items whose value differs, as item -> [old, new], in the new form's item order."""
    return {item: [old.get(item), value] for item, value in new.items() if old.get(item) != value}


def items_needing_reason(changes: Mapping[str, list[Any]]) -> list[str]:
    """Changes that overwrite an existing value; filling an empty item needs no reason."""
    return [item for item, (old, _new) in changes.items() if old is not None]
