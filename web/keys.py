"""Typed keys for what the web application and each request carry (aiohttp AppKey/RequestKey)."""

from __future__ import annotations

from aiohttp import web

from domain.actor import Actor
from edc.analysis_jobs import AnalysisJobs
from edc.application import Trial
from edc.config import Settings
from web.config import WebConfig

TRIAL = web.AppKey("trial", Trial)
SETTINGS = web.AppKey("settings", Settings)
CONFIG = web.AppKey("web_config", WebConfig)
ANALYSES = web.AppKey("analysis_jobs", AnalysisJobs)
# Who is calling, and how they proved it ("session" or "bearer"); absent when anonymous.
ACTOR = web.RequestKey("actor", Actor)
AUTH = web.RequestKey("auth", str)
# The account's session epoch the browser session began in (web.auth); a role, blinding or
# password change starts a new one.
EPOCH = web.RequestKey("session_epoch", int)
