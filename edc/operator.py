"""Who runs a command from a shell: the system's operator, named in every event written.

`edc` commands act as the system (they need the files, which the operator holds anyway), but
the trail must still say which person ran them (21 CFR 11.10(e), 11.300): the name given with
`EDC_OPERATOR`, or else the operating-system user running the process.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import replace

from domain.actor import Actor
from edc.base import SYSTEM

OPERATOR_VARIABLE = "EDC_OPERATOR"
MAX_OPERATOR = 100


def operator_name(explicit: str | None = None) -> str:
    """The operator's name: explicit, else EDC_OPERATOR, else the OS user, else 'unknown'."""
    name = (explicit or os.environ.get(OPERATOR_VARIABLE) or "").strip()
    if not name:
        try:
            name = getpass.getuser()
        except (OSError, KeyError):
            name = "unknown"
    # One line of printable text: the name goes into the trail as it is.
    name = "".join(c for c in name if c.isprintable())
    return name[:MAX_OPERATOR] or "unknown"


def operator_actor(explicit: str | None = None) -> Actor:
    """The system actor of a shell command, naming the operator who ran it."""
    return replace(SYSTEM, operator=operator_name(explicit))
