"""The canonical JSON behind signature hashes: one byte string per content, whatever the order."""

from __future__ import annotations

import hashlib
from datetime import date

from domain.signing import canonical_json, content_hash


def test_key_order_and_spacing_do_not_change_the_bytes() -> None:
    one = {"b": [1, "Y"], "a": {"y": None, "x": "Æblegrød"}}
    other = {"a": {"x": "Æblegrød", "y": None}, "b": [1, "Y"]}
    assert canonical_json(one) == canonical_json(other)
    assert canonical_json(one) == '{"a":{"x":"Æblegrød","y":null},"b":[1,"Y"]}'.encode()
    assert content_hash(one) == hashlib.sha256(canonical_json(one)).hexdigest()


def test_any_value_change_changes_the_hash() -> None:
    assert content_hash({"LBP_NOW": 6}) != content_hash({"LBP_NOW": 7})
    assert content_hash({"LBP_NOW": 6}) != content_hash({"LBP_NOW": "6"})
    assert canonical_json({"d": date(2024, 1, 2)}) == b'{"d":"2024-01-02"}'
