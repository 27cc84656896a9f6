"""Reports are scoped like every other read: a site role of another site gets no row and no
count of this site's participants, on the web (/reports/*) and from `edc report --user`;
trial-wide roles get every participant."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from tests.edc_process import edc
from tests.security.blind_store import BLINDED, OTHER_SITE, BlindStore, open_trial, sign_in_as
from web.config import WebConfig

ROW_REPORTS = ("visits.csv", "visits.html", "missing.csv", "missing.html", "enrolment.csv")


def _screening_numbers(store: BlindStore, tmp_path: Path) -> list[str]:
    trial = open_trial(store.copy_to(tmp_path / "numbers"))
    try:
        staff = trial.actor_for("sara")
        return [p["screening_number"] for p in trial.list_participants(staff)]
    finally:
        trial.close()


def _counted(name: str, text: str) -> int:
    """How many participants a report counts: rows, or screened people."""
    if name.startswith("consort"):
        return int(json.loads(text)["assessed"])
    if name == "enrolment.csv":
        return sum(int(row["screened"]) for row in csv.DictReader(io.StringIO(text)))
    if name == "missing.csv":
        return sum(int(row["forms_entered"]) for row in csv.DictReader(io.StringIO(text)))
    return len(list(csv.DictReader(io.StringIO(text)))) if name.endswith(".csv") else 0


@pytest.mark.parametrize("role", sorted(OTHER_SITE))
async def test_a_site_role_of_another_site_gets_no_participant_in_any_web_report(
    blind_client: TestClient,
    blind_store: BlindStore,
    web_config: WebConfig,
    tmp_path: Path,
    role: str,
) -> None:
    numbers = _screening_numbers(blind_store, tmp_path)
    sign_in_as(blind_client, web_config, OTHER_SITE[role])
    for name in (*ROW_REPORTS, "consort.json"):
        response = await blind_client.get(f"/reports/{name}")
        assert response.status == 200, (name, await response.text())
        text = await response.text()
        assert not [n for n in numbers if n in text], (role, name)
        assert blind_store.rest not in text and blind_store.exercise not in text
        assert _counted(name, text) == 0, (role, name, text[:300])


async def test_site_roles_of_the_site_and_trial_wide_roles_get_its_participants(
    blind_client: TestClient, blind_store: BlindStore, web_config: WebConfig
) -> None:
    for name in (BLINDED["assessor"], BLINDED["monitor"], BLINDED["data_manager"]):
        sign_in_as(blind_client, web_config, name)
        for report in ("visits.csv", "missing.csv", "enrolment.csv", "consort.json"):
            text = await (await blind_client.get(f"/reports/{report}")).text()
            assert _counted(report, text) > 0, (name, report)
        visits = await (await blind_client.get("/reports/visits.csv")).text()
        assert blind_store.rest in visits and blind_store.exercise in visits


def test_edc_report_as_an_account_of_another_site_has_no_participant(
    blind_store: BlindStore, tmp_path: Path
) -> None:
    settings = blind_store.copy_to(tmp_path / "var")
    numbers = _screening_numbers(blind_store, tmp_path)
    for kind, name in (
        ("visits", "visits.csv"),
        ("missing", "missing.csv"),
        ("consort", "consort.json"),
    ):
        out = tmp_path / name
        done = edc(settings, "report", kind, "--user", OTHER_SITE["site_staff"], "--out", str(out))
        assert done.returncode == 0, done.stderr
        text = out.read_text()
        assert not [n for n in numbers if n in text] and _counted(name, text) == 0, name
        whole = tmp_path / f"all-{name}"
        done = edc(settings, "report", kind, "--user", BLINDED["monitor"], "--out", str(whole))
        assert done.returncode == 0, done.stderr
        assert _counted(name, whole.read_text()) > 0, name
