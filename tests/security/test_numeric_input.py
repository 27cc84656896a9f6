"""Numbers people and programs type: ASCII digits only, bounded, and a 4xx for anything else
(query parameters, path ids, form integers and decimals, JSON numbers, CLI options)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests import factories
from tests.edc_process import edc
from tests.exports.conftest import Built
from tests.web.conftest import Client, bearer, sign_in
from tests.web.store import Seeded
from web.config import WebConfig

API = "/api/v1"
HUGE = "9" * 5000
TOO_BIG = [str(2**63 - 1), str(2**63), str(2**64), "1" + "0" * 40, HUGE]
NOT_ASCII = ["٣٥", "\uff13\uff15", "३५", "¹", "35\u0660"]


async def _status(client: Client, seeded: Seeded, role: str, path: str) -> tuple[int, Any]:
    response = await client.get(API + path, headers=bearer(seeded, role))
    assert response.content_type == "application/json", await response.text()
    return response.status, await response.json()


@pytest.mark.parametrize("value", [*TOO_BIG, *NOT_ASCII, "-1", "1e3", "0x10", " 5", "5 "])
async def test_audit_paging_numbers_are_ascii_and_bounded(
    client: Client, seeded: Seeded, value: str
) -> None:
    for name in ("since", "limit"):
        status, body = await _status(client, seeded, "data_manager", f"/audit?{name}={value}")
        if name == "since" and value == str(2**63 - 1):
            # The largest position a database can hold is a valid (empty) page.
            assert status == 200 and body["events"] == []
            continue
        assert status == 422, (name, value, status)
        assert name in body["fields"]


@pytest.mark.parametrize("value", [*TOO_BIG, *NOT_ASCII])
async def test_as_of_positions_are_ascii_and_bounded(
    client: Client, seeded: Seeded, value: str
) -> None:
    for path in (
        f"/participants/{seeded.randomised}?as_of={value}",
        f"/snapshots/blinded?as_of={value}&format=json",
        f"/exports/odm?view=blinded&as_of={value}",
    ):
        role = "data_manager" if path.startswith("/participants") else "analyst"
        status, body = await _status(client, seeded, role, path)
        assert status == 422, (path, status)
        assert "as_of" in body["fields"]


@pytest.mark.parametrize(
    ("item", "value"),
    [("LBP_NOW", HUGE), ("LBP_NOW", "٣"), ("EQ5D_VAS", "\uff13\uff15"), ("LBP_NOW", "-" + HUGE)],
)
async def test_web_form_numbers_are_ascii_and_bounded(
    client: Client, web_config: WebConfig, seeded: Seeded, item: str, value: str
) -> None:
    token = sign_in(client, web_config, "site_staff")
    items = {**factories.outcomes(), item: value}
    data = {k: v if isinstance(v, str) else str(v) for k, v in items.items()}
    path = f"/participants/{seeded.ready}/forms/baseline"
    before = await (
        await client.get(
            API + f"/participants/{seeded.ready}", headers=bearer(seeded, "site_staff")
        )
    ).json()
    version = before["forms"]["baseline"]["version"]
    response = await client.post(
        path,
        data={
            **data,
            "csrf_token": token,
            "expected_version": str(version),
            "reason_code": "transcription_error",
        },
    )
    assert response.status == 422, response.status
    after = await (
        await client.get(
            API + f"/participants/{seeded.ready}", headers=bearer(seeded, "site_staff")
        )
    ).json()
    assert after["forms"]["baseline"] == before["forms"]["baseline"]


@pytest.mark.parametrize("version", ["٣", HUGE, "\uff11"])
async def test_form_versions_and_page_numbers_are_ascii(
    client: Client, web_config: WebConfig, seeded: Seeded, version: str
) -> None:
    token = sign_in(client, web_config, "site_staff")
    data = {k: str(v) for k, v in factories.outcomes(LBP_NOW=1).items()}
    response = await client.post(
        f"/participants/{seeded.ready}/forms/baseline",
        data={
            **data,
            "csrf_token": token,
            "expected_version": version,
            "reason_code": "transcription_error",
        },
    )
    assert 400 <= response.status < 500
    for page in (HUGE, "٣", str(2**70)):
        listing = await client.get(f"/participants?page={page}")
        assert listing.status == 200
    week = await client.get(f"/participants/{seeded.randomised}/forms/weekly?week={HUGE}")
    assert week.status == 200


async def test_json_numbers_out_of_range_are_refused(client: Client, seeded: Seeded) -> None:
    headers = {**bearer(seeded, "site_staff"), "Content-Type": "application/json"}
    path = API + f"/participants/{seeded.ready}/forms/baseline"
    for version in (str(2**64), "1" * 5000, "1e400"):
        response = await client.put(
            path,
            data='{"items": {}, "expected_version": ' + version + "}",
            headers=headers,
        )
        assert 400 <= response.status < 500, (version, response.status)


@pytest.mark.parametrize("as_of", ["\u0663", "1" * 5000, "-1", str(2**64)])
def test_the_command_line_refuses_non_ascii_or_unbounded_positions(
    fresh: Built, tmp_path: Path, as_of: str
) -> None:
    done = edc(fresh.settings, "export", "csv", "--as-of", as_of, "--out", str(tmp_path / "x.zip"))
    assert done.returncode == 2, done.stderr
    assert "--as-of" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "x.zip").exists()


def test_the_command_line_refuses_a_position_beyond_the_latest(
    fresh: Built, tmp_path: Path
) -> None:
    head = fresh.trial.recorder.max_notification_id() or 0
    out = tmp_path / "x.zip"
    done = edc(fresh.settings, "export", "csv", "--as-of", str(head + 1), "--out", str(out))
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert f"latest is {head}" in done.stderr + done.stdout
    assert not out.exists()


async def test_path_ids_are_ascii(client: Client, seeded: Seeded) -> None:
    arabic = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    for path in (
        f"/participants/{seeded.randomised.translate(arabic)}",
        f"/queries/{seeded.randomised.translate(arabic)}/close",
    ):
        method = "POST" if path.endswith("close") else "GET"
        response = await client.request(
            method,
            API + path,
            json={} if method == "POST" else None,
            headers=bearer(seeded, "monitor"),
        )
        assert response.status == 404, path
    status, _ = await _status(client, seeded, "monitor", f"/participants/{seeded.randomised}")
    assert status == 200


async def test_page_positions_at_the_largest_integer_answer_a_page(
    client: Client, web_config: WebConfig
) -> None:
    sign_in(client, web_config, "data_manager")
    for path in (
        f"/audit?since={2**63 - 1}",
        f"/refusals?since={2**63 - 1}",
        f"/audit?since={HUGE[:3000]}&limit={HUGE[:3000]}",
        f"/exports?as_of={2**63 - 1}",
    ):
        response = await client.get(path)
        assert response.status == 200 or 400 <= response.status < 500, (path, response.status)
