"""The store of unsaved typing on both back ends: kept per account and form, taken once,
expired after its time, and worthless when its row is moved to another account."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from projections.db import ViewDatabase
from tests.web.conftest import FakeNow
from web.unsaved import KEEP_SECONDS, UnsavedTyping

FORM = "/participants/p-1/forms/baseline"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ViewDatabase]:
    if request.param == "sqlite":
        db = ViewDatabase.sqlite(tmp_path / "unsaved.sqlite")
    else:
        db = ViewDatabase.postgres(request.getfixturevalue("postgres_url"))
    yield db
    db.close()


@pytest.fixture
def store(database: ViewDatabase) -> UnsavedTyping:
    kept = UnsavedTyping(database, Fernet.generate_key().decode(), FakeNow())
    kept.ensure_schema()
    return kept


def test_kept_for_the_account_and_form_and_taken_once(store: UnsavedTyping) -> None:
    store.keep("sara", FORM, [("LBP_NOW", "7"), ("PAIN_MEDICATION", "none")])
    store.keep("sara", FORM, [("LBP_NOW", "8")])  # the newer typing replaces the older
    assert store.take("ivan", FORM) is None
    assert store.take("sara", FORM + "x") is None
    assert store.take("sara", FORM) == [("LBP_NOW", "8")]
    assert store.take("sara", FORM) is None


def test_expired_typing_is_not_given_back(database: ViewDatabase) -> None:
    now = FakeNow()
    store = UnsavedTyping(database, Fernet.generate_key().decode(), now)
    store.ensure_schema()
    store.keep("sara", FORM, [("LBP_NOW", "7")])
    now.value += KEEP_SECONDS + 1
    assert store.take("sara", FORM) is None


def test_a_row_moved_to_another_account_is_worthless(
    store: UnsavedTyping, database: ViewDatabase
) -> None:
    store.keep("sara", FORM, [("LBP_NOW", "7")])
    with database.transaction() as cur:
        cur.execute("UPDATE unsaved_typing SET user_name = ? WHERE user_name = ?", ("ivan", "sara"))
    assert store.take("ivan", FORM) is None
