"""Both read models together: status, catch-up, rebuild, following the store, read-your-writes.

`edc projections run` calls `follow()` in its own process; the web server can instead call
`start_background()` to keep the read models caught up from a thread of its own. Either way,
`wait_for(position)` after a save makes the next page show that save.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor

from projections.db import ViewDatabase
from projections.reading import ReadModels
from projections.runner import DEFAULT_PAGE_SIZE, EventSource, Progress, ProjectionRunner, Status
from projections.spec import BlindingViolation, ViewSpec, blinded_view, unblinded_view

log = logging.getLogger(__name__)

DEFAULT_POLL_INTERVAL = 0.5
MAX_BACKOFF = 30.0


class Projections:
    """The blinded and unblinded read models of one trial."""

    def __init__(
        self,
        db: ViewDatabase,
        source: EventSource,
        *,
        views: Iterable[ViewSpec] | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> None:
        self.db = db
        self.source = source
        views = list(views) if views is not None else [blinded_view(), unblinded_view()]
        self.runners: dict[str, ProjectionRunner] = {
            view.name: ProjectionRunner(db, source, view, page_size=page_size) for view in views
        }
        self.last_error: BaseException | None = None

    def ensure_schema(self) -> None:
        for runner in self.runners.values():
            runner.ensure_schema()

    def read_models(self) -> ReadModels:
        return ReadModels(self.db)

    def head(self) -> int:
        return self.source.recorder.max_notification_id() or 0

    def status(self) -> list[Status]:
        return [runner.status() for runner in self.runners.values()]

    def _select(self, names: Iterable[str] | None) -> list[ProjectionRunner]:
        if names is None:
            return list(self.runners.values())
        unknown = [name for name in names if name not in self.runners]
        if unknown:
            raise ValueError(f"Unknown read model(s): {', '.join(unknown)}.")
        return [self.runners[name] for name in names]

    def catch_up(
        self,
        names: Iterable[str] | None = None,
        *,
        progress: Callable[[str], Progress] | None = None,
        stop: threading.Event | None = None,
    ) -> dict[str, int]:
        return {
            runner.name: runner.catch_up(
                progress=progress(runner.name) if progress else None, stop=stop
            )
            for runner in self._select(names)
        }

    def rebuild(
        self,
        names: Iterable[str] | None = None,
        *,
        progress: Callable[[str], Progress] | None = None,
    ) -> dict[str, int]:
        runners = self._select(names)

        def rebuild(runner: ProjectionRunner, forked: Callable[[], None] | None = None) -> int:
            return runner.rebuild(
                progress=progress(runner.name) if progress else None, forked=forked
            )

        splitting = next((runner for runner in runners if runner.rebuilds_in_parts()), None)
        if splitting is None or len(runners) == 1:
            return {runner.name: rebuild(runner) for runner in runners}
        # A rebuild made in parts leaves this process waiting on the parts' processes: the
        # other read models are rebuilt meanwhile, in a thread (each in tables of its own;
        # they take turns at the database's write lock). The thread starts only once the
        # parts have forked: SQLite must not be in use in another thread at that moment.
        others = [runner for runner in runners if runner is not splitting]
        with ThreadPoolExecutor(1, thread_name_prefix="rebuild") as pool:
            started: list[Future[int]] = []

            def start_the_others() -> None:
                if not started:
                    started.extend(pool.submit(rebuild, runner) for runner in others)

            done = {splitting.name: rebuild(splitting, start_the_others)}
            start_the_others()  # if the parts never started
            done.update(
                (runner.name, future.result())
                for runner, future in zip(others, started, strict=True)
            )
        return {runner.name: done[runner.name] for runner in runners}

    def wait_for(self, position: int, timeout: float = 5.0) -> bool:
        """Return once every read model has applied `position`; False when time ran out."""
        deadline = time.monotonic() + timeout
        return all(
            runner.wait_for(position, max(0.0, deadline - time.monotonic()))
            for runner in self.runners.values()
        )

    def follow(self, stop: threading.Event, interval: float = DEFAULT_POLL_INTERVAL) -> None:
        """Keep catching up until `stop` is set. A failure is logged and retried with backoff
        (the database may come back); a blinding violation stops it."""
        backoff = interval
        while not stop.is_set():
            try:
                self.catch_up(stop=stop)
            except BlindingViolation:
                # A classification or filter error: retrying cannot help, stop loudly.
                raise
            except Exception as error:
                self.last_error = error
                log.exception("read models: catch-up failed; retrying in %.1f s", backoff)
                stop.wait(backoff)
                backoff = min(MAX_BACKOFF, backoff * 2)
                continue
            self.last_error = None
            backoff = interval
            stop.wait(interval)

    def start_background(self, interval: float = DEFAULT_POLL_INTERVAL) -> Follower:
        """Follow the store from a daemon thread (for the web server); stop() to end it."""
        follower = Follower(self, interval)
        follower.start()
        return follower


class Follower:
    """A background thread running `Projections.follow`."""

    def __init__(self, projections: Projections, interval: float) -> None:
        self.projections = projections
        self.stop_event = threading.Event()
        self.thread = threading.Thread(
            target=projections.follow,
            args=(self.stop_event, interval),
            name="read-models",
            daemon=True,
        )

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the page in hand (its transaction commits or rolls back whole) and end."""
        self.stop_event.set()
        self.thread.join(timeout)

    @property
    def running(self) -> bool:
        return self.thread.is_alive()
