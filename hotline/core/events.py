"""Typed domain events: what happened in a lower app, for higher apps to act on.

Why not Django signals: a signal's payload is untyped ``**kwargs`` and its receivers run in
connection order, which in practice is ``INSTALLED_APPS`` order. Our cross-app steps need
both a checked payload and an order someone chose. So an :class:`Event` carries one frozen
dataclass (its payload type), is defined by the app that owns the step
(``hotline.cases.events.item_assessed``), and is sent from the one action that causes it.
Listeners are plain functions in the listening apps' ``actions.py``; they are connected, in
order, in one place: ``hotline.site.pipeline``. Listeners run synchronously inside the sender's
transaction, so whatever they write commits or rolls back with the step that caused it.

An event refuses the same listener twice and lists its listeners, so tests can assert the
order of the pipeline.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

P = TypeVar("P")

Listener = Callable[[P], None]


class DuplicateListener(ValueError):
    """A listener was connected to an event it already listens to."""


def listener_name(listener: Callable[..., object]) -> str:
    return f"{listener.__module__}.{getattr(listener, '__qualname__', repr(listener))}"


class Event(Generic[P]):
    """A named domain event whose payload is an instance of ``payload_type``."""

    def __init__(self, name: str, payload_type: type[P]) -> None:
        self.name = name
        self.payload_type = payload_type
        self._listeners: list[Callable[[P], None]] = []

    def connect(self, listener: Callable[[P], None]) -> None:
        """Add ``listener`` after those already connected; the same listener twice is refused."""
        if any(listener_name(existing) == listener_name(listener) for existing in self._listeners):
            raise DuplicateListener(f"{listener_name(listener)} already listens to {self.name}")
        self._listeners.append(listener)

    def disconnect_all(self) -> None:
        """Forget every listener (the pipeline reconnects from scratch; tests use this too)."""
        self._listeners.clear()

    @property
    def listeners(self) -> list[str]:
        """The dotted names of the listeners, in the order they run."""
        return [listener_name(listener) for listener in self._listeners]

    def send(self, payload: P) -> None:
        """Call every listener in order with ``payload``; a listener's error propagates (the
        sender's transaction then rolls back, so no step is half-done)."""
        if not isinstance(payload, self.payload_type):
            raise TypeError(f"{self.name} carries {self.payload_type.__name__}, not {payload!r}")
        for listener in list(self._listeners):
            listener(payload)

    def __repr__(self) -> str:
        return f"<Event {self.name}: {self.listeners}>"
