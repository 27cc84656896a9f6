"""Running the `edc` command line as a user would: its own process, the store from the
environment (bench.procs builds both, so tests and the bench start it the same way)."""

from __future__ import annotations

import subprocess

from bench.procs import edc_command, edc_env
from edc.config import Settings


def edc(
    settings: Settings, *args: str, stdin: str = "", timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        edc_command(*args),
        input=stdin,
        env=edc_env(settings),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
