from __future__ import annotations

from dataclasses import dataclass

import pytest

from hotline.core.events import DuplicateListener, Event
from hotline.core.registry import DuplicateRegistration, Registry


def test_registry_refuses_a_different_value_under_a_registered_key() -> None:
    registry: Registry[int] = Registry("number")
    registry.register("one", 1)

    with pytest.raises(DuplicateRegistration, match="number 'one' is already registered"):
        registry.register("one", 2)

    assert (registry.items(), registry.get("two"), "one" in registry) == ([("one", 1)], None, True)


def test_registry_accepts_the_same_value_again_and_lists_in_order() -> None:
    registry: Registry[str] = Registry("word")
    registry.register("b", "bee")
    registry.register("a", "ay")
    registry.register("b", "bee")

    assert list(registry) == ["b", "a"]
    with pytest.raises(KeyError, match="no word 'c' is registered"):
        registry["c"]


@dataclass(frozen=True)
class Happened:
    what: str


def _first(payload: Happened) -> None:
    seen.append(f"first {payload.what}")


def _second(payload: Happened) -> None:
    seen.append(f"second {payload.what}")


seen: list[str] = []


def test_event_calls_listeners_in_connection_order_and_refuses_duplicates() -> None:
    seen.clear()
    event: Event[Happened] = Event("test.happened", Happened)
    event.connect(_second)
    event.connect(_first)

    with pytest.raises(DuplicateListener):
        event.connect(_second)
    event.send(Happened("x"))

    assert seen == ["second x", "first x"]
    assert event.listeners == [
        "tests.core.test_registry_and_events._second",
        "tests.core.test_registry_and_events._first",
    ]


def test_event_refuses_a_payload_of_another_type() -> None:
    event: Event[Happened] = Event("test.happened", Happened)

    with pytest.raises(TypeError, match=r"test\.happened carries Happened"):
        event.send("x")  # type: ignore[arg-type]
