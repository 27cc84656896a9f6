"""Exports: who gets which view, reproducible bytes at a position, streaming downloads."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from tests.web.conftest import Client, bearer, sign_in
from tests.web.crawl import arm_leaks
from tests.web.store import Seeded
from tests.web.untranslated import english_runs, visible_text
from web.config import WebConfig
from web.keys import TRIAL

KINDS = ("csv", "odm", "odm-snapshot", "audit", "dictionary")
AUDIT_TRAIL_KINDS = ("odm", "audit")


@pytest.mark.parametrize("role", ["site_staff", "assessor", "investigator", "monitor", "admin"])
async def test_exports_are_for_analysts_and_data_managers(
    client: Client, web_config: WebConfig, seeded: Seeded, role: str
) -> None:
    sign_in(client, web_config, role)
    assert (await client.get("/exports")).status == 403
    assert (await client.get("/exports/csv?view=blinded")).status == 403
    response = await client.get("/api/v1/snapshots/blinded", headers=bearer(seeded, role))
    assert response.status == 403


@pytest.mark.parametrize("role", ["analyst", "data_manager"])
async def test_blinded_exports_download_and_hold_no_arm(
    client: Client, web_config: WebConfig, role: str
) -> None:
    sign_in(client, web_config, role)
    page = await (await client.get("/exports")).text()
    assert "Blinded view" in page and "Unblinded view" not in page
    for kind in KINDS:
        response = await client.get(f"/exports/{kind}?view=blinded")
        if role == "analyst" and kind in AUDIT_TRAIL_KINDS:
            # ODM Transactional and the audit stream are the audit trail (issue 9).
            assert response.status == 403, kind
            continue
        assert response.status == 200, kind
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert response.headers["X-EDC-View"] == "blinded"
        body = await response.read()
        texts = (
            [
                zipfile.ZipFile(io.BytesIO(body)).read(n).decode()
                for n in zipfile.ZipFile(io.BytesIO(body)).namelist()
            ]
            if kind == "csv"
            else [body.decode()]
        )
        for text in texts:
            assert not arm_leaks(text), (kind, arm_leaks(text)[:3])
    refused = await client.get("/exports/csv?view=unblinded")
    assert refused.status == 403


async def test_the_same_position_gives_the_same_bytes(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    sign_in(client, web_config, "analyst")
    first = await (await client.get("/exports/csv?view=blinded&as_of=30")).read()
    assert client.app is not None
    trial = client.app[TRIAL]
    from uuid import UUID

    from tests import factories
    from tests.app.conftest import NAMES

    trial.record_form(
        trial.actor_for(NAMES["site_staff"]),
        UUID(seeded.screened),
        "mri",
        factories.mri(),
        expected_version=0,
    )
    again = await (await client.get("/exports/csv?view=blinded&as_of=30")).read()
    assert again == first
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(first)).read("manifest.json"))
    assert manifest["as_of"] == 30 and manifest["view"] == "blinded"
    latest = await (await client.get("/exports/csv?view=blinded")).read()
    assert latest != first
    assert (await client.get("/exports/csv?view=blinded&as_of=999999")).status == 422
    assert (await client.get("/exports/csv?view=blinded&as_of=x")).status == 422
    assert (await client.get("/exports/nothing")).status == 404


async def test_analysts_get_the_unblinded_view_after_the_release(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    assert client.app is not None
    trial = client.app[TRIAL]
    from tests import factories
    from tests.app.conftest import NAMES, PASSWORD

    sign_in(client, web_config, "analyst")
    assert (await client.get("/exports/csv?view=unblinded")).status == 403
    manager = trial.actor_for(NAMES["data_manager"])
    trial.lock_database(manager, PASSWORD, factories.LOCK_OVERRIDES)
    assert (await client.get("/exports/csv?view=unblinded")).status == 403  # locked, not released
    trial.release_unblinded_data(manager, PASSWORD)
    page = await (await client.get("/exports")).text()
    assert "Unblinded view" in page
    response = await client.get("/exports/csv?view=unblinded")
    assert response.status == 200
    archive = zipfile.ZipFile(io.BytesIO(await response.read()))
    participants = archive.read("participants.csv").decode()
    assert participants.splitlines()[0].split(",")[-1] == "ARM" or ",ARM" in participants
    assert seeded.arm in participants
    # The data manager stays blinded, lock or not.
    sign_in(client, web_config, "data_manager")
    assert (await client.get("/exports/csv?view=unblinded")).status == 403


async def test_snapshot_and_odm_api(client: Client, seeded: Seeded) -> None:
    headers = bearer(seeded, "analyst")
    zipped = await client.get("/api/v1/snapshots/blinded?as_of=25", headers=headers)
    assert zipped.status == 200 and zipped.content_type == "application/zip"
    as_json = await client.get("/api/v1/snapshots/blinded?as_of=25&format=json", headers=headers)
    body = await as_json.json()
    assert body["manifest"]["as_of"] == 25 and "participants.csv" in body["files"]
    assert {"participant_id", "screening_number", "status"} <= set(
        body["files"]["participants.csv"][0]
    )
    assert "ARM" not in body["files"]["participants.csv"][0]
    again = await client.get("/api/v1/snapshots/blinded?as_of=25", headers=headers)
    assert await again.read() == await zipped.read()
    for bad in ("format=xml", "as_of=0", "as_of=x"):
        assert (
            await client.get(f"/api/v1/snapshots/blinded?{bad}", headers=headers)
        ).status == 422, bad
    assert (await client.get("/api/v1/snapshots/unblinded", headers=headers)).status == 403
    assert (await client.get("/api/v1/snapshots/sideways", headers=headers)).status == 422
    # ODM Transactional is the audit trail: the data manager's, not the analyst's (issue 9).
    refused = await client.get("/api/v1/exports/odm?type=transactional", headers=headers)
    assert refused.status == 403
    manager = bearer(seeded, "data_manager")
    xml = await client.get("/api/v1/exports/odm?type=transactional", headers=manager)
    assert xml.status == 200 and (await xml.read()).startswith(b"<?xml")
    assert (await client.get("/api/v1/exports/odm?type=other", headers=headers)).status == 422


async def test_the_data_dictionary_page_reads_in_the_readers_language(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    """Item texts and code labels in Danish; item names, codes and ranges as they are."""
    token = sign_in(client, web_config, "data_manager")
    path = "/exports/dictionary?view=blinded&format=html"
    english = visible_text(await (await client.get(path)).text())
    assert "Data dictionary (blinded view)" in english
    assert "Physical load at work" in english and "lost to follow-up=Lost to follow-up" in english
    await client.post("/language", data={"csrf_token": token, "lang": "da"})
    page = await (await client.get(path)).text()
    danish = visible_text(page)
    assert '<html lang="da">' in page and "Datadictionary (blindet visning)" in danish
    assert "PHYSICAL_LOAD Fysisk belastning på arbejdet kode" in danish
    assert "lost to follow-up=Tabt til opfølgning" in danish
    assert "Kode for manglende svar på LBP_NOW" in danish
    assert "tom, når LBP_NOW har en værdi" in danish
    assert english_runs(danish) == []
    # The CSV is for programs: the same in every language.
    csv_danish = await (await client.get("/exports/dictionary?view=blinded")).text()
    await client.post("/language", data={"csrf_token": token, "lang": "en"})
    csv_english = await (await client.get("/exports/dictionary?view=blinded")).text()
    assert csv_danish == csv_english and "Physical load at work" in csv_english
