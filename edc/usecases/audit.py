"""Audit use cases: a participant's trail, an item's history, a record as it stood, the whole trail.

All reading is from the stored event sequence itself (the event store is the audit trail), in
notification order. Blinded readers get blinded-safe events only (domain.blinding), chosen by
topic before anything is decoded, so nothing arm-revealing is even read on their behalf.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic

from domain.actor import Actor
from domain.allocation import Allocation
from domain.arm_revealing import arm_revealing_record_id
from domain.blinding import BLINDED_SAFE_TOPICS, CLASSIFICATION, is_blinded_safe
from domain.chain_migration import ChainMigration
from domain.crf import ITEMS
from domain.errors import EdcError, FormInvalid, NotFound, PermissionDenied
from domain.participant import Participant
from domain.protocol import ARM_REVEALING_FORMS, FORM_LABELS, FORMS
from domain.refusal_log import CommandRefused
from domain.site_register import SiteRegister
from domain.wording import Label, Message, Word
from edc.audit.reading import (
    aggregate_notifications,
    notifications_concerning,
    participant_linked_topics,
    scan,
    scan_back,
)
from edc.audit.rendering import (
    event_type_choices,
    event_type_name,
    render_event,
    sheet_of,
    utc_iso,
)
from edc.audit.store import chain_recorder
from edc.base import TrialBase
from edc.permissions import Action, authorize, check_blind, may, site_scope
from edc.presenters import participant_view
from edc.refusals import logs_refusals

MAX_PAGE = 1000
# How many stored events one call of `global_trail` reads at most: a very selective filter
# returns fewer rows with `next` set, and the caller continues from there.
SCAN_BUDGET = 50_000
_CONTEXT_FIELDS = ("form", "key")
REFUSAL_TOPIC = get_topic(CommandRefused)
NUMBER_TOPIC = get_topic(SiteRegister.NumberIssued)


class TrailFilter:
    """What the whole trail is narrowed to, beyond user, type and dates: a participant, a form,
    an item (checked against the forms the reader may see before anything is read)."""

    def __init__(
        self,
        actor: Actor,
        participant: UUID | None = None,
        form: str | None = None,
        item: str | None = None,
    ) -> None:
        check_blind(actor, form)
        if form is not None and form not in FORMS:
            raise NotFound(Message("There is no form called %(form)s.", form=repr(form)))
        if item is not None:
            forms = [form] if form else [f for f in FORMS if may_see_form(actor, f)]
            if not any(item in {spec.name for spec in ITEMS.get(f, ())} for f in forms):
                # An item of a form the reader may not see is answered as one that does not
                # exist: the answer is the same whether the item was ever entered or not.
                if form:
                    raise NotFound(
                        Message(
                            "The %(form)s form has no item %(item)s.",
                            form=Label(FORM_LABELS[form]),
                            item=repr(item),
                        )
                    )
                raise NotFound(Message("There is no item %(item)s.", item=repr(item)))
        self.participant, self.form, self.item = participant, form, item

    def matches(self, event: Any, attributes: dict[str, Any], subject: UUID | None) -> bool:
        if self.participant is not None and subject != self.participant:
            return False
        if self.form is not None and (sheet_of(event, attributes) or "").split(":")[0] != (
            self.form
        ):
            return False
        return self.item is None or self.item in _items_named(attributes)


def may_see_form(actor: Actor, form: str) -> bool:
    """Whether a reader may see a form at all (blinded accounts: no arm-revealing form)."""
    try:
        check_blind(actor, form)
    except PermissionDenied:
        return False
    return True


def trail_filter_choices(actor: Actor) -> dict[str, list[tuple[str, str]]]:
    """What a reader may narrow the trail to, with the words to show: the event types they
    may read, the forms they may see and those forms' items."""
    forms = [form for form in FORMS if may_see_form(actor, form)]
    return {
        "types": event_type_choices(
            cls for cls in CLASSIFICATION if _readable(actor, get_topic(cls))
        ),
        "forms": [(form, FORM_LABELS[form]) for form in forms],
        "items": sorted({(spec.name, spec.label) for form in forms for spec in ITEMS[form]}),
    }


