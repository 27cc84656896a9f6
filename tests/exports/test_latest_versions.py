"""The on-disk table behind `casebooks`: latest version per aggregate, first-seen order."""

from __future__ import annotations

import uuid

from projections.exports.latest_versions import LatestVersions


def test_latest_version_of_each_aggregate_in_the_order_they_first_appear() -> None:
    first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with LatestVersions() as versions:
        for aggregate_id, version in [
            (second, 1),
            (first, 1),
            (first, 2),
            (second, 2),
            (third, 1),
            (third, 2),
        ]:
            versions.record(aggregate_id.hex, version)
        versions.record(first.hex, 7)
        assert list(versions.items()) == [(second, 2), (first, 7), (third, 2)]
