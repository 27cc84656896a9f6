"""A port that is taken: `edc serve` says so and how to choose another (`make run PORT=...`)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]


def test_serve_on_a_taken_port_says_which_and_how_to_choose_another(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "EDC_DATA_DIR": str(tmp_path / "var")}
        env.pop("EDC_DATABASE_URL", None)
        result = subprocess.run(
            [sys.executable, "-m", "cli", "serve", "--port", str(port)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is taken" in result.stderr
    assert f"make run PORT={port + 1}" in result.stderr
    assert "Traceback" not in result.stderr


def test_make_run_serves_on_the_port_given() -> None:
    planned = subprocess.run(
        ["make", "-n", "-C", str(REPOSITORY), "run", "PORT=8123"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "edc serve --host 127.0.0.1 --port 8123 --demo" in planned.stdout
