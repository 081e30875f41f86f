"""The in-memory nonce store keeps the semantics every NonceStore must keep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hotline.routing.federation.nonces import InMemoryNonceStore, NonceStore

UNTIL = datetime(2026, 3, 2, 10, 5, tzinfo=UTC)


def test_seen_first_time_false_then_true() -> None:
    store: NonceStore = InMemoryNonceStore()

    answers = [store.seen("key-a", "n1", UNTIL), store.seen("key-a", "n1", UNTIL)]

    assert answers == [False, True]


def test_seen_same_nonce_other_key_false() -> None:
    store = InMemoryNonceStore()
    store.seen("key-a", "n1", UNTIL)

    assert store.seen("key-b", "n1", UNTIL) is False


def test_purge_forgets_only_expired_pairs() -> None:
    store = InMemoryNonceStore()
    store.seen("key-a", "old", UNTIL - timedelta(seconds=1))
    store.seen("key-a", "current", UNTIL)

    forgotten = store.purge(now=UNTIL)

    assert (forgotten, len(store), store.seen("key-a", "current", UNTIL)) == (1, 1, True)


def test_purge_keeps_pair_seen_again_later() -> None:
    store = InMemoryNonceStore()
    store.seen("key-a", "n1", UNTIL)
    store.seen("key-a", "n1", UNTIL + timedelta(seconds=60))

    store.purge(now=UNTIL + timedelta(seconds=1))

    assert store.seen("key-a", "n1", UNTIL) is True
