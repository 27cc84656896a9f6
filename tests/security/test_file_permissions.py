"""No other local user reads the trial: directories 0700, files 0600 (the store, its -wal and
-shm, read models, anchors, keys, backups), and no backup carries a key. A restore with the
keys kept as the README says gives back the same keys. SQLite data directories (a PostgreSQL
backup is a dump file: it is checked too).
"""

from __future__ import annotations

import shutil
import stat
import tarfile
from pathlib import Path

import pytest

from domain.actor import Actor
from edc.application import Trial
from edc.bootstrap import build_trial
from edc.config import Settings
from tests.app.conftest import actors, clock, settings, trial
from tests.app.journeys import screened
from tests.edc_process import edc
from tests.security.common import add_user, built, verify
from web.session_key import key_directory, phone_key, session_key

__all__ = ["actors", "clock", "settings", "trial"]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def modes(directory: Path) -> dict[str, int]:
    found = {".": mode(directory)}
    found.update({str(p.relative_to(directory)): mode(p) for p in directory.rglob("*")})
    return found


def owner_only(directory: Path) -> dict[str, int]:
    """Everything below `directory` that another user could read or enter."""
    return {name: m for name, m in modes(directory).items() if m & 0o077}


def test_a_new_data_directory_and_everything_in_it_is_for_the_owner_only(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path / "site" / "var")
    assert add_user(settings, "mona").returncode == 0
    assert edc(settings, "projections", "rebuild").returncode == 0
    assert mode(settings.data_dir) == 0o700
    assert mode(settings.sqlite_path("trial")) == 0o600
    assert owner_only(settings.data_dir) == {}
    assert owner_only(settings.anchor_path) == {}


def test_the_write_ahead_log_of_an_open_store_is_for_the_owner_only(
    trial: Trial, actors: dict[str, Actor], settings: Settings
) -> None:
    if settings.database_url:
        pytest.skip("SQLite side files")
    screened(trial, actors["site_staff"])
    wal = Path(f"{settings.sqlite_path('trial')}-wal")
    shm = Path(f"{settings.sqlite_path('trial')}-shm")
    assert wal.exists() and shm.exists()
    assert (mode(wal), mode(shm)) == (0o600, 0o600)
    assert mode(settings.data_dir) == 0o700


def test_an_existing_world_readable_store_is_tightened_when_opened(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var")
    assert add_user(settings, "mona").returncode == 0
    settings.data_dir.chmod(0o755)
    settings.sqlite_path("trial").chmod(0o644)
    assert add_user(settings, "nils").returncode == 0
    assert mode(settings.data_dir) == 0o700
    assert mode(settings.sqlite_path("trial")) == 0o600


@pytest.mark.parametrize("form", ["backup", "backup.tar.gz"])
def test_backups_are_for_the_owner_only_and_hold_no_key(
    trial: Trial, actors: dict[str, Actor], settings: Settings, tmp_path: Path, form: str
) -> None:
    keys = key_directory(settings)
    secrets = [session_key(keys), phone_key(keys)]
    # A data directory of an older release still holding a key file.
    legacy = settings.data_dir / "session.key"
    built(trial, actors, settings)
    settings.data_dir.mkdir(exist_ok=True)
    legacy.write_text("an old key left in the data directory\n")
    target = tmp_path / form
    done = edc(settings, "backup", str(target))
    assert done.returncode == 0, done.stderr

    if target.is_dir():
        assert owner_only(target) == {}
        files = {p.name: p.read_bytes() for p in target.iterdir()}
    else:
        assert mode(target) == 0o600
        with tarfile.open(target) as archive:
            members = archive.getmembers()
            assert all(m.mode & 0o077 == 0 for m in members)
            files = {
                m.name: archive.extractfile(m).read()  # type: ignore[union-attr]
                for m in members
                if m.isfile()
            }
    assert not [name for name in files if name.endswith(".key")]
    for content in files.values():
        for secret in [*secrets, "an old key left"]:
            assert secret.encode() not in content


def test_keys_live_outside_the_data_directory_owner_only(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var")
    settings.data_dir.mkdir()
    old = settings.data_dir / "phone.key"
    old.write_text("kept by an older release\n")
    keys = key_directory(settings)
    assert not keys.is_relative_to(settings.data_dir.absolute())
    assert not old.exists()  # moved, not copied: no key stays in the data directory
    assert (keys / "phone.key").read_text() == "kept by an older release\n"
    session_key(keys)
    assert mode(keys) == 0o700 and owner_only(keys) == {}


def test_a_restore_with_the_keys_kept_as_documented_gives_back_the_same_keys(
    trial: Trial, actors: dict[str, Actor], settings: Settings, tmp_path: Path
) -> None:
    if settings.database_url:
        pytest.skip("replaces a SQLite data directory")
    keys = key_directory(settings)
    before = (session_key(keys), phone_key(keys))
    built(trial, actors, settings)
    backup = tmp_path / "backup"
    assert edc(settings, "backup", str(backup)).returncode == 0
    # The README: keep a copy of the key directory apart from the backups.
    kept = tmp_path / "safe" / "keys"
    shutil.copytree(keys, kept)
    # The machine is lost: data, keys and all.
    shutil.rmtree(settings.data_dir)
    shutil.rmtree(keys)

    restored = edc(settings, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert "Keys are not in backups" in restored.stdout
    shutil.copytree(kept, keys)
    assert (session_key(key_directory(settings)), phone_key(key_directory(settings))) == before
    assert owner_only(settings.data_dir) == {}
    assert verify(settings).returncode == 0
    reopened = build_trial(settings)
    try:
        assert reopened.actor_for("sara").user == "sara"
    finally:
        reopened.close()


def test_a_restore_given_the_keys_in_the_environment_works_with_no_key_file(
    trial: Trial, actors: dict[str, Actor], settings: Settings, tmp_path: Path
) -> None:
    if settings.database_url:
        pytest.skip("replaces a SQLite data directory")
    keys = key_directory(settings)
    given = {"EDC_SESSION_KEY": session_key(keys), "EDC_PHONE_KEY": phone_key(keys)}
    built(trial, actors, settings)
    backup = tmp_path / "backup"
    assert edc(settings, "backup", str(backup)).returncode == 0
    shutil.rmtree(settings.data_dir)
    shutil.rmtree(keys)
    assert edc(settings, "restore", str(backup)).returncode == 0
    assert session_key(Path(tmp_path / "nowhere"), environ=given) == given["EDC_SESSION_KEY"]
    assert phone_key(Path(tmp_path / "nowhere"), environ=given) == given["EDC_PHONE_KEY"]
