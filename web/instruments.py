"""The instruments' validated wording: read once at start from the file a site fills in.

`EDC_INSTRUMENT_WORDING` names a TOML file (see README); without it pages show the product's
own neutral labels only. A file that cannot be read or says something wrong stops the start
with a clear message rather than showing a questionnaire half in the validated wording.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

from aiohttp import web

from domain.crf.instruments import WordingInvalid, parse_wording

WORDING_SETTING = "EDC_INSTRUMENT_WORDING"
INSTRUMENT_WORDING: web.AppKey[dict[str, str]] = web.AppKey("instrument_wording", dict)


def load_wording(path: Path) -> dict[str, str]:
    try:
        with path.open("rb") as file:
            data = tomllib.load(file)
    except OSError as error:
        raise WordingInvalid(f"The wording file {path} cannot be read: {error.strerror}.") from None
    except tomllib.TOMLDecodeError as error:
        raise WordingInvalid(f"The wording file {path} is not valid TOML: {error}.") from None
    return parse_wording(data)


def wording_from_environ(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    environ = os.environ if environ is None else environ
    name = environ.get(WORDING_SETTING)
    return load_wording(Path(name)) if name else {}


def instrument_wording(request: web.Request) -> Mapping[str, str]:
    return request.app.get(INSTRUMENT_WORDING) or {}
