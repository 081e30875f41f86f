"""Replay protection for signed federation messages: where seen nonces are remembered.

Every signed message carries a fresh random ``nonce``. ``verify_request`` accepts a message only
once per (key id, nonce) pair: after the signature has verified, it asks a nonce store whether
the pair was seen before, and the store remembers it in the same step.

Semantics every store must keep:

* ``seen(key_id, nonce, until)`` records the pair and returns ``False`` the first time, and
  returns ``True`` for every later call with the same pair as long as it is remembered;
* record-and-check is one atomic step: two concurrent deliveries of the same message must not
  both get ``False`` (a database store inserts into a table with a unique constraint on
  ``(key_id, nonce)`` and answers ``True`` on the integrity error);
* a pair must be remembered at least until ``until``, the instant after which
  ``verify_request`` refuses that signature as expired anyway; after that it may be forgotten
  (a periodic purge of rows whose ``until`` has passed keeps the table small).

``DatabaseNonceStore`` is the store every web process and server shares (one insert into the
``SignatureNonce`` table: the insert that loses a race gets the integrity error and answers
"seen"); ``purge_expired_nonces`` is its periodic purge. ``InMemoryNonceStore`` is the fake for
tests and single-process tools.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from django.db import IntegrityError, transaction
from django.utils import timezone

from hotline.routing.models import SignatureNonce

__all__ = ["DatabaseNonceStore", "InMemoryNonceStore", "NonceStore", "purge_expired_nonces"]


class NonceStore(Protocol):
    """Remembers (key id, nonce) pairs; ``seen`` is what ``verify_request`` calls."""

    def seen(self, key_id: str, nonce: str, until: datetime) -> bool:
        """Record the pair until ``until``; return True if it was already recorded."""
        ...


class InMemoryNonceStore:
    """A ``NonceStore`` in a dictionary: for tests, not shared between processes."""

    def __init__(self) -> None:
        self._until: dict[tuple[str, str], datetime] = {}

    def seen(self, key_id: str, nonce: str, until: datetime) -> bool:
        """Record the pair until ``until``; return True if it was already recorded."""
        pair = (key_id, nonce)
        if pair in self._until:
            self._until[pair] = max(self._until[pair], until)
            return True
        self._until[pair] = until
        return False

    def purge(self, *, now: datetime) -> int:
        """Forget the pairs whose ``until`` has passed; return how many were forgotten."""
        expired = [pair for pair, until in self._until.items() if until < now]
        for pair in expired:
            del self._until[pair]
        return len(expired)

    def __len__(self) -> int:
        return len(self._until)


class DatabaseNonceStore:
    """A ``NonceStore`` in the ``SignatureNonce`` table."""

    def seen(self, key_id: str, nonce: str, until: datetime) -> bool:
        """Record the pair until ``until``; return True if it was already recorded."""
        try:
            with transaction.atomic():
                SignatureNonce.objects.create(key_id=key_id, nonce=nonce, expires_at=until)
        except IntegrityError:
            return True
        return False


@transaction.atomic
def purge_expired_nonces(*, now: datetime | None = None) -> int:
    """Forget the nonces whose signatures would be refused as expired anyway (periodic)."""
    deleted, _ = SignatureNonce.objects.filter(expires_at__lt=now or timezone.now()).delete()
    return deleted
