"""The trial's pre-specified analysis, run from one snapshot (see `run` and `report`).

Nothing here is imported by the server at start-up: the statistics libraries (the `analysis`
extra) load only when an analysis runs.
"""
