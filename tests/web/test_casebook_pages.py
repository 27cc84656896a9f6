"""Casebooks on the web: the participant page's PDF in the reader's view, the site archive for
unblinded accounts only (403 and logged for others), the annotated blank CRF, another site's
participant refused."""

from __future__ import annotations

import io
import re
import zipfile
from uuid import UUID

import pytest
from eventsourcing.utils import get_topic
from pypdf import PdfReader

from domain.refusal_log import CommandRefused
from edc.application import SYSTEM
from tests import factories
from tests.app.conftest import NAMES, PASSWORD
from tests.web.conftest import Client, bearer, sign_in
from tests.web.store import Seeded
from tests.web.test_allocation_recheck_page import sign_in_unblinded
from web.config import WebConfig
from web.keys import TRIAL

AE_TERM = "Stivhed i ryggen \u2013 værre om morgenen"


def pdf_text(data: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", " ", text)


async def _report_ae(client: Client, seeded: Seeded) -> None:
    items = factories.adverse_event(AE_TERM=AE_TERM, AE_ONSET="2024-01-15", AE_END="2024-01-15")
    response = await client.put(
        f"/api/v1/participants/{seeded.randomised}/forms/adverse_event",
        json={"items": items, "expected_version": 0},
        headers=bearer(seeded, "site_staff"),
    )
    assert response.status == 200, await response.text()


def _unblind(client: Client, config: WebConfig, role: str) -> None:
    trial = client.app[TRIAL]
    trial.set_blinded(SYSTEM, NAMES[role], False, "Handles adverse events")
    sign_in_unblinded(client, config, NAMES[role], trial.get_user(NAMES[role]).session_epoch)


async def test_the_participant_page_offers_the_casebook_pdf_in_the_readers_view(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    await _report_ae(client, seeded)
    sign_in(client, web_config, "investigator")
    page = await (await client.get(f"/participants/{seeded.randomised}")).text()
    link = f"/participants/{seeded.randomised}/casebook.pdf"
    assert f'href="{link}"' in page
    response = await client.get(link)
    assert response.status == 200
    assert response.content_type == "application/pdf"
    assert response.headers["X-EDC-View"] == "blinded"
    text = pdf_text(await response.read())
    assert "Casebook of participant RINGE-" in text and "LBP_NOW" in text
    assert "Arm:" not in text and AE_TERM not in text and "Adverse event" not in text

    _unblind(client, web_config, "investigator")
    unblinded = await client.get(link)
    assert unblinded.headers["X-EDC-View"] == "unblinded"
    text = pdf_text(await unblinded.read())
    assert f"Arm: {seeded.arm}" in text and AE_TERM in text


@pytest.mark.parametrize("role", ["site_staff", "assessor", "analyst", "admin"])
async def test_roles_without_the_audit_trail_get_no_casebook(
    client: Client, web_config: WebConfig, seeded: Seeded, role: str
) -> None:
    sign_in(client, web_config, role)
    response = await client.get(f"/participants/{seeded.randomised}/casebook.pdf")
    assert response.status == 403
    assert seeded.arm not in (await response.text()).split("<main", 1)[-1]


async def test_another_sites_investigator_is_refused(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    trial = client.app[TRIAL]
    trial.add_user(
        SYSTEM,
        "olga",
        "investigator",
        PASSWORD,
        site="ODENSE",
        blinded=False,
        blinding_reason="Signs adverse events",
        one_time=False,
    )
    sign_in_unblinded(client, web_config, "olga", trial.get_user("olga").session_epoch)
    response = await client.get(f"/participants/{seeded.randomised}/casebook.pdf")
    assert response.status == 403
    assert "own site" in await response.text()
    archive = await client.get("/casebooks/archive.zip", params={"site": "RINGE"})
    assert archive.status == 403


@pytest.mark.parametrize("role", ["investigator", "monitor", "data_manager"])
async def test_the_archive_is_refused_to_blinded_accounts_and_logged(
    client: Client, web_config: WebConfig, seeded: Seeded, role: str
) -> None:
    sign_in(client, web_config, role)
    page = await (await client.get("/casebooks")).text()
    assert "/casebooks/archive.zip" not in page
    response = await client.get("/casebooks/archive.zip", params={"site": "RINGE"})
    assert response.status == 403
    assert response.content_type == "text/html"
    trial = client.app[TRIAL]
    refusals = trial.list_refusals(trial.actor_for(NAMES["monitor"]), limit=1000)
    assert any(r["user"] == NAMES[role] and r["command"] == "site_archive" for r in refusals)


async def test_an_unblinded_investigator_downloads_the_site_archive(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    await _report_ae(client, seeded)
    _unblind(client, web_config, "investigator")
    page = await (await client.get("/casebooks")).text()
    assert 'action="/casebooks/archive.zip"' in page
    response = await client.get("/casebooks/archive.zip")
    assert response.status == 200, await response.text()
    assert response.content_type == "application/zip"
    with zipfile.ZipFile(io.BytesIO(await response.read())) as archive:
        names = archive.namelist()
        assert len([n for n in names if n.startswith("RINGE/")]) == 3
        trial = client.app[TRIAL]
        investigator = trial.actor_for(NAMES["investigator"])
        number = trial.get_participant(investigator, UUID(seeded.randomised))["screening_number"]
        text = pdf_text(archive.read(f"RINGE/{number}.pdf"))
    assert AE_TERM in text and f"Arm: {seeded.arm}" in text


async def test_the_annotated_blank_crf_for_the_trial_master_file(
    client: Client, web_config: WebConfig
) -> None:
    sign_in(client, web_config, "data_manager")
    page = await (await client.get("/casebooks")).text()
    assert "/casebooks/annotated-crf.pdf" in page
    response = await client.get("/casebooks/annotated-crf.pdf")
    assert response.status == 200
    text = pdf_text(await response.read())
    assert "I.LBP_NOW" in text and "CL.YN" in text and "F.BASELINE" in text
    assert "Adherence" not in text  # a blinded account's CRF, like its data dictionary


async def test_bad_input_gets_a_clear_4xx_and_changes_nothing(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    _unblind(client, web_config, "investigator")
    trial = client.app[TRIAL]
    head = trial.recorder.max_notification_id()
    link = f"/participants/{seeded.randomised}/casebook.pdf"
    for path, params, status in (
        (link, {"as_of": "abc"}, 422),
        (link, {"as_of": "99999999"}, 422),
        ("/participants/not-a-uuid/casebook.pdf", {}, 404),
        ("/participants/00000000-0000-0000-0000-000000000000/casebook.pdf", {}, 404),
        ("/casebooks/archive.zip", {"site": "NOWHERE"}, 403),  # a site role: its own only
        ("/casebooks/archive.zip", {"as_of": "0"}, 422),
    ):
        response = await client.get(path, params=params)
        assert response.status == status, (path, params, await response.text())
        assert "Traceback" not in await response.text()
    # Nothing was written but the refusals' log records.
    after = trial.recorder.select_notifications(start=(head or 0) + 1, limit=100)
    assert {n.topic for n in after} <= {get_topic(CommandRefused)}


async def test_the_casebooks_page_offers_each_account_what_it_may_have(
    client: Client, web_config: WebConfig
) -> None:
    sign_in(client, web_config, "admin")
    assert (await client.get("/casebooks")).status == 403
    sign_in(client, web_config, "analyst")
    page = await (await client.get("/casebooks")).text()
    assert "/casebooks/annotated-crf.pdf" in page and "The site archive" not in page
    exports = await (await client.get("/exports")).text()
    assert "/casebooks/annotated-crf.pdf" in exports
    sign_in(client, web_config, "investigator")
    response = await client.get("/casebooks/annotated-crf.pdf")
    assert response.status == 403


async def test_an_unblinded_monitor_chooses_the_site_of_the_archive(
    client: Client, web_config: WebConfig
) -> None:
    _unblind(client, web_config, "monitor")
    page = await (await client.get("/casebooks")).text()
    assert 'id="archive-site"' in page
    assert (await client.get("/casebooks/archive.zip")).status == 422
    assert (await client.get("/casebooks/archive.zip", params={"site": "NOWHERE"})).status == 404
    response = await client.get("/casebooks/archive.zip", params={"site": "RINGE"})
    assert response.status == 200 and response.content_type == "application/zip"


async def test_a_danish_account_gets_its_casebook_and_blank_crf_in_danish(
    client: Client, web_config: WebConfig, seeded: Seeded
) -> None:
    token = sign_in(client, web_config, "data_manager")
    await client.post("/language", data={"csrf_token": token, "lang": "da"})
    response = await client.get(f"/participants/{seeded.randomised}/casebook.pdf")
    assert response.status == 200
    text = pdf_text(await response.read())
    assert "Casebog for deltager RINGE-" in text and "Underskrifter" in text
    assert "Casebook of participant" not in text and "Audit trail" not in text
    assert re.search(r"Hændelse \d+ · \d{1,2}\. [a-z]{3}\. \d{4} \d\d\.\d\d CET", text)
    assert "LBP_NOW" in text
    blank = pdf_text(await (await client.get("/casebooks/annotated-crf.pdf")).read())
    assert "Annoteret tomt CRF" in blank and "I.LBP_NOW" in blank
