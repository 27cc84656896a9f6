"""The real web app on a real socket, served from a thread with its own event loop.

For clients that are not asyncio: Playwright's sync API and schemathesis (requests).
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Callable

from aiohttp import web
from cryptography.fernet import Fernet

from edc.application import Trial
from edc.bootstrap import build_trial
from edc.config import Settings
from tests.app.conftest import StepClock
from web.app import init_app
from web.config import WebConfig


class LiveServer:
    """The real app on a real socket, served from a thread with its own event loop."""

    def __init__(
        self, settings: Settings, clock: StepClock, now: Callable[[], float] = time.time
    ) -> None:
        # `now` is the web layer's wall clock (session timeouts), moved by tests if they wish.
        self.settings, self.clock, self.now = settings, clock, now
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.url = ""
        self.trial: Trial | None = None
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _factory(self, settings: Settings) -> Trial:
        self.trial = build_trial(settings, clock=self.clock, draw=random.Random(5).random)
        return self.trial

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._start())
        self.ready.set()
        self.loop.run_forever()

    async def _start(self) -> None:
        config = WebConfig(session_key=Fernet.generate_key().decode(), demo=True, now=self.now)
        app = init_app(self.settings, config=config, trial_factory=self._factory)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    def start(self) -> LiveServer:
        self._thread.start()
        if not self.ready.wait(30):
            raise RuntimeError("the live server did not start")
        return self

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(30)
        self.loop.close()
