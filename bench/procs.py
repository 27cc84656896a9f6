"""Processes for the bench: `edc` commands with their peak memory, and servers on loopback."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from edc.config import Settings

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def edc_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of an `edc` process working on `settings`' store."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDC_")}
    env["EDC_DATA_DIR"] = str(settings.data_dir)
    if settings.database_url:
        env["EDC_DATABASE_URL"] = settings.database_url
    if settings.cipher_key:
        env["EDC_CIPHER_KEY"] = settings.cipher_key
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def edc_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "cli", *args]


@dataclass(frozen=True)
class Finished:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss_mb: float


def run_measured(
    module: str, args: Sequence[str], env: Mapping[str, str], *, timeout: float
) -> Finished:
    """Run `python -m module args...` to the end: its wall time and its own peak RSS."""
    with tempfile.TemporaryDirectory() as scratch:
        peak_file = Path(scratch) / "peak"
        argv = [sys.executable, "-m", "bench.peak_rss", str(peak_file), module, *args]
        started = time.perf_counter()
        try:
            done = subprocess.run(
                argv,
                env=dict(env),
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"{module} {' '.join(args)} took over {timeout:.0f} s") from None
        seconds = time.perf_counter() - started
        peak_kb = int(peak_file.read_text()) if peak_file.exists() else 0
    return Finished(done.returncode, done.stdout, done.stderr, seconds, peak_kb / 1024)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def answers(url: str, timeout: float = 1.0) -> bool:
    """Whether something answers `url` with an HTTP status below 500."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status) < 500
    except urllib.error.HTTPError as error:
        return error.code < 500
    except (OSError, urllib.error.URLError):
        return False


class Server:
    """A server process on loopback: started, waited for, stopped (or killed)."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str], port: int, log: Path) -> None:
        self.argv, self.env, self.port, self.log_path = list(argv), dict(env), port, log
        self.process: subprocess.Popen[bytes] | None = None
        self.startup_seconds = 0.0
        self.launched: float | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def launch(self) -> None:
        """Start the process without waiting for it (a process that answers no HTTP)."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.launched = time.perf_counter()
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def start(self, probe: str = "/login", timeout: float = 120.0) -> float:
        """Start and wait until `probe` answers; the seconds that took."""
        self.launch()
        return self.wait_until_answering(probe, timeout)

    def wait_until_answering(self, probe: str = "/login", timeout: float = 120.0) -> float:
        """Wait for the launched server; the seconds from its launch until `probe` answered."""
        assert self.process is not None and self.launched is not None
        deadline = self.launched + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the server exited with {self.process.returncode} before answering:\n"
                    + self.log_tail()
                )
            if answers(self.url + probe, timeout=2.0):
                self.startup_seconds = time.perf_counter() - self.launched
                return self.startup_seconds
            time.sleep(0.02)
        self.kill()
        raise RuntimeError(f"the server did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self, timeout: float = 30.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)  # aiohttp's run_app shuts down cleanly on it
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL, as a crash would: no cleanup runs in the server."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.kill()
        self.process.wait(30)


@contextlib.contextmanager
def serving(server: Server, probe: str = "/login", timeout: float = 120.0) -> Iterator[Server]:
    server.start(probe, timeout)
    try:
        yield server
    finally:
        server.stop()
