"""`edc serve [--host 127.0.0.1] [--port 8080] [--demo] [--read-models thread|process]`: the
web UI and JSON API.

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
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator

from edc.config import Settings

DEMO_PARTICIPANTS = 120
DEMO_SEED = 1


def _seed_demo(settings: Settings) -> bool:
    """Seed the demo trial if the store is empty; True when it was seeded now."""
    from edc.base import utc_now
    from edc.bootstrap import build_trial
    from edc.demo.build import build_demo
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
    build_demo(settings, DEMO_PARTICIPANTS, DEMO_SEED, today=today).close()
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


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from aiohttp import web

    from web.app import init_app
    from web.config import WebConfig, security_settings_from_environ
    from web.session_key import key_directory, phone_key, session_key

    finding = _store_finding(settings)
    if finding:
        print(
            f"edc serve: refusing to start: {finding}. Run `edc audit verify` for the details.",
            file=sys.stderr,
        )
        return 1
    if args.demo:
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
        follow_read_models=args.read_models == "thread",
        # Session lifetime, proxy trust and rate limits (README, "Accounts and credentials").
        **security_settings_from_environ(os.environ),
    )
    app = init_app(settings, config=config)
    url = f"http://{args.host}:{args.port}/"
    print(f"Modic EDC serving on {url}", flush=True)
    if args.demo:
        print("Demo logins (demo data only):")
        print("\n".join(_demo_logins()), flush=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        with _read_models_process(args.read_models == "process"):
            web.run_app(app, host=args.host, port=args.port, print=None, access_log=None)
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        print(
            f"edc serve: port {args.port} on {args.host} is taken by another program: give "
            f"another with --port (make run PORT={args.port + 1}).",
            file=sys.stderr,
        )
        return 1
    return 0


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
    serve.set_defaults(handler=cmd_serve)