def _items_named(attributes: dict[str, Any]) -> set[str]:
    named: set[str] = set()
    for field in ("changes", "items"):
        values = attributes.get(field)
        if isinstance(values, dict):
            named.update(str(name) for name in values)
    if isinstance(attributes.get("item"), str):
        named.add(attributes["item"])
    return named


class AuditUseCases(TrialBase):
    def record_chain_migration(
        self,
        actor: Actor,
        reason: str,
        heads: tuple[str, str],
        resealed_from: int,
        links_resealed: int,
    ) -> None:
        """The operator's migration of the chain to the current format, in the trail."""
        migration = ChainMigration.reseal(
            self.new_id(), actor, reason, heads, resealed_from, links_resealed, self.clock()
        )
        self.save(migration)

    @logs_refusals
    def participant_trail(self, actor: Actor, participant_id: UUID) -> list[dict[str, Any]]:
        """Every event about one participant, in order, as audit rows."""
        participant = self._participant(participant_id)
        authorize(actor, Action.VIEW_AUDIT, site=participant.site)
        return [
            render_event(event, n.id, context)
            for n, event, context in self._participant_events(actor, participant_id)
        ]

    @logs_refusals
    def item_history(
        self, actor: Actor, participant_id: UUID, form: str, item: str
    ) -> list[dict[str, Any]]:
        """Every value one item had: old -> new, who, role, site, UTC time and reason."""
        check_blind(actor, form)
        if form not in FORMS:
            raise NotFound(Message("There is no form called %(form)s.", form=repr(form)))
        participant = self._participant(participant_id)
        authorize(actor, Action.VIEW_AUDIT, site=participant.site)
        if item not in {spec.name for spec in ITEMS.get(form, ())}:
            raise NotFound(
                Message(
                    "The %(form)s form has no item %(item)s.",
                    form=Label(FORM_LABELS[form]),
                    item=repr(item),
                )
            )
        history: list[dict[str, Any]] = []
        holder = (
            arm_revealing_record_id(participant_id)
            if form in ARM_REVEALING_FORMS
            else participant_id
        )
        for n in self._visible(actor, aggregate_notifications(self, holder)):
            row = render_event(self.mapper.to_domain_event(n), n.id)
            for change in row["changes"]:
                sheet = change["form"] or ""
                if change["item"] != item or sheet.split(":")[0] != form:
                    continue
                if change["old"] is None and change["new"] is None:
                    continue
                history.append(
                    {
                        "position": row["position"],
                        "time": row["time"],
                        "type": row["type"],
                        "words": row["words"],
                        "form": sheet,
                        "item": item,
                        "old": change["old"],
                        "new": change["new"],
                        "user": row["user"],
                        "role": row["role"],
                        "site": row["site"],
                        "reason": row["reason"],
                    }
                )
        return history

    @logs_refusals
    def participant_as_of(
        self,
        actor: Actor,
        participant_id: UUID,
        at: datetime | None = None,
        position: int | None = None,
    ) -> dict[str, Any]:
        """The participant as they stood at a UTC time and/or a notification position."""
        if at is None and position is None:
            raise EdcError("Say when: give a time or an event position.")
        if at is not None and at.tzinfo is None:
            raise EdcError("The time needs a time zone, e.g. 2024-01-15T10:00:00+01:00.")
        if position is not None and position < 0:
            raise EdcError("An event position is a whole number from 0.")
        check_as_of_not_ahead(self, position)
        participant = self._participant(participant_id)
        authorize(actor, Action.VIEW_AUDIT, site=participant.site)
        chosen: Notification | None = None
        chosen_time: datetime | None = None
        for n in aggregate_notifications(self, participant_id):
            moment: datetime = _event(self, n).timestamp
            if (position is not None and n.id > position) or (at is not None and moment > at):
                break
            chosen, chosen_time = n, moment
        if chosen is None or chosen_time is None:
            raise NotFound("The participant had not been screened yet at that point.")
        then: Participant = self.repository.get(participant_id, version=chosen.originator_version)
        arm = None if actor.blinded else self._arm_as_of(participant_id, position, at)
        view = participant_view(then, blinded=actor.blinded, arm=arm)
        view["as_of"] = {
            "position": chosen.id,
            "version": chosen.originator_version,
            "time": utc_iso(chosen_time),
        }
        return view

    @logs_refusals
    def global_trail(
        self,
        actor: Actor,
        since: int = 0,
        limit: int = 100,
        user: str | None = None,
        event_type: str | None = None,
        date_from: datetime | None = None,
        date_to: datetime | None = None,
        *,
        participant: str | None = None,
        form: str | None = None,
        item: str | None = None,
        newest_first: bool = False,
        before: int | None = None,
        located: Iterable[int] | None = None,
    ) -> dict[str, Any]:
        """The whole trail after position `since`, filtered, in pages of at most `limit`.

        Oldest first, `next` is the position to pass as `since` for the following page; newest
        first (from before position `before`), it is the one to pass as `before`. None at the
        end. `participant` is a participant's id or screening number. Each row names the
        participant it concerns (`participant_id`, `screening_number`). `located` may give the
        positions, in the page's order, of the events an index says may match (the read
        models' audit index): only those are read, and each is checked like any other.
        """
        authorize(actor, Action.VIEW_AUDIT)
        if not 1 <= limit <= MAX_PAGE:
            message = Message("A page holds 1 to %(limit)s events.", limit=MAX_PAGE)
            raise FormInvalid({"limit": message}, message)
        for name, value in (("since", since), ("before", before)):
            if value is not None and value < 0:
                message = Message(
                    "`%(name)s` is an event position, a whole number from 0.", name=name
                )
                raise FormInvalid({name: message}, message)
        for moment in (date_from, date_to):
            if moment is not None and moment.tzinfo is None:
                raise EdcError("Dates in a filter need a time zone.")
        narrowed = TrailFilter(actor, self._participant_named(participant), form, item)
        if narrowed.participant is not None:
            named = self._participant(narrowed.participant)
            authorize(actor, Action.VIEW_AUDIT, site=named.site)
        topics = self._trail_topics(actor, event_type)
        head = self.recorder.max_notification_id() or 0
        upper = head if before is None else min(before - 1, head)
        if since >= upper:
            # Nothing in the range (and no position past what SQL integers hold).
            return {"events": [], "next": None}
        scope = site_scope(actor)
        site_ids = None if scope is None else set(self.participant_ids(scope))
        subjects = _Subjects(self)
        candidates: Iterable[Notification]
        # Newest first reads back at most the scan budget's worth of positions per page.
        scanning_back = newest_first and narrowed.participant is None and located is None
        floor = max(since, upper - SCAN_BUDGET) if scanning_back else since
        if narrowed.participant is not None:
            # One participant's events are found by their locator, not by reading the store.
            found = [
                n
                for n, _, _ in self._participant_events(actor, narrowed.participant)
                if since < n.id <= upper and (not topics or n.topic in topics)
            ]
            candidates = reversed(found) if newest_first else found
        elif located is not None and hasattr(self.recorder, "notifications_at"):
            candidates = _notifications_at(
                self, (p for p in located if since < p <= upper), newest_first
            )
        elif newest_first:
            candidates = scan_back(self, upper + 1, topics, lowest=floor + 1)
        else:
            candidates = scan(self, since, topics, page=min(max(limit * 2, 100), MAX_PAGE))
        rows: list[dict[str, Any]] = []
        scanned, last, exhausted = 0, since, True
        for n in candidates:
            scanned, last = scanned + 1, n.id
            if _readable(actor, n.topic):
                event = self.mapper.to_domain_event(n)
                subject, context = subjects.of(n, event)
                # Form and item are the event's own (as the audit index has them), so the
                # answer is the same whichever way the events were found.
                if _matches(event, user, date_from, date_to, actor, site_ids) and (
                    narrowed.matches(event, vars(event), subject)
                ):
                    row = render_event(event, n.id, context)
                    row["participant_id"] = str(subject) if subject else None
                    row["screening_number"] = subjects.number(subject)
                    rows.append(row)
            if len(rows) >= limit or scanned >= SCAN_BUDGET:
                exhausted = False
                break
        if newest_first and exhausted and floor > since:
            exhausted, last = False, floor + 1
        if newest_first and not exhausted and last <= since + 1:
            exhausted = True
        return {"events": rows, "next": None if exhausted else last}

    def _participant_named(self, text: str | None) -> UUID | None:
        """A participant given by id or screening number (None when not given)."""
        if text is None or not text.strip():
            return None
        text = text.strip()
        try:
            return UUID(text)
        except ValueError:
            pass
        for n in scan(self, 0, [NUMBER_TOPIC]):
            event = _event(self, n)
            if event.screening_number.lower() == text.lower():
                found: UUID = event.participant_id
                return found
        raise NotFound(Message("There is no participant %(text)s.", text=repr(text)))

    # ---- internals ------------------------------------------------------------------------

    def _participant_events(
        self, actor: Actor, participant_id: UUID
    ) -> list[tuple[Notification, Any, dict[str, Any]]]:
        """The participant's own events and those of other aggregates that name them."""
        found: dict[int, tuple[Notification, Any, dict[str, Any]]] = {}
        for n in self._visible(actor, aggregate_notifications(self, participant_id)):
            found[n.id] = (n, self.mapper.to_domain_event(n), {})
        for n, event in self._naming(actor, participant_id):
            found.setdefault(n.id, (n, event, {}))
            if event.originator_version == 1 and event.originator_id != participant_id:
                # An aggregate created about this participant (a query): all of it concerns
                # them, and its later events inherit the form it is about.
                context = {f: getattr(event, f) for f in _CONTEXT_FIELDS if hasattr(event, f)}
                for later in self._visible(actor, aggregate_notifications(self, n.originator_id)):
                    if later.id not in found:
                        found[later.id] = (later, self.mapper.to_domain_event(later), context)
        return [found[position] for position in sorted(found)]

    def _naming(self, actor: Actor, participant_id: UUID) -> Iterator[tuple[Notification, Any]]:
        """Events of other aggregates that name the participant (allocation, screening log...)."""
        located = notifications_concerning(self, participant_id)
        if located is not None:
            candidates: Iterable[Notification] = (n for n in located if _readable(actor, n.topic))
        else:
            topics = [t for t in participant_linked_topics() if _readable(actor, t)]
            candidates = scan(self, 0, topics) if topics else iter(())
        for n in candidates:
            if n.originator_id == participant_id:
                continue
            event = self.mapper.to_domain_event(n)
            if getattr(event, "participant_id", None) == participant_id:
                yield n, event

    @staticmethod
    def _visible(actor: Actor, notifications: Sequence[Notification]) -> list[Notification]:
        return [n for n in notifications if _readable(actor, n.topic)]

    def _arm_as_of(
        self, participant_id: UUID, position: int | None, at: datetime | None
    ) -> str | None:
        topic = get_topic(Allocation.Allocated)
        located = notifications_concerning(self, participant_id)
        candidates = located if located is not None else scan(self, 0, [topic])
        for n in candidates:
            if n.topic != topic:
                continue
            if position is not None and n.id > position:
                return None
            event = _event(self, n)
            if event.participant_id == participant_id:
                if at is not None and event.timestamp > at:
                    return None
                arm: str = event.decision["arm"]
                return arm
        return None

    @staticmethod
    def _trail_topics(actor: Actor, event_type: str | None) -> tuple[str, ...]:
        """Topics to read: () means all, for unblinded readers without a type filter."""
        if event_type is None:
            if actor.blinded:
                return tuple(t for t in BLINDED_SAFE_TOPICS if _readable(actor, t))
            return ()
        wanted = event_type.strip().lower()
        classes = [
            cls
            for cls in CLASSIFICATION
            if wanted in (event_type_name(cls).lower(), cls.__name__.lower())
        ]
        if not classes:
            known = ", ".join(sorted(event_type_name(cls) for cls in CLASSIFICATION))
            raise EdcError(
                Message(
                    "Unknown event type %(type)s; known types: %(known)s.",
                    type=repr(event_type),
                    known=known,
                )
            )
        topics = tuple(get_topic(cls) for cls in classes)
        if actor.blinded and not any(is_blinded_safe(t) for t in topics):
            raise PermissionDenied(
                Message(
                    "Blinded users may not see %(type)s events: they reveal the arm.",
                    type=event_type,
                )
            )
        topics = tuple(t for t in topics if _readable(actor, t))
        if not topics:
            raise PermissionDenied(
                Message(
                    "Your role (%(role)s) may not see %(type)s events.",
                    role=Word(actor.role),
                    type=event_type,
                )
            )
        return topics


