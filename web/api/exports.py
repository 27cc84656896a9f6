"""API handlers for snapshots and ODM exports (reproducible at a position `as_of`)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any

from aiohttp import web

from edc.usecases.downloads import ExportKind, export_download
from web.api import models
from web.api.body import respond
from web.api.endpoints import Endpoint, Param
from web.calls import actor_of, run, trial_of
from web.downloads import stream_file
from web.errors import ApiError
from web.numbers import whole_number

AS_OF = Param(
    "as_of",
    "query",
    "Last event position included (default: the latest)",
    {"type": "integer", "minimum": 1},
)
VIEW = Param(
    "view",
    "path",
    "blinded or unblinded",
    {"type": "string", "enum": ["blinded", "unblinded"]},
    True,
)


def _as_of(request: web.Request) -> int | None:
    text = request.query.get("as_of", "")
    if not text:
        return None
    position = whole_number(text)
    if position is None:
        raise ApiError(422, "invalid", "as_of is an event position.", {"as_of": "a whole number"})
    return position


def snapshot_json(zipped: bytes) -> dict[str, Any]:
    """The snapshot zip as JSON: the manifest and each CSV file as a list of rows."""
    with zipfile.ZipFile(io.BytesIO(zipped)) as archive:
        files = {
            name: list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8"))))
            for name in archive.namelist()
            if name.endswith(".csv")
        }
        manifest = json.loads(archive.read("manifest.json"))
    return {"manifest": manifest, "files": files}


async def snapshot(request: web.Request) -> web.StreamResponse:
    actor, trial = actor_of(request), trial_of(request)
    fmt = request.query.get("format", "csv")
    if fmt not in ("csv", "json"):
        raise ApiError(422, "invalid", "format is csv or json.", {"format": "csv or json"})
    file = await run(
        export_download,
        trial,
        actor,
        ExportKind.CSV,
        request.match_info["view"],
        _as_of(request),
        "api",
        what=f"snapshot {fmt}",
    )
    if fmt == "json":

        def build() -> dict[str, Any]:
            out = io.BytesIO()
            file.write(out)
            return snapshot_json(out.getvalue())

        return respond(models.SnapshotJson, await run(build))
    return await stream_file(request, file.write, file.file_name, "application/zip")


async def odm(request: web.Request) -> web.StreamResponse:
    actor, trial = actor_of(request), trial_of(request)
    kind = {"snapshot": ExportKind.ODM_SNAPSHOT, "transactional": ExportKind.ODM}.get(
        request.query.get("type", "snapshot")
    )
    if kind is None:
        raise ApiError(
            422,
            "invalid",
            "type is snapshot or transactional.",
            {"type": "snapshot or transactional"},
        )
    file = await run(
        export_download,
        trial,
        actor,
        kind,
        request.query.get("view", "blinded"),
        _as_of(request),
        "api",
    )
    return await stream_file(request, file.write, file.file_name, "application/xml")


ENDPOINTS = (
    Endpoint(
        "GET",
        "/snapshots/{view}",
        snapshot,
        "api_snapshot",
        "The analysis snapshot at `as_of`: a zip (CSV per form, data dictionary, "
        "manifest.json) or the same as JSON; the same as_of always gives the same bytes",
        answer=models.SnapshotJson,
        media_type="application/zip",
        errors=(401, 403, 422),
        params=(
            VIEW,
            AS_OF,
            Param(
                "format",
                "query",
                "csv (a zip) or json",
                {"type": "string", "enum": ["csv", "json"]},
            ),
        ),
    ),
    Endpoint(
        "GET",
        "/exports/odm",
        odm,
        "api_odm",
        "CDISC ODM 1.3.2 XML at `as_of`: Snapshot, or Transactional with audit records",
        media_type="application/xml",
        errors=(401, 403, 422),
        params=(
            Param(
                "view",
                "query",
                "blinded (default) or unblinded",
                {"type": "string", "enum": ["blinded", "unblinded"]},
            ),
            AS_OF,
            Param(
                "type",
                "query",
                "snapshot (default) or transactional",
                {"type": "string", "enum": ["snapshot", "transactional"]},
            ),
        ),
    ),
)
