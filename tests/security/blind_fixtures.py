"""Fixtures of the blinding attack tests: the store of blind_store.py and a web app on it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from tests.security.blind_store import BlindStore, open_trial
from tests.security.blind_store import build as build_blind_store
from web.app import init_app
from web.config import WebConfig


@pytest.fixture(scope="session")
def blind_store(tmp_path_factory: pytest.TempPathFactory) -> BlindStore:
    """Blinded accounts of every role and participants of both arms (blind_store.py)."""
    return build_blind_store(tmp_path_factory.mktemp("blind") / "var")


@pytest.fixture
async def blind_client(
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    blind_store: BlindStore,
    tmp_path: Path,
    web_config: WebConfig,
) -> TestClient:
    """The real web app on a copy of the blinding store."""
    copied = blind_store.copy_to(tmp_path / "var")
    return await aiohttp_client(init_app(copied, config=web_config, trial_factory=open_trial))
