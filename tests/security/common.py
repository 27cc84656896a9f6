"""What the attack tests of this package share: the fixtures, a built store, `edc` runs."""

from __future__ import annotations

import socket
import subprocess

from domain.actor import Actor
from edc.application import Trial
from edc.audit import anchors
from edc.config import Settings
from tests.audit import scenario
from tests.audit.tamper import RawStore
from tests.edc_process import edc

PASSWORD = "correct horse battery"


def built(trial: Trial, actors: dict[str, Actor], settings: Settings) -> RawStore:
    """The audit scenario, written through the application and anchored, the trial closed."""
    scenario.build(trial, actors)
    anchors.flush(settings)
    trial.close()
    return RawStore(settings)


def verify(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return edc(settings, "audit", "verify", *args)


def add_user(settings: Settings, name: str) -> subprocess.CompletedProcess[str]:
    return edc(settings, "users", "add", name, "--role", "monitor", stdin=PASSWORD + "\n")


def serve_refusal(settings: Settings) -> subprocess.CompletedProcess[str]:
    """`edc serve` on the store; it must refuse at once (a server that starts is killed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    try:
        return edc(settings, "serve", "--host", "127.0.0.1", "--port", str(port), timeout=60)
    except subprocess.TimeoutExpired as expired:
        raise AssertionError(f"edc serve started on a tampered store: {expired.output}") from None
