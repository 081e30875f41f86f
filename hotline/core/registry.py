"""One registry style for every extension point.

An extension point (routing destinations' dispatchers, outbox channels and signers, hash
algorithms, feed formats, enrichers, periodic jobs, ...) is a :class:`Registry`. The module
that provides an extension registers it on import, so adding one is adding one module::

    DISPATCHERS: Registry[Dispatcher] = Registry("routing dispatcher")
    DISPATCHERS.register(Destination.POLICE, police)

A key is registered once: a second, different value for the same key is refused with
:class:`DuplicateRegistration` (two modules claiming one name is a bug, and silently letting
the later one win made the outcome depend on import order). Registering the same (or an
equal) value again is accepted, so a module imported twice (or ``ready()`` run twice by a test) is harmless.
Tests iterate a registry to see what is registered.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class DuplicateRegistration(ValueError):
    """Two different things were registered under one key."""


class Registry(Generic[T]):
    """Named extensions of one kind, in registration order."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {}

    def register(self, key: str, value: T) -> T:
        """Add ``value`` under ``key``; refuses a different value already under that key."""
        key = str(key)
        current = self._entries.get(key)
        if current is not None and current is not value and current != value:
            raise DuplicateRegistration(f"{self.kind} {key!r} is already registered ({current!r})")
        self._entries[key] = value
        return value

    def get(self, key: str) -> T | None:
        return self._entries.get(str(key))

    def __getitem__(self, key: str) -> T:
        try:
            return self._entries[str(key)]
        except KeyError:
            raise KeyError(f"no {self.kind} {key!r} is registered") from None

    def __contains__(self, key: object) -> bool:
        return str(key) in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    def keys(self) -> list[str]:
        return list(self._entries)

    def values(self) -> list[T]:
        return list(self._entries.values())

    def items(self) -> list[tuple[str, T]]:
        return list(self._entries.items())

    def unregister(self, key: str) -> None:
        """Remove an entry (tests that register a temporary extension clean up with this)."""
        self._entries.pop(str(key), None)

    def __repr__(self) -> str:
        return f"<Registry {self.kind}: {', '.join(self._entries) or 'empty'}>"
