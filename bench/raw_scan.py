"""The export baseline: one process reading and decoding every event, writing nothing.

`python -m bench.raw_scan` (store from EDC_DATA_DIR / EDC_DATABASE_URL): the time and peak
memory any export must at least spend to read the store through the library.
"""

from __future__ import annotations

from bench.catch_up import measure_raw
from edc.config import Settings

if __name__ == "__main__":
    print(measure_raw(Settings.from_environ()))
