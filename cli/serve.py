"""`edc serve [--host 127.0.0.1] [--port 8080] [--demo] [--read-models thread|process]
[--processes N]`: the web UI and JSON API.

With `--processes N` (N > 1) the server answers from N processes on one port (`reuse_port`:
the kernel spreads the connections over them), each with its own trial, cache and group
commit. Every process reads what any other recorded from the store on the next request (a
revoked token, a logout, a database lock), and rate limits are counted in one store for all;
only the first process keeps the read models caught up (from its thread or its process), and
the others are started and stopped with it. One of the others that exits while the server
serves is started again by the first, and logged (at most `RESTARTS` times within
`RESTART_WINDOW_S`; past that it is left down and the rest keep serving).

The read models are kept caught up by a thread of the server (`thread`, the default) or by a
process of their own (`process`: `edc projections run`, started and stopped with the server),
so that catching up never holds the server's interpreter while it answers requests. Either
way a page asks the read models to reach the store's head first (read-your-writes).

With `--demo` an empty store is first seeded with the synthetic demo trial and the demo logins
are printed; a store that already holds data is served as it is (the demo never writes into a
store with data). Without `--demo` nothing is seeded and no account or password exists.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator

from edc.config import Settings

DEMO_PARTICIPANTS = 120
DEMO_SEED = 1


def _seed_demo(settings: Settings) -> bool:
    """Seed the demo trial if the store is empty; True when it was seeded now."""
    from edc.base import utc_now
    from edc.bootstrap import build_trial
    from edc.demo.build import StoreNotEmpty, build_demo
    from edc.demo.today import site_today

    probe = build_trial(settings)
    try:
        empty = not probe.recorder.max_notification_id()
    finally:
        probe.close()
    if not empty:
        return False
    # The demo is live today: visits due now, queries and signatures waiting.
    today = site_today(utc_now())
    print(
        f"Seeding the demo trial ({DEMO_PARTICIPANTS} people screened, as it stands today, "
        f"{today.isoformat()})...",
        flush=True,
    )
    try:
        build_demo(settings, DEMO_PARTICIPANTS, DEMO_SEED, today=today).close()
    except StoreNotEmpty:
        return False  # another server seeded it at the same moment
    return True


def _store_finding(settings: Settings) -> str | None:
    """What makes the store untrustworthy at a glance (counts and anchors, not a verify)."""
    from edc.audit.anchors import quick_check
    from edc.bootstrap import build_trial

    probe = build_trial(settings)
    try:
        return quick_check(probe, settings)
    finally:
        probe.close()


def _demo_logins() -> list[str]:
    from edc.demo.users import demo_logins

    return demo_logins()


def _die_with_parent() -> Callable[[], None] | None:
    """Linux: what makes a child get SIGTERM when the server dies, even by SIGKILL (looked
    up here, so the child between fork and exec only makes the call)."""
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1
    return lambda: prctl(pr_set_pdeathsig, signal.SIGTERM)


@contextlib.contextmanager
def _read_models_process(wanted: bool) -> Iterator[None]:
    """`edc projections run` beside the server while it serves (when `wanted`)."""
    if not wanted:
        yield
        return
    follower = subprocess.Popen(
        [sys.executable, "-m", "cli", "projections", "run"],
        stdin=subprocess.DEVNULL,
        preexec_fn=_die_with_parent(),
    )
    try:
        yield
    finally:
        follower.terminate()  # it finishes the page in hand as one transaction
        try:
            follower.wait(30)
        except subprocess.TimeoutExpired:
            follower.kill()


# Given to the processes the first one starts: serve, and nothing else (no check of the store,
# no demo seeding, no read models, no banner), and say on this file descriptor when serving.
ONE_OF_SEVERAL = "--one-of-several"
READY = b"."


def _listening_socket(host: str, port: int, shared: bool) -> socket.socket:
    """A bound socket to serve from; `shared` lets the other processes bind the same port
    (`reuse_port`: the kernel spreads the connections over their sockets)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if shared:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


class OthersDidNotStart(Exception):
    pass


# A serving process that exits while the server serves is started again, at most this many
# times within the window (a process that keeps dying is left down, and that is logged).
RESTARTS = 5
RESTART_WINDOW_S = 600.0
WATCH_INTERVAL_S = 0.5

