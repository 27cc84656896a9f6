"""One permission per kind of data, whatever the route: analysts read the data as they stand
(CSV snapshot, ODM Snapshot, dictionary, analysis files) but not the audit trail, which ODM
Transactional and the audit stream carry (refusal log and login history included), on the
web, through the JSON API and from `edc export --user`."""

from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import TestClient

from tests.edc_process import edc
from tests.security.blind_store import BLINDED, BlindStore, sign_in_as
from web.config import WebConfig

ANALYST, MANAGER = BLINDED["analyst"], BLINDED["data_manager"]
AUDIT_TRAIL = ("odm", "audit")
DATA = ("csv", "odm-snapshot", "dictionary", "analysis")


async def test_analysts_are_refused_the_audit_trail_on_the_exports_page(
    blind_client: TestClient, blind_store: BlindStore, web_config: WebConfig
) -> None:
    sign_in_as(blind_client, web_config, ANALYST)
    for kind in AUDIT_TRAIL:
        response = await blind_client.get(f"/exports/{kind}?view=blinded")
        assert response.status == 403, kind
        assert "LoginSucceeded" not in await response.text()
    for kind in DATA:
        assert (await blind_client.get(f"/exports/{kind}?view=blinded")).status == 200, kind
    page = await (await blind_client.get("/exports")).text()
    assert "/exports/audit?" not in page and "/exports/odm?" not in page
    assert "/exports/csv?" in page and "/exports/odm-snapshot?" in page
    assert (await blind_client.get("/analysis")).status == 200


async def test_analysts_are_refused_odm_transactional_through_the_api(
    blind_client: TestClient, blind_store: BlindStore
) -> None:
    def headers(name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {blind_store.tokens[name]}"}

    api = "/api/v1"
    refused = await blind_client.get(
        f"{api}/exports/odm?type=transactional", headers=headers(ANALYST)
    )
    assert refused.status == 403 and (await refused.json())["error"] == "forbidden"
    for path in (
        "/exports/odm?type=snapshot",
        "/snapshots/blinded",
        "/snapshots/blinded?format=json",
    ):
        assert (await blind_client.get(api + path, headers=headers(ANALYST))).status == 200, path
    manager = await blind_client.get(
        f"{api}/exports/odm?type=transactional", headers=headers(MANAGER)
    )
    assert manager.status == 200


async def test_data_managers_keep_the_audit_trail(
    blind_client: TestClient, web_config: WebConfig
) -> None:
    sign_in_as(blind_client, web_config, MANAGER)
    for kind in (*AUDIT_TRAIL, *DATA):
        assert (await blind_client.get(f"/exports/{kind}?view=blinded")).status == 200, kind


def test_edc_export_as_an_analyst_refuses_the_audit_trail(
    blind_store: BlindStore, tmp_path: Path
) -> None:
    settings = blind_store.copy_to(tmp_path / "var")
    for kind in AUDIT_TRAIL:
        out = tmp_path / f"{kind}.out"
        done = edc(settings, "export", kind, "--user", ANALYST, "--out", str(out))
        assert done.returncode == 2 and "may not read the audit trail" in done.stderr, kind
        assert not out.exists()
    for kind in ("csv", "odm-snapshot"):
        out = tmp_path / f"{kind}.out"
        done = edc(settings, "export", kind, "--user", ANALYST, "--out", str(out))
        assert done.returncode == 0 and out.stat().st_size > 0, (kind, done.stderr)
    out = tmp_path / "audit-by-manager.ndjson"
    done = edc(settings, "export", "audit", "--user", MANAGER, "--out", str(out))
    assert done.returncode == 0 and out.stat().st_size > 0, done.stderr


def test_edc_export_as_a_blinded_account_refuses_the_unblinded_view(
    blind_store: BlindStore, tmp_path: Path
) -> None:
    settings = blind_store.copy_to(tmp_path / "var")
    for name in (ANALYST, MANAGER):
        out = tmp_path / f"{name}.zip"
        done = edc(
            settings, "export", "csv", "--view", "unblinded", "--user", name, "--out", str(out)
        )
        assert done.returncode == 2 and "unblinded" in done.stderr, (name, done.stderr)
        assert not out.exists()
