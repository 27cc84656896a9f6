"""`edc serve --processes N`: a serving process that dies while the server serves is started
again by the first process (logged, and within a restart budget), so the port keeps answering
from as many processes as were asked for."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bench.procs import Server, edc_command, edc_env, free_port
from cli.serve import RestartBudget
from tests.security.test_changes_across_processes import (
    Store,
    listeners,
    participant,
    serving_children,
    settings,
    store,
)

__all__ = ["settings", "store"]  # the fixtures, used by name


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_killed_serving_process_is_started_again_and_the_port_keeps_answering(
    store: Store, tmp_path: Path
) -> None:
    port = free_port()
    server = Server(
        edc_command("serve", "--host", "127.0.0.1", "--port", str(port), "--processes", "2"),
        edc_env(store.settings),
        port,
        tmp_path / "serve.log",
    )
    server.start()
    try:
        assert server.process is not None
        first = server.process.pid
        (killed,) = serving_children(first)
        wait_for(lambda: listeners(port) == {first, killed}, "both processes never listened")
        token = store.token("site_staff")

        os.kill(killed, signal.SIGKILL)  # as a crash would: nothing of it runs any more
        wait_for(
            lambda: len(serving_children(first)) == 1 and killed not in serving_children(first),
            "the killed process was not started again",
        )
        (restarted,) = serving_children(first)
        wait_for(
            lambda: listeners(port) == {first, restarted},
            "the restarted process never listened on the port",
        )
        # Fresh connections are spread over both processes again; every one is answered.
        statuses = [participant(server.url, token, store.pid).status_code for _ in range(20)]
        assert statuses == [200] * 20
        log = server.log_tail(20_000)
        assert f"serving process {killed} restarted as {restarted}" in log
    finally:
        server.stop()
    wait_for(
        lambda: (
            not Path(f"/proc/{restarted}").exists()
            or Path(f"/proc/{restarted}/stat").read_text().split()[2] == "Z"
        ),
        "the restarted process outlived the server",
        seconds=30,
    )


def test_the_restart_budget_allows_so_many_restarts_within_the_window() -> None:
    now = [0.0]
    budget = RestartBudget(3, 60.0, clock=lambda: now[0])
    assert [budget.take() for _ in range(4)] == [True, True, True, False]
    now[0] = 59.0
    assert not budget.take()  # the window is still full
    now[0] = 60.0
    assert budget.take()  # the first three have left the window
    assert budget.take() and budget.take()
    assert not budget.take()
