"""Attack tests reuse the application, export and web fixtures (a real store each)."""

from tests.app.conftest import actors, clock, settings, trial  # noqa: F401
from tests.exports.conftest import fresh, odm_schema  # noqa: F401
from tests.security.blind_fixtures import blind_client, blind_store  # noqa: F401
from tests.web.conftest import (  # noqa: F401
    client,
    make_client,
    now,
    seeded,
    web_clock,
    web_config,
    web_settings,
)
