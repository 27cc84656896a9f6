"""Every event type is classified once; blinded-safe events carry nothing that names an arm."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil

from eventsourcing.domain import CanMutateAggregate
from eventsourcing.utils import get_topic

import domain
from domain.blinding import CLASSIFICATION, Blinding, classify_topic, is_blinded_safe


def domain_event_classes() -> set[type]:
    found: set[type] = set()
    for module_info in pkgutil.walk_packages(domain.__path__, "domain."):
        module = importlib.import_module(module_info.name)
        for _name, value in inspect.getmembers(module, inspect.isclass):
            for candidate in [value, *vars(value).values()]:
                if (
                    inspect.isclass(candidate)
                    and issubclass(candidate, CanMutateAggregate)
                    and candidate.__module__.startswith("domain")
                    # The library generates a default `Created` class per aggregate;
                    # ours use explicit creation events, so those are never stored.
                    and candidate.__name__ not in {"Event", "Created"}
                ):
                    found.add(candidate)
    return found


def test_every_domain_event_type_is_classified() -> None:
    unclassified = {cls.__qualname__ for cls in domain_event_classes()} - {
        cls.__qualname__ for cls in CLASSIFICATION
    }
    assert unclassified == set()


def test_unknown_event_topics_are_treated_as_arm_revealing() -> None:
    assert classify_topic("somewhere:Unknown.Event") is Blinding.ARM_REVEALING
    assert not is_blinded_safe("domain.participant:Participant.Renamed")


def test_no_blinded_safe_event_has_a_field_for_the_arm() -> None:
    for cls, blinding in CLASSIFICATION.items():
        if blinding is Blinding.BLINDED_SAFE and dataclasses.is_dataclass(cls):
            names = {field.name for field in dataclasses.fields(cls)}
            assert "arm" not in names, get_topic(cls)
            assert "decision" not in names, get_topic(cls)
