"""Recording refused actions: `@logs_refusals` on use cases, and the log they write to.

Design: one `EventSourcedLog` (eventsourcing.application) with a fixed id, in the trial's own
event store. Unlike an aggregate it is never replayed into state: appending reads only the last
record (one indexed query) and readers page through it by position, so it can grow for the
whole trial without making anything slower. Records are saved apart from the refused command
(which stored nothing), so normal saves do not touch it; two refusals racing for the same
position are retried like any other write conflict. Being in the same store, the records are
covered by the audit hash chain. (A log per day would spread writers over more rows, but it
makes readers hop across days and refusals are rare enough that one sequence does not contend.)
"""

from __future__ import annotations

import functools
import inspect
import weakref
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar

from eventsourcing.application import EventSourcedLog

from domain.actor import Actor
from domain.errors import EdcError
from domain.refusal_log import REFUSAL_LOG_ID, CommandRefused, refusal_fields
from domain.text import refused_replaced
from domain.wording import message_record
from edc.base import TrialBase
from edc.concurrency import retry_on_conflict
from edc.refusal_summaries import SUMMARY_WHO, AnonymousRefusals, Summary

P = ParamSpec("P")
R = TypeVar("R")

# Set while a logged command runs, so a logged command calling another (record_mri ->
# record_form, list_participants -> get_participant) records one refusal, not two.
_inside_logged_command: ContextVar[bool] = ContextVar("inside_logged_command", default=False)


def refusal_log(app: TrialBase) -> EventSourcedLog[CommandRefused]:
    return EventSourcedLog(app.events, REFUSAL_LOG_ID, CommandRefused)


_anonymous: weakref.WeakKeyDictionary[TrialBase, AnonymousRefusals] = weakref.WeakKeyDictionary()


def anonymous_refusals(app: TrialBase) -> AnonymousRefusals:
    """The counting of anonymous refusals of this application (edc.refusal_summaries)."""
    counts = _anonymous.get(app)
    if counts is None:
        counts = _anonymous.setdefault(app, AnonymousRefusals())
    return counts


def record_refusal(
    app: TrialBase,
    actor: Mapping[str, Any],
    command: str,
    arguments: Mapping[str, Any],
    error: EdcError,
) -> None:
    """Append one refusal to the log, at the application's time. A refusal of an anonymous
    client (no role) may only be counted, to be summarised later (edc.refusal_summaries)."""
    at = app.clock()
    fields = refusal_fields(command, arguments, error)
    if actor.get("role") is None:
        counts = anonymous_refusals(app)
        _save_summaries(app, counts.due())
        name = str(actor.get("user", "?"))
        if not counts.note(command, fields["code"], name, at):
            return
    _append(app, at, dict(actor), fields)


def flush_refusal_summaries(app: TrialBase, *, everything: bool = False) -> int:
    """Write the summaries of anonymous refusals whose window is over (all of them when
    `everything`, e.g. at shutdown); returns how many were written."""
    summaries = anonymous_refusals(app).due(everything=everything)
    _save_summaries(app, summaries)
    return len(summaries)


def _save_summaries(app: TrialBase, summaries: list[Summary]) -> None:
    for summary in summaries:
        message = summary.message()
        msgid, params = message_record(message) or (str(message), {})
        fields = {
            "command": summary.command,
            "target": summary.target(),
            "code": summary.code,
            "message": str(message),
            "items": [],
            "message_id": msgid,
            "message_params": params,
        }
        _append(app, summary.last, anonymous(SUMMARY_WHO), fields)


@retry_on_conflict
def _append(app: TrialBase, at: Any, actor: dict[str, Any], fields: dict[str, Any]) -> None:
    last = refusal_log(app).get_last()
    app.save(
        CommandRefused(
            originator_id=REFUSAL_LOG_ID,
            originator_version=1 if last is None else last.originator_version + 1,
            timestamp=at,
            actor=actor,
            **fields,
        )
    )


def anonymous(attempted_user: str) -> dict[str, Any]:
    """The 'who' of a refusal made before anyone was authenticated."""
    return {"user": refused_replaced(attempted_user[:100]), "role": None, "site": None}


def logs_refusals(command: Callable[P, R]) -> Callable[P, R]:
    """Record every EdcError the use case raises (who, what, when, why), then re-raise it.

    For methods `(self, actor, ...)` of a TrialBase; put it above `@retry_on_conflict`, so a
    command that gave up after repeated write conflicts is logged too.
    """
    return _logged(command, None)


def logs_refusals_as(who: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """`@logs_refusals` for commands made without an account (a participant's report link):
    `who` says who it was in the log, e.g. "participant (report link)"."""

    def decorate(command: Callable[P, R]) -> Callable[P, R]:
        return _logged(command, who)

    return decorate


def _logged(command: Callable[P, R], anonymous_who: str | None) -> Callable[P, R]:
    signature = inspect.signature(command)
    parameters = list(signature.parameters)
    if parameters[:1] != ["self"] or (anonymous_who is None and parameters[1:2] != ["actor"]):
        raise TypeError(f"@logs_refusals needs (self, actor, ...), not {command.__qualname__}")

    @functools.wraps(command)
    def logged(*args: P.args, **kwargs: P.kwargs) -> R:
        if _inside_logged_command.get():
            return command(*args, **kwargs)
        token = _inside_logged_command.set(True)
        try:
            return command(*args, **kwargs)
        except EdcError as error:
            bound = signature.bind_partial(*args, **kwargs)
            app, actor = bound.arguments["self"], bound.arguments.get("actor")
            if isinstance(actor, Actor) and anonymous_who is None:
                who = actor.as_dict()
            else:
                who = anonymous(anonymous_who or "?")
            record_refusal(app, who, command.__name__, bound.arguments, error)
            raise
        finally:
            _inside_logged_command.reset(token)

    return logged
