"""Optimistic concurrency: a command that lost a race to another writer runs again.

The event store refuses a save whose aggregate version was taken meanwhile. The command is then
repeated from freshly loaded state, so it decides from what really happened (for randomisation:
the allocation sequence including the other allocation). A user's own stale version is a
different matter: the domain raises StaleVersion and the user decides what to do.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from eventsourcing.persistence import IntegrityError

from domain.errors import EdcError

P = ParamSpec("P")
R = TypeVar("R")
MAX_ATTEMPTS = 50


class WriteContention(EdcError):
    """Raised when a command lost the race to other writers too many times in a row."""

    code = "conflict"


def retry_on_conflict(command: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(command)
    def attempt(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt_number in range(MAX_ATTEMPTS):
            try:
                return command(*args, **kwargs)
            except IntegrityError:
                # Back off a little, with jitter, so racing writers spread out.
                time.sleep(random.uniform(0, 0.002 * (attempt_number + 1)))
        raise WriteContention("The system is busy with other changes; please try again.")

    return attempt
