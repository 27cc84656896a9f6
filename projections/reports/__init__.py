"""Reports at a cut of the event store: CONSORT flow diagram, enrolment, visits, missing data.

Like the exports they read the event store up to a position (`projections.exports.Cut`), so a
report at the same position is always the same, blinded ones from blinded-safe events only.
"""
