"""Fuzzing: schemathesis against the OpenAPI document, hypothesis on HTML form posts.

Bounded (a few dozen examples per operation) so the suite stays quick. Whatever arrives, the
answer is a documented 2xx/4xx with the documented body, never a 5xx.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from domain import crf
from tests.app.conftest import StepClock
from tests.live_server import LiveServer
from tests.web.store import Seeded, build_template
from web.api.openapi import openapi_document
from web.api.routes import endpoints

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def fuzz_seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    return build_template(tmp_path_factory.mktemp("fuzz-template") / "var")


@pytest.fixture(scope="module")
def fuzz_server(
    fuzz_seeded: Seeded, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    settings_ = fuzz_seeded.copy_to(Path(tmp_path_factory.mktemp("fuzz")) / "var")
    server = LiveServer(settings_, StepClock(datetime(2024, 2, 1, 9, tzinfo=UTC))).start()
    yield server
    server.stop()


# schemathesis' own pytest integration (`from_fixture`) fails under pytest 9 ("'Function'
# object has no attribute '_nodeid'"), so its operations' hypothesis strategies are used
# directly, with the same checks.
SCHEMA = schemathesis.openapi.from_dict(openapi_document(endpoints()))
OPERATIONS = {
    f"{op.method.upper()} {op.path}": op
    for op in (result.ok() for result in SCHEMA.get_all_operations())
}


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
@pytest.mark.parametrize("role", ["site_staff", "monitor"])
def test_api_answers_as_documented(
    operation: str, role: str, fuzz_server: LiveServer, fuzz_seeded: Seeded
) -> None:
    headers = {"Authorization": f"Bearer {fuzz_seeded.tokens[role]}"}

    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(case=OPERATIONS[operation].as_strategy(), known=st.booleans())
    def check(case: Any, known: bool) -> None:
        # Half of the path ids point at a real participant, so cases reach the domain.
        if known and "pid" in (case.path_parameters or {}):
            case.path_parameters["pid"] = fuzz_seeded.randomised
        case.call_and_validate(base_url=fuzz_server.url, headers=headers, checks=CHECKS)

    check()


def _item_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=12),
        st.integers(-1000, 1000).map(str),
        st.dates().map(str),
        st.sampled_from(["Y", "N", "NA", "1", "2", "1/2", "L4/L5", "", " ", "ø", "\x00"]),
    )


@settings(max_examples=60, deadline=None)
@given(
    form=st.sampled_from(sorted(crf.ITEMS)),
    values=st.dictionaries(
        st.sampled_from([*sorted({s.name for v in crf.ITEMS.values() for s in v}), "junk"]),
        st.lists(_item_text(), min_size=1, max_size=2),
        max_size=12,
    ),
    version=st.sampled_from(["0", "1", "2", "-1", "x", ""]),
    reason=st.sampled_from(["", "transcription_error", "other", "bogus"]),
)
def test_html_form_posts_never_fail_with_5xx(
    fuzz_server: LiveServer,
    fuzz_seeded: Seeded,
    form: str,
    values: dict[str, list[str]],
    version: str,
    reason: str,
) -> None:
    session = _browser_session(
        fuzz_server, "site_staff" if form not in ("week10", "month12") else "assessor"
    )
    token = session.headers["X-Test-CSRF"]
    data = [(name, value) for name, many in values.items() for value in many]
    data += [("csrf_token", token), ("expected_version", version), ("reason_code", reason)]
    path = (
        f"/participants/{fuzz_seeded.randomised}/forms/{form}"
        if form != "screening"
        else "/participants"
    )
    response = session.post(fuzz_server.url + path, data=data, allow_redirects=False, timeout=10)
    assert response.status_code in (200, 303, 400, 403, 404, 409, 422), response.status_code
    assert "Traceback" not in response.text


_SESSIONS: dict[tuple[str, str], requests.Session] = {}


def _browser_session(server: LiveServer, role: str) -> requests.Session:
    """A logged-in requests session per role (logging in once: argon2 is slow on purpose)."""
    from tests.app.conftest import NAMES, PASSWORD
    from tests.web.conftest import CSRF

    key = (server.url, role)
    if key not in _SESSIONS:
        session = requests.Session()
        page = session.get(server.url + "/login", timeout=10).text
        token = CSRF.search(page).group(1)  # type: ignore[union-attr]
        session.post(
            server.url + "/login",
            timeout=10,
            data={"csrf_token": token, "name": NAMES[role], "password": PASSWORD},
        )
        page = session.get(server.url + "/password", timeout=10).text
        session.headers["X-Test-CSRF"] = CSRF.search(page).group(1)  # type: ignore[union-attr]
        _SESSIONS[key] = session
    return _SESSIONS[key]