log = logging.getLogger("edc.serve")


class RestartBudget:
    """At most `limit` restarts within any `window` seconds."""

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._times: deque[float] = deque()

    def take(self) -> bool:
        """Whether one more restart is allowed now (and, if so, count it)."""
        now = self.clock()
        while self._times and now - self._times[0] >= self.window:
            self._times.popleft()
        if len(self._times) >= self.limit:
            return False
        self._times.append(now)
        return True


class Siblings:
    """The serving processes beyond the first: started one after another, each ready (its
    trial open, its socket bound) before the next; one that exits while the server serves is
    started again, within the restart budget."""

    def __init__(self, argv: list[str], count: int, timeout: float) -> None:
        self.argv, self.count, self.timeout = argv, count, timeout
        self.processes: list[subprocess.Popen[bytes]] = []
        self.budget = RestartBudget(RESTARTS, RESTART_WINDOW_S)
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self._left_down: set[int] = set()

    def start(self) -> None:
        # One after another: a first start creates tables (read models, rate limits), and on
        # PostgreSQL two processes creating the same table at once collide.
        for _ in range(self.count):
            self.processes.append(self._start_one())
        self._watcher = threading.Thread(target=self._watch, name="siblings", daemon=True)
        self._watcher.start()

    def _start_one(self) -> subprocess.Popen[bytes]:
        ready_in, ready_out = os.pipe()
        try:
            process = subprocess.Popen(
                [*self.argv, ONE_OF_SEVERAL, str(ready_out)],
                stdin=subprocess.DEVNULL,
                pass_fds=(ready_out,),
                preexec_fn=_die_with_parent(),
            )
            os.close(ready_out)
            ready_out = -1
            try:
                _wait_until_ready(ready_in, process, self.timeout, self._stop)
            except OthersDidNotStart:
                _end(process)
                raise
            return process
        finally:
            if ready_out >= 0:
                os.close(ready_out)
            os.close(ready_in)

    def _watch(self) -> None:
        # This thread lives until the server stops: the processes it starts are told to stop
        # when the thread that started them ends (the parent-death signal is per thread).
        while not self._stop.wait(WATCH_INTERVAL_S):
            for slot, process in enumerate(self.processes):
                if process.poll() is None or self._stop.is_set() or slot in self._left_down:
                    continue
                try:
                    self._restart(slot, process)
                except Exception:
                    log.exception("could not start a serving process again")

    def _restart(self, slot: int, process: subprocess.Popen[bytes]) -> None:
        if not self.budget.take():
            self._left_down.add(slot)
            log.error(
                "serving process %d exited (%s) and is not started again: %d restarts within "
                "%.0f s already; the other processes keep serving",
                process.pid,
                process.returncode,
                RESTARTS,
                RESTART_WINDOW_S,
            )
            return
        log.warning(
            "serving process %d exited (%s); starting another", process.pid, process.returncode
        )
        try:
            replacement = self._start_one()
        except OthersDidNotStart as error:
            log.error("a serving process could not be started again: %s", error)
            return
        self.processes[slot] = replacement
        log.warning("serving process %d restarted as %d", process.pid, replacement.pid)

    def stop(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(self.timeout)
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            _end(process)


def _end(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(30)


@contextlib.contextmanager
def _other_processes(args: argparse.Namespace, timeout: float = 300) -> Iterator[None]:
    """The `--processes` beyond the first, serving the same port, each ready before this
    returns; started again if one exits while serving (`Siblings`); stopped with the first."""
    if args.processes == 1:
        yield
        return
    argv = [sys.executable, "-m", "cli", "serve", "--host", args.host, "--port", str(args.port)]
    argv += ["--read-models", args.read_models]
    if args.demo:
        argv.append("--demo")
    siblings = Siblings(argv, args.processes - 1, timeout)
    try:
        siblings.start()
        yield
    finally:
        siblings.stop()


def _wait_until_ready(
    pipe: int,
    process: subprocess.Popen[bytes],
    timeout: float,
    stop: threading.Event | None = None,
) -> None:
    """Until `process` says on `pipe` that it serves; refused if it exits or takes too long."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stop is not None and stop.is_set():
            raise OthersDidNotStart("the server is stopping")
        if select.select([pipe], [], [], 0.1)[0]:
            if os.read(pipe, 1) == READY:
                return
            # The end of the pipe: the process closed it without a word, or exited.
            process.wait(30)
            raise OthersDidNotStart(f"a serving process exited at start ({process.returncode})")
        if process.poll() is not None:
            raise OthersDidNotStart(f"a serving process exited at start ({process.returncode})")
    raise OthersDidNotStart(f"a serving process did not start within {timeout:.0f} s")


def _say_ready(fd: int) -> Callable[[object], Awaitable[None]]:
    async def ready(_app: object) -> None:
        os.write(fd, READY)
        os.close(fd)

    return ready


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from aiohttp import web

    from web.app import init_app
    from web.config import WebConfig, security_settings_from_environ
    from web.session_key import key_directory, phone_key, session_key

    first = args.one_of_several is None
    if first:
        finding = _store_finding(settings)
        if finding:
            print(
                f"edc serve: refusing to start: {finding}. Run `edc audit verify` for the details.",
                file=sys.stderr,
            )
            return 1
    if args.demo and first:
        seeded = _seed_demo(settings)
        if not seeded:
            print("The store already holds data: serving it without seeding the demo.")
    config = WebConfig(
        session_key=session_key(key_directory(settings)),
        phone_key=phone_key(key_directory(settings)),
        sms_secret=os.environ.get("EDC_SMS_SECRET") or None,
        # Behind TLS (a reverse proxy), the session cookie must only travel over HTTPS.
        secure_cookies=os.environ.get("EDC_SECURE_COOKIES", "") in ("1", "yes", "true"),
        demo=args.demo,
        follow_read_models=first and args.read_models == "thread",
        # Session lifetime, proxy trust and rate limits (README, "Accounts and credentials").
        **security_settings_from_environ(os.environ),
    )
    app = init_app(settings, config=config)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    several = args.processes > 1 or not first
    try:
        sock = _listening_socket(args.host, args.port, several)
    except OSError as error:
        return _port_refusal(error, args.host, args.port)
    if not first:
        # After the trial and the rest of the app are open (cleanup contexts run first).
        app.on_startup.append(_say_ready(args.one_of_several))
        web.run_app(app, sock=sock, print=None, access_log=None)
        return 0
    url = f"http://{args.host}:{args.port}/"
    processes = f" from {args.processes} processes" if several else ""
    print(f"Modic EDC serving on {url}{processes}", flush=True)
    if args.demo:
        print("Demo logins (demo data only):")
        print("\n".join(_demo_logins()), flush=True)
    try:
        with _read_models_process(args.read_models == "process"), _other_processes(args):
            web.run_app(app, sock=sock, print=None, access_log=None)
    except OthersDidNotStart as error:
        print(f"edc serve: refusing to start: {error} (see above).", file=sys.stderr)
        return 1
    return 0


def _port_refusal(error: OSError, host: str, port: int) -> int:
    if error.errno != errno.EADDRINUSE:
        raise error
    print(
        f"edc serve: port {port} on {host} is taken by another program: give another with "
        f"--port (make run PORT={port + 1}).",
        file=sys.stderr,
    )
    return 1


def register(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser("serve", help="serve the web UI and JSON API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument(
        "--demo",
        action="store_true",
        help="seed the demo trial into an empty store and print demo logins",
    )
    serve.add_argument(
        "--read-models",
        choices=("thread", "process"),
        default="thread",
        help="keep the read models caught up from a thread of the server (default) or from a "
        "process of their own, started and stopped with it",
    )
    serve.add_argument(
        "--processes",
        type=_process_count,
        default=1,
        help="answer from this many processes on the one port (reuse_port), each with its own "
        "trial and group commit; the read models are still kept by one (default 1)",
    )
    serve.add_argument("--one-of-several", type=int, default=None, help=argparse.SUPPRESS)
    serve.set_defaults(handler=cmd_serve)


def _process_count(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(
            f"give a whole number of processes from 1 to 64, not {text!r}"
        )
    return int(text)