def _notifications_at(
    app: TrialBase, positions: Iterable[int], newest_first: bool, chunk: int = 200
) -> Iterator[Notification]:
    """The stored events at positions given in order, read a chunk at a time."""
    recorder = chain_recorder(app)
    pending: list[int] = []
    for position in positions:
        pending.append(position)
        if len(pending) == chunk:
            found = recorder.notifications_at(pending)
            yield from reversed(found) if newest_first else found
            pending = []
    if pending:
        found = recorder.notifications_at(pending)
        yield from reversed(found) if newest_first else found


def _readable(actor: Actor, topic: str) -> bool:
    """Blinded readers get blinded-safe events only; the refusal log needs its own right."""
    if actor.blinded and not is_blinded_safe(topic):
        return False
    return topic != REFUSAL_TOPIC or may(actor, Action.VIEW_REFUSALS)


def _event(app: TrialBase, n: Notification) -> Any:
    """The domain event of a stored one, typed loosely: audit reads attributes generically."""
    return app.mapper.to_domain_event(n)


def _matches(
    event: Any,
    user: str | None,
    date_from: datetime | None,
    date_to: datetime | None,
    reader: Actor,
    site_ids: set[UUID] | None,
) -> bool:
    actor = getattr(event, "actor", None) or {}
    if user is not None and actor.get("user") != user:
        return False
    if date_from is not None and event.timestamp < date_from:
        return False
    if date_to is not None and event.timestamp > date_to:
        return False
    if site_ids is not None:
        # Site roles see what concerns their site's participants, or was done at their site.
        concerns = {event.originator_id, getattr(event, "participant_id", None)}
        return bool(concerns & site_ids) or actor.get("site") == reader.site
    return True


