"""A repository whose cached aggregates are never copied while another thread updates them.

eventsourcing's `Repository.get` fast-forwards a cached aggregate under a per-aggregate lock but
deep-copies it after releasing that lock, so a second thread can be replaying new events into
the same object during the copy ("dictionary changed size during iteration", seen under
concurrent randomisation). Here the copy is taken under that same per-aggregate lock, so it
excludes exactly the fast-forwards of that aggregate and nothing else: reads that need no copy
(a token's user, the database lock) never wait behind other requests. The lock helpers are the
library's own (private in eventsourcing 9.5, pinned in constraints.txt).

The copy itself is a pickle round trip rather than `copy.deepcopy`: the same independent
object graph (both walk `__reduce_ex__`), made by C code and so much faster on a participant
with a year of weekly reports (`make bench` section 0 measures the save it is part of).
"""

from __future__ import annotations

import copy
import pickle
from typing import Any

from eventsourcing.application import Application, Repository
from eventsourcing.utils import strtobool


class CopySafeRepository(Repository):
    def get(self, aggregate_id: Any, *args: Any, **kwargs: Any) -> Any:
        if self.cache is None or kwargs.get("version") is not None:
            return super().get(aggregate_id, *args, **kwargs)
        asked_for_copy = kwargs.pop("deepcopy_from_cache", True)
        wants_copy = self.deepcopy_from_cache and asked_for_copy
        aggregate = super().get(aggregate_id, *args, deepcopy_from_cache=False, **kwargs)
        if not wants_copy:
            return aggregate
        lock = self._use_fastforward_lock(aggregate_id)
        try:
            with lock:
                return independent_copy(aggregate)
        finally:
            self._disuse_fastforward_lock(aggregate_id)


def independent_copy(aggregate: Any) -> Any:
    """A copy sharing no mutable state with the cached aggregate, so a failed command cannot
    leave half its changes in the cache."""
    try:
        return pickle.loads(pickle.dumps(aggregate, pickle.HIGHEST_PROTOCOL))
    except (pickle.PicklingError, TypeError, AttributeError):
        return copy.deepcopy(aggregate)


def construct_copy_safe_repository(app: Application) -> CopySafeRepository:
    """The library's repository settings (cache size, fast-forward, deep copy), made copy-safe."""
    maxsize = app.env.get(app.AGGREGATE_CACHE_MAXSIZE)
    return CopySafeRepository(
        event_store=app.events,
        snapshot_store=app.snapshots,
        cache_maxsize=int(maxsize) if maxsize else None,
        fastforward=strtobool(app.env.get(app.AGGREGATE_CACHE_FASTFORWARD, "y")),
        fastforward_skipping=strtobool(app.env.get(app.AGGREGATE_CACHE_FASTFORWARD_SKIPPING, "n")),
        deepcopy_from_cache=strtobool(app.env.get(app.DEEPCOPY_FROM_AGGREGATE_CACHE, "y")),
    )
