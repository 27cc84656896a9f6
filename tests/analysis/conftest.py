"""The small trial of the export tests, for the analysis run through the command line."""

from tests.app.conftest import settings  # noqa: F401
from tests.exports.conftest import built, fresh  # noqa: F401