def check_as_of_not_ahead(app: Any, position: int | None) -> None:
    """An `as_of` position beyond the latest event is refused, not answered with the current
    state: that answer would silently change as events arrive. (A time after the latest event
    is a moment like any other: nothing had changed since.)"""
    if position is not None:
        head = app.recorder.max_notification_id() or 0
        if position > head:
            message = Message(
                "as_of %(position)s is beyond the latest event position (%(head)s).",
                position=position,
                head=head,
            )
            raise FormInvalid({"as_of": message}, message)


class _Subjects:
    """Which participant each event concerns, and their screening numbers, read once per page.

    A participant's own events name them by aggregate; others name them (`participant_id`) or
    belong to an aggregate created about them (a query), whose later events inherit its form.
    """

    def __init__(self, app: TrialBase) -> None:
        self.app = app
        self._first: dict[UUID, Any] = {}
        self._numbers: dict[UUID, str | None] = {}

    def of(self, n: Notification, event: Any) -> tuple[UUID | None, dict[str, Any]]:
        if isinstance(event, Participant.Event):
            return event.originator_id, {}
        named = getattr(event, "participant_id", None)
        if isinstance(named, UUID):
            return named, {}
        first = self._first_event(UUID(str(n.originator_id)))
        named = getattr(first, "participant_id", None)
        if not isinstance(named, UUID):
            return None, {}
        fields = (*_CONTEXT_FIELDS, "item")
        return named, {f: getattr(first, f) for f in fields if hasattr(first, f)}

    def number(self, participant_id: UUID | None) -> str | None:
        if participant_id is None:
            return None
        if participant_id not in self._numbers:
            first = self._first_event(participant_id)
            number = getattr(first, "screening_number", None)
            self._numbers[participant_id] = number if isinstance(number, str) else None
        return self._numbers[participant_id]

    def _first_event(self, originator_id: UUID) -> Any:
        if originator_id not in self._first:
            stored = self.app.recorder.select_events(originator_id, limit=1)
            self._first[originator_id] = (
                self.app.mapper.to_domain_event(stored[0]) if stored else None
            )
        return self._first[originator_id]
