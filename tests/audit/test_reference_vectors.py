"""The audit tree's hashing and proofs against published reference vectors of RFC 6962/9162.

``test_merkle.py`` checks the tree against the RFC's definitions written again in Python: a
misreading shared by both would pass there. These vectors were computed by another
implementation. They are copied from transparency-dev/merkle (``proof/verify_test.go``;
Apache License 2.0, Copyright 2017 Google LLC), which took them from Certificate
Transparency's C++ log. Leaf indexes in the vectors start at 1, as there.

Both halves are checked: what the log writes (``hotline.audit.merkle``: roots, inclusion and
consistency paths) and what a partner checks it with (the standalone
``tools/audit_verify.py`` and the log's own verifier), including the corrupted proofs the
reference suite requires every verifier to refuse.
"""

from __future__ import annotations

import runpy
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from hotline.audit import merkle
from tests.processes import ROOT

LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]

# ROOTS[n - 1] is the root of the tree of the first n leaves.
ROOTS = [
    bytes.fromhex(h)
    for h in (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    )
]

SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")
EMPTY_TREE = bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")


def _hashes(*values: str) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


# The audit path of the first leaf in the tree of 8, which is also the consistency path from
# the tree of 1 to the tree of 8 (the first leaf is the whole tree of 1).
PATH_1_IN_8 = _hashes(
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
)

# (leaf, 1-based; tree size; audit path)
INCLUSION = [
    (1, 1, []),
    (1, 8, PATH_1_IN_8),
    (
        6,
        8,
        _hashes(
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ),
    ),
    (3, 3, _hashes("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")),
    (
        2,
        5,
        _hashes(
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ),
    ),
]

# (first size, second size, consistency path)
CONSISTENCY = [
    (1, 1, []),
    (1, 8, PATH_1_IN_8),
    (
        6,
        8,
        _hashes(
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ),
    ),
    (
        2,
        5,
        _hashes(
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ),
    ),
    (
        6,
        7,
        _hashes(
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ),
    ),
]

_STANDALONE: dict[str, Any] = runpy.run_path(str(ROOT / "tools" / "audit_verify.py"))

InclusionCheck = Callable[[bytes, int, int, Sequence[bytes], bytes], bool]
ConsistencyCheck = Callable[[int, int, bytes, bytes, Sequence[bytes]], bool]


def _log_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes) -> bool:
    return merkle.verify_inclusion(leaf=leaf, index=index, tree_size=size, path=path, root=root)


def _log_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, path: Sequence[bytes]
) -> bool:
    return merkle.verify_consistency(
        first_size=first,
        second_size=second,
        first_root=first_root,
        second_root=second_root,
        path=path,
    )


INCLUSION_VERIFIERS: dict[str, InclusionCheck] = {
    "log": _log_inclusion,
    "standalone": _STANDALONE["verify_inclusion"],
}
CONSISTENCY_VERIFIERS: dict[str, ConsistencyCheck] = {
    "log": _log_consistency,
    "standalone": _STANDALONE["verify_consistency"],
}


def _leaf_hashes(count: int) -> list[bytes]:
    return [merkle.leaf_hash(entry) for entry in LEAVES[:count]]


@pytest.mark.parametrize("size", range(1, 9))
def test_the_root_of_each_reference_tree(size: int) -> None:
    assert merkle.root_of(_leaf_hashes(size)) == ROOTS[size - 1]


@pytest.mark.parametrize(("leaf", "size", "path"), INCLUSION)
def test_the_log_writes_the_reference_inclusion_paths(
    leaf: int, size: int, path: list[bytes]
) -> None:
    assert merkle.inclusion_path(leaf - 1, _leaf_hashes(size)) == path


@pytest.mark.parametrize(("first", "second", "path"), CONSISTENCY)
def test_the_log_writes_the_reference_consistency_paths(
    first: int, second: int, path: list[bytes]
) -> None:
    assert merkle.consistency_path(first, _leaf_hashes(second)) == path


def _flip(path: list[bytes], index: int, bit: int) -> list[bytes]:
    changed = list(path)
    changed[index] = bytes([changed[index][0] ^ bit]) + changed[index][1:]
    return changed


