"""Two real `edc serve` processes on one store, on 127.0.0.1, started one after the other as
`edc serve --processes` starts them: what one process records must hold in the other."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.procs import Server, edc_command, edc_env, free_port
from edc.config import Settings


@contextmanager
def serving_twice(settings: Settings, logs: Path, **env: str) -> Iterator[list[str]]:
    """The two servers' URLs; both stopped afterwards, their logs kept in `logs`."""
    started: list[Server] = []
    try:
        for name in ("first", "second"):
            port = free_port()
            server = Server(
                edc_command("serve", "--host", "127.0.0.1", "--port", str(port)),
                edc_env(settings, **env),
                port,
                logs / f"{name}.log",
            )
            started.append(server)
            server.start()
        yield [server.url for server in started]
    finally:
        for server in started:
            server.stop()
