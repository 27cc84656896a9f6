"""`edc serve` as a process: serving, the demo seeding rule, and the session key it keeps."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from domain.errors import EdcError
from edc.bootstrap import build_trial
from edc.config import Settings
from tests.web.store import Seeded
from web.session_key import phone_key, session_key

EDC = [sys.executable, "-m", "cli"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(data_dir: Path, *extra: str, wait: float = 60) -> Iterator[tuple[str, list[str]]]:
    port = free_port()
    env = {**os.environ, "EDC_DATA_DIR": str(data_dir)}
    env.pop("EDC_DATABASE_URL", None)
    process = subprocess.Popen(
        [*EDC, "serve", "--host", "127.0.0.1", "--port", str(port), *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                if requests.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"edc serve did not start: {process.communicate()[0]}")
            time.sleep(0.2)
        lines: list[str] = []
        yield url, lines
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
        if "lines" in locals():
            lines.extend(output.splitlines())


def test_serve_without_demo_seeds_nothing(tmp_path: Path) -> None:
    data = tmp_path / "var"
    with serving(data) as (url, output):
        login = requests.get(url + "/login", timeout=5)
        assert login.status_code == 200 and "DEMO DATA" not in login.text
        assert requests.get(url + "/api/v1/participants", timeout=5).status_code == 401
    assert any(f"serving on {url}/" in line for line in output)
    assert not any("password" in line for line in output)
    trial = build_trial(Settings(data_dir=data))
    try:
        assert not trial.recorder.max_notification_id()
        assert trial.list_users() == []
    finally:
        trial.close()


def test_serve_demo_on_a_store_with_data_serves_it_as_it_is(seeded: Seeded, tmp_path: Path) -> None:
    settings = seeded.copy_to(tmp_path / "var")
    with serving(settings.data_dir, "--demo") as (url, output):
        login = requests.get(url + "/login", timeout=5)
        assert "DEMO DATA" in login.text
    text = "\n".join(output)
    assert "already holds data" in text
    assert "site_staff    sara   password: sara-demo-2007" in text


@pytest.mark.slow
def test_serve_demo_seeds_an_empty_store(tmp_path: Path) -> None:
    with serving(tmp_path / "var", "--demo", wait=600) as (url, _output):
        session = requests.Session()
        page = session.get(url + "/login", timeout=5).text
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        dashboard = session.post(
            url + "/login",
            timeout=30,
            data={"csrf_token": token, "name": "dana", "password": "dana-demo-2007"},
        )
        assert dashboard.status_code == 200 and 'id="count-screened">' in dashboard.text


def test_the_session_key_is_kept_in_the_data_dir_unless_given(tmp_path: Path) -> None:
    first = session_key(tmp_path / "var", environ={})
    path = tmp_path / "var" / "session.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert session_key(tmp_path / "var", environ={}) == first
    assert phone_key(tmp_path / "var", environ={}) != first
    given = "Wq0h3mY0tK0y3b7sC2VbO1o9Ff0QO4yHq8W4p7Gm2kE="
    assert session_key(tmp_path / "other", environ={"EDC_SESSION_KEY": given}) == given
    with pytest.raises(EdcError, match="not a valid session key"):
        session_key(tmp_path / "other", environ={"EDC_SESSION_KEY": "short"})


def _followers_of(data_dir: Path) -> list[int]:
    """Processes running `edc projections run` on `data_dir`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if (
            b"projections" in argv
            and b"run" in argv
            and (f"EDC_DATA_DIR={data_dir}".encode() in environ)
        ):
            found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads /proc")
def test_serve_with_the_read_models_in_a_process_of_their_own(
    seeded: Seeded, tmp_path: Path
) -> None:
    from edc.read_model_wiring import build_projections
    from tests import factories

    settings = seeded.copy_to(tmp_path / "var")
    with serving(settings.data_dir, "--read-models", "process") as (url, _output):
        assert len(_followers_of(settings.data_dir)) == 1
        answer = requests.post(
            url + "/api/v1/participants",
            json={"items": factories.screening()},
            headers={"Authorization": f"Bearer {seeded.tokens['site_staff']}"},
            timeout=30,
        )
        assert answer.status_code == 201, answer.text
        # No page is asked for, so only the follower process can bring the read models to
        # the new head.
        trial = build_trial(settings)
        try:
            projections = build_projections(settings, trial)
            try:
                deadline = time.monotonic() + 60
                while any(status.lag for status in projections.status()):
                    assert time.monotonic() < deadline, projections.status()
                    time.sleep(0.1)
                head = projections.head()
            finally:
                projections.db.close()
        finally:
            trial.close()
        assert head >= 1
    # Stopped with the server.
    deadline = time.monotonic() + 30
    while _followers_of(settings.data_dir):
        assert time.monotonic() < deadline, "the read models' process outlived the server"
        time.sleep(0.1)