def _corrupted_inclusions(
    index: int, size: int, path: list[bytes], root: bytes, leaf: bytes
) -> list[tuple[str, tuple[bytes, int, int, list[bytes], bytes]]]:
    """The reference suite's corruptions of a good inclusion proof; each must be refused."""
    probes = [
        ("index - 1", (leaf, index - 1, size, path, root)),
        ("index + 1", (leaf, index + 1, size, path, root)),
        ("index ^ 2", (leaf, index ^ 2, size, path, root)),
        ("size * 2", (leaf, index, size * 2, path, root)),
        ("size // 2", (leaf, index, size // 2, path, root)),
        ("wrong leaf", (b"WrongLeaf", index, size, path, root)),
        ("empty tree root", (leaf, index, size, path, EMPTY_TREE)),
        ("another root", (leaf, index, size, path, SOME_HASH)),
        ("trailing garbage", (leaf, index, size, [*path, b""], root)),
        ("trailing root", (leaf, index, size, [*path, root], root)),
        ("preceding garbage", (leaf, index, size, [b"", *path], root)),
        ("preceding root", (leaf, index, size, [root, *path], root)),
    ]
    probes += [
        (f"path[{i}] bit 3 flipped", (leaf, index, size, _flip(path, i, 8), root))
        for i in range(len(path))
    ]
    if path:
        probes.append(("last node removed", (leaf, index, size, path[:-1], root)))
    if len(path) > 1:
        probes.append(("node inserted", (leaf, index, size, [path[0], SOME_HASH, *path[1:]], root)))
    return probes


@pytest.mark.parametrize("verifier", INCLUSION_VERIFIERS)
@pytest.mark.parametrize(("leaf", "size", "path"), [v for v in INCLUSION if v[1] > 1])
def test_reference_inclusion_proofs_verify_and_every_corruption_is_refused(
    verifier: str, leaf: int, size: int, path: list[bytes]
) -> None:
    check = INCLUSION_VERIFIERS[verifier]
    leaf_hash = merkle.leaf_hash(LEAVES[leaf - 1])
    root = ROOTS[size - 1]
    assert check(leaf_hash, leaf - 1, size, path, root)

    accepted = [
        name
        for name, args in _corrupted_inclusions(leaf - 1, size, path, root, leaf_hash)
        if check(*args)
    ]
    assert accepted == []


def _corrupted_consistencies(
    first: int, second: int, first_root: bytes, second_root: bytes, path: list[bytes]
) -> list[tuple[str, tuple[int, int, bytes, bytes, list[bytes]]]]:
    """The reference suite's corruptions of a good consistency proof; each must be refused."""
    probes = [
        ("first - 1", (first - 1, second, first_root, second_root, path)),
        ("first + 1", (first + 1, second, first_root, second_root, path)),
        ("first ^ 2", (first ^ 2, second, first_root, second_root, path)),
        ("second * 2", (first, second * 2, first_root, second_root, path)),
        ("second // 2", (first, second // 2, first_root, second_root, path)),
        ("wrong first root", (first, second, b"WrongRoot", second_root, path)),
        ("wrong second root", (first, second, first_root, b"WrongRoot", path)),
        ("roots swapped", (first, second, second_root, first_root, path)),
        ("empty path", (first, second, first_root, second_root, [])),
        ("trailing garbage", (first, second, first_root, second_root, [*path, b""])),
        ("trailing first root", (first, second, first_root, second_root, [*path, first_root])),
        ("trailing second root", (first, second, first_root, second_root, [*path, second_root])),
        ("preceding garbage", (first, second, first_root, second_root, [b"", *path])),
        ("preceding first root", (first, second, first_root, second_root, [first_root, *path])),
        ("preceding second root", (first, second, first_root, second_root, [second_root, *path])),
        ("preceding path[0]", (first, second, first_root, second_root, [path[0], *path])),
        ("truncated", (first, second, first_root, second_root, path[:-1])),
    ]
    probes += [
        (f"path[{i}] bit 4 flipped", (first, second, first_root, second_root, _flip(path, i, 16)))
        for i in range(len(path))
    ]
    return probes


@pytest.mark.parametrize("verifier", CONSISTENCY_VERIFIERS)
@pytest.mark.parametrize(("first", "second", "path"), [v for v in CONSISTENCY if v[2]])
def test_reference_consistency_proofs_verify_and_every_corruption_is_refused(
    verifier: str, first: int, second: int, path: list[bytes]
) -> None:
    check = CONSISTENCY_VERIFIERS[verifier]
    first_root, second_root = ROOTS[first - 1], ROOTS[second - 1]
    assert check(first, second, first_root, second_root, path)

    accepted = [
        name
        for name, args in _corrupted_consistencies(first, second, first_root, second_root, path)
        if check(*args)
    ]
    assert accepted == []


@pytest.mark.parametrize("verifier", CONSISTENCY_VERIFIERS)
def test_trees_of_one_size_are_consistent_only_with_one_root_and_no_path(verifier: str) -> None:
    check = CONSISTENCY_VERIFIERS[verifier]
    assert check(1, 1, ROOTS[0], ROOTS[0], [])
    assert not check(1, 1, ROOTS[0], ROOTS[1], [])
    assert not check(1, 1, ROOTS[0], ROOTS[0], [EMPTY_TREE])
    # Back in time: a second tree smaller than the first.
    assert not check(2, 1, ROOTS[1], ROOTS[0], [])
