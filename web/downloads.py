"""Streaming a file for the web: made in a worker thread, spooled, then sent in chunks. What
file an account may have, in which view and at which cut, is decided by the application's
read use cases (edc.usecases.downloads)."""

from __future__ import annotations

import tempfile
from typing import IO, Any

from aiohttp import web

from edc.usecases.downloads import Writer
from web.calls import run

CHUNK = 64 * 1024
# Exports are spooled in memory up to this size, then to a temporary file (memory stays flat).
SPOOL = 4 * 1024 * 1024


async def stream_file(
    request: web.Request,
    writer: Writer,
    file_name: str,
    content_type: str,
    *,
    attachment: bool = True,
) -> web.StreamResponse:
    """Write the export in a worker thread, then send it in chunks."""

    def produce() -> tuple[IO[bytes], dict[str, Any]]:
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL)  # noqa: SIM115
        try:
            manifest = writer(spool)
        except BaseException:
            spool.close()
            raise
        spool.seek(0)
        return spool, manifest

    spool, manifest = await run(produce)
    try:
        response = web.StreamResponse(
            headers={
                "Content-Type": content_type,
                "Content-Disposition": f"{'attachment' if attachment else 'inline'}; "
                f'filename="{file_name}"',
            }
        )
        if isinstance(manifest, dict):
            for key, header in (
                ("as_of", "X-EDC-As-Of"),
                ("chain_head", "X-EDC-Chain-Head"),
                ("view", "X-EDC-View"),
            ):
                if manifest.get(key) is not None:
                    response.headers[header] = str(manifest[key])
        await response.prepare(request)
        while chunk := await run(spool.read, CHUNK):
            await response.write(chunk)
        await response.write_eof()
        return response
    finally:
        spool.close()
