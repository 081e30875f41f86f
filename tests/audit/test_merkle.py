"""The tree hashing and proofs against RFC 9162's recursive definitions, computed naively."""

from __future__ import annotations

import hashlib

import pytest

from hotline.audit import merkle


def _mth(leaves: list[bytes]) -> bytes:
    """MTH of RFC 9162 §2.1.1, literally."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return merkle.node_hash(_mth(leaves[:k]), _mth(leaves[k:]))


def _leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(f"entry {i}".encode()) for i in range(n)]


def test_leaf_and_node_hashes_carry_the_domain_prefixes() -> None:
    assert merkle.leaf_hash(b"a") == hashlib.sha256(b"\x00a").digest()
    assert merkle.node_hash(b"l", b"r") == hashlib.sha256(b"\x01lr").digest()


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 5, 7, 8, 9, 31, 32, 33, 100])
def test_frontier_root_is_the_rfc_tree_hash(n: int) -> None:
    assert merkle.root_of(_leaves(n)) == _mth(_leaves(n))


def test_frontier_continues_from_a_stored_state() -> None:
    leaves = _leaves(45)
    start = merkle.Frontier()
    start.extend(leaves[:21])

    resumed = merkle.Frontier(start.size, list(start.hashes))
    resumed.extend(leaves[21:])

    assert resumed.root() == _mth(leaves)
    with pytest.raises(ValueError, match="popcount"):
        merkle.Frontier(21, start.hashes[:-1])


def test_every_inclusion_proof_verifies_and_a_wrong_leaf_or_index_does_not() -> None:
    for n in range(1, 34):
        leaves = _leaves(n)
        root = _mth(leaves)
        for i in range(n):
            path = merkle.inclusion_path(i, leaves)
            assert merkle.verify_inclusion(
                leaf=leaves[i], index=i, tree_size=n, path=path, root=root
            )
            assert not merkle.verify_inclusion(
                leaf=merkle.leaf_hash(b"forged"), index=i, tree_size=n, path=path, root=root
            )
            if n > 1:
                assert not merkle.verify_inclusion(
                    leaf=leaves[i], index=(i + 1) % n, tree_size=n, path=path, root=root
                )


def test_every_consistency_proof_verifies_and_a_rewritten_past_does_not() -> None:
    for n in range(1, 34):
        leaves = _leaves(n)
        for m in range(1, n + 1):
            path = merkle.consistency_path(m, leaves)
            assert merkle.verify_consistency(
                first_size=m,
                second_size=n,
                first_root=_mth(leaves[:m]),
                second_root=_mth(leaves),
                path=path,
            )
            if m < n:
                rewritten = [merkle.leaf_hash(b"rewritten"), *leaves[1:]]
                assert not merkle.verify_consistency(
                    first_size=m,
                    second_size=n,
                    first_root=_mth(leaves[:m]),
                    second_root=_mth(rewritten),
                    path=merkle.consistency_path(m, rewritten),
                )


def test_proofs_refuse_impossible_sizes() -> None:
    with pytest.raises(ValueError, match="outside the tree"):
        merkle.inclusion_path(3, _leaves(3))
    with pytest.raises(ValueError, match="consistency needs"):
        merkle.consistency_path(4, _leaves(3))
    assert not merkle.verify_consistency(
        first_size=0, second_size=3, first_root=b"", second_root=b"", path=[]
    )
