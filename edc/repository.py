"""The repository of the trial: a cache of aggregates kept up with the store by following it.

eventsourcing's `Repository.get` fast-forwards a cached aggregate by asking the store for its
newer events on every load, and deep-copies it after releasing the per-aggregate lock. Here:

- **Following the store.** The store's positions are read once per command attempt (outside a
  command: once per load) with one "what was stored after position N" query (`StoreFollower`).
  A cached aggregate is read again only when that query showed a version newer than the cached
  one, so a command on an aggregate nobody else changed reads nothing but that query. Another
  process (the CLI, another server) writing an aggregate is seen by the next command; a write
  committed after the query is caught inside the insert transaction (the store's version check
  for what the save writes, `edc.audit.preconditions` for what it read), and the retry then
  follows the store again. A command that takes its aggregate (below) skips the query on its
  first attempt: its insert checks everything it decided on, and an answer no insert checked
  (a refusal, or a save that stored nothing) is decided again after following the store.
- **Own saves.** After a commit, the application's new events are applied to the cached
  aggregates from their stored form (`note_recorded`), so the next load needs no read of what
  this process has just written, and the cache holds exactly what a replay of the store gives.
  An aggregate taken in place already holds them: the command applied them as it triggered them.
- **Copies.** The copy handed to a command is taken under the per-aggregate lock, so it
  excludes exactly the fast-forwards of that aggregate: reads that need no copy (a token's
  user, the database lock) never wait behind other requests. It is a structural copy of the
  aggregate's containers (`independent_copy`), sharing only immutable values. The lock helpers
  are the library's own (private in eventsourcing 9.5, pinned in constraints.txt).
- **Taken in place.** A command may instead `take` one aggregate: the cached one itself, its
  lock held until the command attempt ends (`edc.concurrency.Attempt`), so no other request
  reads it half changed. When the attempt ends the aggregate stays cached only if it is at a
  version known to be stored (the one taken, or the one this attempt's save committed), with
  nothing pending and no event's application cut short; otherwise it is evicted and the next
  load replays the store. A refused save therefore never leaves the cache changed.
- **Lock order.** A thread holds at most one taken aggregate, and takes it before any other
  aggregate's lock; while holding it, it only takes other aggregates' locks for the moment of
  a load or copy, and those moments wait for nothing. So no two threads can each wait for the
  other: only a taken aggregate's lock is held long, and its holder never waits for a lock
  held long. Commands that load several aggregates to change them keep taking copies.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, Repository
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Mapper, Notification
from eventsourcing.utils import strtobool

from edc.concurrency import current_attempt

# In the cache in place of an aggregate found missing (no event stored).
_ABSENT: Any = object()

# How many stored events one following query reads at most (it pages on after that).
FOLLOW_PAGE = 1000


class StoreFollower:
    """The newest version of each aggregate stored since following began, as far as read.

    `newest(id)` is only ever too high (the aggregate is then read again), never too low for
    an aggregate that is cached or being loaded: versions are noted for every stored event
    read, and forgotten only for aggregates neither cached nor being loaded.
    """

    def __init__(
        self,
        head: Callable[[], int | None],
        after: Callable[[int, int], Sequence[tuple[int, Any, int]]],
        cached: Callable[[Any], bool],
        keep: int,
    ) -> None:
        self._head, self._after, self._cached, self._keep = head, after, cached, keep
        self._lock = threading.Lock()
        self._position: int | None = None
        self._newest: dict[Any, int] = {}
        self._loading: dict[Any, int] = {}

    def catch_up(self) -> None:
        """Note the versions stored since the last call. The first call begins at the store's
        head: the repository caches nothing before it, so nothing before it matters."""
        with self._lock:
            if self._position is None:
                self._position = self._head() or 0
                return
            position = self._position
        while True:
            rows = self._after(position, FOLLOW_PAGE)
            if not rows:
                return
            with self._lock:
                for _position, aggregate_id, version in rows:
                    if version > self._newest.get(aggregate_id, 0):
                        self._newest[aggregate_id] = version
                position = rows[-1][0]
                if position > (self._position or 0):
                    self._position = position
                if len(self._newest) > self._keep:
                    self._forget()
            if len(rows) < FOLLOW_PAGE:
                return

    def newest(self, aggregate_id: Any) -> int:
        return self._newest.get(aggregate_id, 0)

    @property
    def begun(self) -> bool:
        """Whether following has begun: before, nothing may be cached (`catch_up`)."""
        return self._position is not None

    @contextmanager
    def loading(self, aggregate_id: Any) -> Iterator[None]:
        """While an aggregate is read from the store and put in the cache, its versions are
        kept even if it is not cached yet."""
        with self._lock:
            self._loading[aggregate_id] = self._loading.get(aggregate_id, 0) + 1
        try:
            yield
        finally:
            with self._lock:
                left = self._loading.pop(aggregate_id) - 1
                if left:
                    self._loading[aggregate_id] = left

    def _forget(self) -> None:
        self._newest = {
            key: version
            for key, version in self._newest.items()
            if key in self._loading or self._cached(key)
        }


class _Taken:
    """An aggregate a command attempt changes in place, and the version stored for it."""

    __slots__ = ("aggregate", "aggregate_id", "lock", "stored_version")

    def __init__(self, aggregate_id: Any, aggregate: Any, lock: threading.Lock) -> None:
        self.aggregate_id, self.aggregate, self.lock = aggregate_id, aggregate, lock
        self.stored_version: int = aggregate.version


class CopySafeRepository(Repository):
    def __init__(self, *args: Any, follower: StoreFollower | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.follower = follower
        self._held = threading.local()  # the aggregate this thread has taken, if any

    def _taken_here(self, aggregate_id: Any) -> _Taken | None:
        taken: _Taken | None = getattr(self._held, "taken", None)
        return taken if taken is not None and taken.aggregate_id == aggregate_id else None

    def take(self, aggregate_id: Any) -> Any:
        """The cached aggregate itself, for the running command attempt to change in place
        (outside a command, or without a following cache: a copy, as `get` gives).

        For a command that changes this aggregate alone and decides on nothing else that its
        insert does not check (the aggregates it only reads are noted with `note_read`). It
        takes the aggregate before any other load: its first attempt then decides on the
        cache as it is, without asking the store what changed (`Attempt.may_trust`).
        """
        attempt = current_attempt()
        if attempt is None or self.cache is None or self.follower is None:
            return self.get(aggregate_id)
        taken = self._taken_here(aggregate_id)
        if taken is not None:  # a command run inside the one that took it
            return taken.aggregate
        if getattr(self._held, "taken", None) is not None:
            raise RuntimeError("A thread takes at most one aggregate in place (lock order).")
        if attempt.may_trust and attempt.followed is None and self.follower.begun:
            # What the command decides on is checked at its insert: this aggregate by the
            # store's version check, what it reads by preconditions (`note_read`). So the
            # cache is trusted without the following query; an answer no insert checked (a
            # refusal, or a save of nothing) is decided again (`Attempt.decide_again`).
            # (Not before following has begun: what is loaded then would never be followed.)
            attempt.followed, attempt.trusted = self, True
        else:
            self._follow()
        lock = self._use_fastforward_lock(aggregate_id)
        lock.acquire()
        try:
            aggregate = self._current(aggregate_id)
        except BaseException:
            lock.release()
            self._disuse_fastforward_lock(aggregate_id)
            raise
        taken = _Taken(aggregate_id, aggregate, lock)
        self._held.taken = taken
        attempt.at_end(lambda error: self._hand_back(taken, error))
        return aggregate

    def _hand_back(self, taken: _Taken, error: BaseException | None) -> None:
        """End of the attempt: keep the aggregate cached only if it is as stored."""
        try:
            aggregate = taken.aggregate
            as_stored = (
                aggregate.version == taken.stored_version
                and not aggregate.pending_events
                and not _cut_short(error)
            )
            if not as_stored and self.cache is not None:
                with contextlib.suppress(KeyError):
                    self.cache.get(taken.aggregate_id, evict=True)
        finally:
            self._held.taken = None
            taken.lock.release()
            self._disuse_fastforward_lock(taken.aggregate_id)

    def get(self, aggregate_id: Any, *args: Any, **kwargs: Any) -> Any:
        if self.cache is None or kwargs.get("version") is not None:
            return super().get(aggregate_id, *args, **kwargs)
        taken = self._taken_here(aggregate_id)
        if taken is not None:  # this thread holds its lock: the taken aggregate is the one
            return taken.aggregate
        asked_for_copy = kwargs.pop("deepcopy_from_cache", True)
        wants_copy = self.deepcopy_from_cache and asked_for_copy
        if self.follower is None or args or kwargs:
            aggregate = super().get(aggregate_id, *args, deepcopy_from_cache=False, **kwargs)
            if not wants_copy:
                return aggregate
            with self._aggregate_lock(aggregate_id):
                return independent_copy(aggregate)
        self._follow()
        with self._aggregate_lock(aggregate_id):
            aggregate = self._current(aggregate_id)
            return independent_copy(aggregate) if wants_copy else aggregate

    def _follow(self) -> None:
        """One following query per command attempt (per load outside a command)."""
        assert self.follower is not None
        attempt = current_attempt()
        if attempt is not None and attempt.followed is self:
            return
        self.follower.catch_up()
        if attempt is not None:
            attempt.followed = self

    def _current(self, aggregate_id: Any) -> Any:
        """The cached aggregate brought up to the newest version followed (the caller holds
        the aggregate's lock)."""
        assert self.cache is not None and self.follower is not None
        try:
            aggregate = self.cache.get(aggregate_id)
        except KeyError:
            aggregate = None
        if aggregate is _ABSENT and self.follower.newest(aggregate_id) == 0:
            raise AggregateNotFoundError(aggregate_id)  # still not stored since found missing
        if aggregate is None or aggregate is _ABSENT:
            with self.follower.loading(aggregate_id):
                try:
                    aggregate = self._reconstruct_aggregate(aggregate_id, None, _project)
                except AggregateNotFoundError:
                    # Remembered, so that asking again (the database lock before it is ever
                    # taken) reads nothing until the store has an event of it.
                    self.cache.put(aggregate_id, _ABSENT)
                    raise
                self.cache.put(aggregate_id, aggregate)
            return aggregate
        if self.follower.newest(aggregate_id) > aggregate.version:
            newer = self.event_store.get(originator_id=aggregate_id, gt=aggregate.version)
            aggregate = _project(aggregate, newer)
            if aggregate is None:
                raise AggregateNotFoundError(aggregate_id)
        return aggregate

    def note_recorded(self, notifications: Sequence[Notification], mapper: Mapper[Any]) -> None:
        """Apply this process's committed events to the cached aggregates they follow on
        directly (decoded from what was stored); any other is read again when next loaded."""
        if self.cache is None or self.follower is None:
            return
        by_aggregate: dict[Any, list[Notification]] = {}
        for n in notifications:
            by_aggregate.setdefault(n.originator_id, []).append(n)
        for aggregate_id, stored in by_aggregate.items():
            taken = self._taken_here(aggregate_id)
            if taken is not None:
                # Changed in place by the command that saved it: these are its own events.
                taken.stored_version = stored[-1].originator_version
                continue
            with self._aggregate_lock(aggregate_id):
                try:
                    aggregate = self.cache.get(aggregate_id)
                except KeyError:
                    continue
                if aggregate is _ABSENT:
                    self.cache.get(aggregate_id, evict=True)
                    continue
                if aggregate.version != stored[0].originator_version - 1:
                    continue
                try:
                    for n in stored:
                        event: Any = mapper.to_domain_event(n)
                        event.mutate(aggregate)
                except Exception:
                    # Never keep a half-applied aggregate: the next load replays the store.
                    self.cache.get(aggregate_id, evict=True)
                    raise

    @contextmanager
    def _aggregate_lock(self, aggregate_id: Any) -> Iterator[None]:
        lock = self._use_fastforward_lock(aggregate_id)
        try:
            with lock:
                yield
        finally:
            self._disuse_fastforward_lock(aggregate_id)


_TRIGGER_EVENT = Aggregate.trigger_event.__code__


def _cut_short(error: BaseException | None) -> bool:
    """Whether an exception came out of an event's application (the aggregate may be half
    changed while its version says otherwise): it passed through `trigger_event`."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        trace = error.__traceback__
        while trace is not None:
            if trace.tb_frame.f_code is _TRIGGER_EVENT:
                return True
            trace = trace.tb_next
        error = error.__cause__ or error.__context__
    return False


def _project(aggregate: Any, events: Any) -> Any:
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


_SHARED: frozenset[type] = frozenset(
    {str, int, float, bool, bytes, type(None), date, datetime, time, timedelta, UUID, Decimal}
)


def independent_copy(aggregate: Any) -> Any:
    """A copy sharing no mutable state with the cached aggregate, so a failed command cannot
    leave half its changes in the cache: every dict, list and set is copied, immutable values
    are shared, anything else is deep-copied."""
    new = object.__new__(type(aggregate))
    new.__dict__.update({key: _copied(value) for key, value in vars(aggregate).items()})
    return new


def _copied(value: Any) -> Any:
    kind = type(value)
    if kind in _SHARED:
        return value
    if kind is dict:
        copied = value.copy()
        for key, item in copied.items():
            if type(item) not in _SHARED:
                copied[key] = _copied(item)
        return copied
    if kind is list:
        return [item if type(item) in _SHARED else _copied(item) for item in value]
    if kind is tuple or kind is frozenset:
        items = [_copied(item) for item in value]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value  # immutable all through: shared
        return kind(items)
    if kind is set:
        return {_copied(item) for item in value}
    if _frozen(kind):
        fields = [getattr(value, f.name) for f in dataclasses.fields(value)]
        if all(_copied(field) is field for field in fields):
            return value  # frozen, and nothing mutable inside: shared
    return copy.deepcopy(value)


def _frozen(kind: type) -> bool:
    params = getattr(kind, "__dataclass_params__", None)
    return bool(params is not None and params.frozen)


def construct_copy_safe_repository(app: Application) -> CopySafeRepository:
    """The library's repository settings (cache size, fast-forward, deep copy), made copy-safe
    and following the store."""
    maxsize = app.env.get(app.AGGREGATE_CACHE_MAXSIZE)
    fastforward = strtobool(app.env.get(app.AGGREGATE_CACHE_FASTFORWARD, "y"))
    repository = CopySafeRepository(
        event_store=app.events,
        snapshot_store=app.snapshots,
        cache_maxsize=int(maxsize) if maxsize else None,
        fastforward=fastforward,
        fastforward_skipping=strtobool(app.env.get(app.AGGREGATE_CACHE_FASTFORWARD_SKIPPING, "n")),
        deepcopy_from_cache=strtobool(app.env.get(app.DEEPCOPY_FROM_AGGREGATE_CACHE, "y")),
    )
    recorder = app.recorder
    cache = repository.cache
    if cache is not None and fastforward and hasattr(recorder, "versions_after"):
        entries = cache.cache
        repository.follower = StoreFollower(
            head=recorder.max_notification_id,
            after=recorder.versions_after,
            cached=lambda key: key in entries,
            keep=4 * max(int(maxsize or 0), 1000),
        )
    return repository
