"""The composition root of the web UI and JSON API: `init_app(settings)`.

One Trial per process, built in `cleanup_ctx` and closed at shutdown; every library call from a
handler goes through `web.calls.run`: a worker thread, the single writer thread for requests
that change state on SQLite (web.writer). Middlewares run in this order: session (must be
first, see STACK.md), security headers, errors, rate limits, writer, authentication, CSRF.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp_jinja2
import aiohttp_session
import jinja2
from aiohttp import web
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from edc.analysis_jobs import AnalysisJobs
from edc.application import Trial
from edc.bootstrap import build_trial
from edc.config import Settings
from web import routes
from web.auth import auth_middleware
from web.config import WebConfig
from web.errors import error_middleware
from web.i18n import language_middleware
from web.i18n_templates import install_i18n
from web.instruments import INSTRUMENT_WORDING, wording_from_environ
from web.keys import ANALYSES, CONFIG, SETTINGS, TRIAL
from web.ratelimit import (
    rate_limit_middleware,
    rate_limits_context,
    refusal_summaries_context,
)
from web.read_choice import read_models_context
from web.security import csrf_middleware, security_headers
from web.session_key import key_directory, phone_key, session_key
from web.unsaved import refill_middleware, unsaved_typing_context
from web.writer import writer_context, writes_in_one_thread

HERE = Path(__file__).parent
COOKIE_NAME = "edc_session"

TrialFactory = Callable[[Settings], Trial]


def _trial_context(factory: TrialFactory) -> Callable[[web.Application], AsyncIterator[None]]:
    async def trial_context(app: web.Application) -> AsyncIterator[None]:
        app[TRIAL] = await asyncio.to_thread(factory, app[SETTINGS])
        yield
        await asyncio.to_thread(app[TRIAL].close)

    return trial_context


async def analysis_jobs_context(app: web.Application) -> AsyncIterator[None]:
    app[ANALYSES] = AnalysisJobs()
    yield
    app[ANALYSES].close()


def _default_factory(settings: Settings) -> Trial:
    return build_trial(settings)


def init_app(
    settings: Settings,
    *,
    config: WebConfig | None = None,
    trial_factory: TrialFactory = _default_factory,
) -> web.Application:
    config = config or WebConfig(
        session_key=session_key(key_directory(settings)),
        phone_key=phone_key(key_directory(settings)),
    )
    app = web.Application(client_max_size=config.max_body)
    app[SETTINGS] = settings
    app[CONFIG] = config
    app[INSTRUMENT_WORDING] = wording_from_environ()
    aiohttp_session.setup(
        app,
        EncryptedCookieStorage(
            config.session_key,
            cookie_name=COOKIE_NAME,
            httponly=True,
            samesite="Strict",
            secure=config.secure_cookies,
            # The cookie outlives the idle timeout a little; the server enforces the timeout
            # and the session's absolute lifetime.
            max_age=min(config.idle_timeout_s * 2, config.session_lifetime_s),
        ),
    )
    app.middlewares.extend(
        [
            language_middleware,
            security_headers,
            error_middleware,
            rate_limit_middleware,
            writes_in_one_thread,
            auth_middleware,
            csrf_middleware,
            refill_middleware,
        ]
    )
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    install_i18n(env)
    app[aiohttp_jinja2.static_root_key] = "/static"
    app.cleanup_ctx.append(_trial_context(trial_factory))
    app.cleanup_ctx.append(rate_limits_context)
    app.cleanup_ctx.append(refusal_summaries_context)
    app.cleanup_ctx.append(writer_context)
    app.cleanup_ctx.append(read_models_context)
    app.cleanup_ctx.append(analysis_jobs_context)
    app.cleanup_ctx.append(unsaved_typing_context)
    routes.add_routes(app)
    app.router.add_static("/static", HERE / "static", name="static")
    return app
