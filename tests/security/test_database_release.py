"""Attacks on the end of the trial: lock with a click, pull the arms, unlock and change data.

Locking is a signed step after pre-lock checks (each failing one overridden with a reason);
releasing the unblinded data is a second signed step; analysts take unblinded data only after
it, at positions from the release on; an unlock after the release suspends that and every
later manifest says so; every unblinded export is an event in the store.
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from eventsourcing.utils import get_topic

from domain.actor import Actor
from domain.database_lock import DatabaseLock
from domain.errors import FormInvalid, PermissionDenied, StateConflict
from domain.unblinded_export import UnblindedExport
from edc.application import Trial
from edc.exports import store_reader
from projections.exports import Cut, ExportKind, View, export
from tests import factories
from tests.app.conftest import NAMES, PASSWORD
from tests.app.journeys import randomised
from tests.web.conftest import Client, sign_in
from web.config import WebConfig
from web.keys import TRIAL


def events_of(trial: Trial, cls: type) -> list:
    topic = get_topic(cls)
    notifications = trial.recorder.select_notifications(start=1, limit=10**6, topics=[topic])
    return [trial.mapper.to_domain_event(n) for n in notifications]


def snapshot_manifest(trial: Trial, view: View, as_of: int | None = None) -> dict:
    out = io.BytesIO()
    export(ExportKind.CSV, Cut.of(store_reader(trial), view, as_of), out)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        return json.loads(archive.read("manifest.json"))


def test_locking_needs_the_password_and_a_reason_for_every_failing_check(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff, manager, monitor = actors["site_staff"], actors["data_manager"], actors["monitor"]
    pid, _arm = randomised(trial, staff)
    trial.raise_query(monitor, pid, "baseline", "LBP_NOW", "Please check.")
    checks = trial.pre_lock_checks(manager)
    assert checks["open_queries"]["findings"] and checks["follow_up"]["findings"]
    assert checks["signatures"]["findings"]

    with pytest.raises(PermissionDenied):
        trial.lock_database(manager, "not my password", factories.LOCK_OVERRIDES)
    with pytest.raises(FormInvalid) as refused:
        trial.lock_database(manager, PASSWORD)
    assert set(refused.value.fields) == {"open_queries", "follow_up", "signatures"}
    with pytest.raises(FormInvalid) as partly:
        trial.lock_database(manager, PASSWORD, {"open_queries": "Left for the next wave"})
    assert set(partly.value.fields) == {"follow_up", "signatures"}
    assert not trial.database_locked() and events_of(trial, DatabaseLock.Locked) == []

    trial.lock_database(manager, PASSWORD, factories.LOCK_OVERRIDES)
    (locked,) = events_of(trial, DatabaseLock.Locked)
    assert locked.signed_by and locked.meaning
    assert locked.checks["open_queries"]["override"] == factories.LOCK_OVERRIDES["open_queries"]
    assert locked.checks["open_queries"]["findings"][0].startswith("RINGE-")


def test_a_clean_trial_locks_without_overrides(trial: Trial, actors: dict[str, Actor]) -> None:
    staff, manager = actors["site_staff"], actors["data_manager"]
    pid, _arm = randomised(trial, staff)
    eos = {"EOS_DATE": "2024-01-15", "EOS_STATUS": "completed", "EOS_REASON": ""}
    trial.record_end_of_study(staff, pid, eos)
    # The follow-up visits were never entered: signed as it stands, saying so (issue 12).
    trial.sign(actors["investigator"], pid, PASSWORD, "approval", incomplete_reason="Ended early")
    assert all(not c["findings"] for c in trial.pre_lock_checks(manager).values())
    assert trial.lock_database(manager, PASSWORD)["locked"] is True
    (locked,) = events_of(trial, DatabaseLock.Locked)
    assert all(check["override"] is None for check in locked.checks.values())


def test_release_is_a_signed_step_on_a_locked_database_and_an_unlock_suspends_it(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    manager, analyst = actors["data_manager"], actors["analyst"]
    randomised(trial, actors["site_staff"])
    with pytest.raises(StateConflict, match="locked database"):
        trial.release_unblinded_data(manager, PASSWORD)
    trial.lock_database(manager, PASSWORD, factories.LOCK_OVERRIDES)
    with pytest.raises(PermissionDenied, match="not released"):
        trial.check_unblinded_access(analyst, None)
    with pytest.raises(PermissionDenied):
        trial.release_unblinded_data(manager, "wrong")
    status = trial.release_unblinded_data(manager, PASSWORD)
    start = status["release_from_position"]
    assert status["state"] == "released" and start
    trial.check_unblinded_access(analyst, start)
    with pytest.raises(PermissionDenied, match="before the release"):
        trial.check_unblinded_access(analyst, start - 1)
    with pytest.raises(StateConflict, match="already released"):
        trial.release_unblinded_data(manager, PASSWORD)

    before_unlock = trial.recorder.max_notification_id()
    manifest_before = snapshot_manifest(trial, View.BLINDED, before_unlock)
    assert manifest_before["database_lock"]["state"] == "released"
    trial.unlock_database(manager, "A late adverse event report")
    with pytest.raises(PermissionDenied, match="not released"):
        trial.check_unblinded_access(analyst, None)
    # Every later export says the database was unlocked after the release; earlier ones not.
    later = snapshot_manifest(trial, View.BLINDED)
    assert later["database_lock"] == {
        "state": "open",
        "unblinded_release_from": None,
        "unlocked_after_release": 1,
    }
    assert snapshot_manifest(trial, View.BLINDED, before_unlock) == manifest_before
    assert manifest_before["database_lock"]["unlocked_after_release"] == 0


async def test_an_analyst_pulls_arms_only_after_the_release_and_each_pull_is_an_event(
    client: Client, web_config: WebConfig
) -> None:
    assert client.app is not None
    trial: Trial = client.app[TRIAL]
    manager = trial.actor_for(NAMES["data_manager"])
    sign_in(client, web_config, "analyst")
    headers_api = "/api/v1/snapshots/unblinded"
    assert (await client.get("/exports/csv?view=unblinded")).status == 403
    trial.lock_database(manager, PASSWORD, factories.LOCK_OVERRIDES)
    assert (await client.get("/exports/csv?view=unblinded")).status == 403
    assert (await client.get(headers_api)).status == 403
    start = trial.release_unblinded_data(manager, PASSWORD)["release_from_position"]
    early = await client.get(f"/exports/csv?view=unblinded&as_of={start - 1}")
    assert early.status == 403
    assert "before the release" in await early.text()
    assert events_of(trial, UnblindedExport.Taken) == []

    for path in (
        f"/exports/csv?view=unblinded&as_of={start}",
        "/exports/odm-snapshot?view=unblinded",
        headers_api,
        "/reports/consort.svg?view=unblinded",
    ):
        response = await client.get(path)
        assert response.status == 200, path
        await response.read()
    taken = events_of(trial, UnblindedExport.Taken)
    assert [(t.kind, t.channel, t.actor["user"]) for t in taken] == [
        ("csv", "web", NAMES["analyst"]),
        ("odm-snapshot", "web", NAMES["analyst"]),
        ("snapshot csv", "api", NAMES["analyst"]),
        ("report consort", "web", NAMES["analyst"]),
    ]
    assert taken[0].as_of == start
    # Blinded exports are not recorded as unblinded ones.
    assert (await client.get("/exports/csv?view=blinded")).status == 200
    assert len(events_of(trial, UnblindedExport.Taken)) == 4


async def test_the_lock_page_lists_the_checks_and_signs(
    client: Client, web_config: WebConfig
) -> None:
    assert client.app is not None
    trial: Trial = client.app[TRIAL]
    csrf = sign_in(client, web_config, "data_manager")
    page = await (await client.get("/database")).text()
    assert "No query is open" in page and "casebook not signed" in page
    base = {"csrf_token": csrf, "action": "lock", "confirm": "yes"}
    no_reasons = await client.post("/database", data={**base, "password": PASSWORD})
    assert no_reasons.status == 422
    assert "give a reason to override" in await no_reasons.text()
    overrides = {f"override_{k}": v for k, v in factories.LOCK_OVERRIDES.items()}
    wrong = await client.post("/database", data={**base, **overrides, "password": "guess"})
    assert wrong.status == 403 and not trial.database_locked()
    assert factories.LOCK_OVERRIDES["follow_up"] in await wrong.text()  # what was typed stays
    locked = await client.post("/database", data={**base, **overrides, "password": PASSWORD})
    assert locked.status == 200 and trial.database_locked()
    assert "Release the unblinded data" in await locked.text()
    release = {"csrf_token": csrf, "action": "release", "password": PASSWORD}
    unconfirmed = await client.post("/database", data=release)
    assert unconfirmed.status == 422
    released = await client.post("/database", data={**release, "confirm": "yes"})
    assert "released to the analysts by" in await released.text()
    assert trial.database_lock_status()["released"] is True
