"""The hash algorithm extension point: a small protocol and a registry by name.

An algorithm is one module in this package that calls :func:`register` with an
object satisfying :class:`HashAlgorithm`; the package imports every module in
it, so adding an algorithm is adding one module.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from hotline.core.registry import Registry
from hotline.matching.errors import InvalidHash
from hotline.matching.media import MediaType

if TYPE_CHECKING:
    from hotline.matching.vpdq.features import VpdqFeature

_HEX_DIGITS = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class HashValue:
    """One computed hash: lowercase hex, and for perceptual hashes a quality 0-100.

    A vPDQ value is the video's id and ``features`` are its frames.
    """

    algorithm: str
    value: str
    quality: int | None = None
    features: tuple[VpdqFeature, ...] = ()


class Hasher(Protocol):
    """Consumes a stream chunk by chunk, then yields its hash."""

    def update(self, chunk: bytes) -> None: ...

    def finish(self) -> HashValue: ...


class HashAlgorithm(Protocol):
    """A named hash algorithm.

    ``hex_length`` is the length of its values written in hexadecimal;
    ``perceptual`` algorithms match by Hamming distance, the others exactly.
    """

    @property
    def name(self) -> str: ...

    @property
    def hex_length(self) -> int: ...

    @property
    def perceptual(self) -> bool: ...

    def applies_to(self, media_type: MediaType) -> bool:
        """Whether this algorithm hashes media of this type (PDQ: images only)."""
        ...

    def hasher(self, media_type: MediaType) -> Hasher:
        """A fresh hasher for one stream of this media type."""
        ...


_REGISTRY: Registry[HashAlgorithm] = Registry("hash algorithm")


def register(algorithm: HashAlgorithm) -> HashAlgorithm:
    """Add an algorithm to the registry under its name; names are unique."""
    if algorithm.name in _REGISTRY:
        raise ValueError(f"hash algorithm {algorithm.name!r} is already registered")
    return _REGISTRY.register(algorithm.name, algorithm)


def registered() -> Registry[HashAlgorithm]:
    """The registry: name to algorithm, in registration order."""
    return _REGISTRY


def normalise_hex(value: str, *, algorithm: str, length: int) -> str:
    """``value`` stripped and lower-cased, or :class:`InvalidHash` when it is not ``length`` hex digits."""
    text = value.strip().lower()
    if len(text) != length:
        raise InvalidHash(
            f"{algorithm} hashes have {length} hexadecimal characters, got {len(text)}"
        )
    if not _HEX_DIGITS.issuperset(text):
        raise InvalidHash(f"{algorithm} hashes have only hexadecimal characters (0-9, a-f)")
    return text


class _DigestHasher:
    def __init__(self, name: str) -> None:
        self._name = name
        self._digest = hashlib.new(name, usedforsecurity=False)

    def update(self, chunk: bytes) -> None:
        self._digest.update(chunk)

    def finish(self) -> HashValue:
        return HashValue(self._name, self._digest.hexdigest())


@dataclass(frozen=True)
class DigestAlgorithm:
    """A cryptographic digest from :mod:`hashlib`, computed over every media type."""

    name: str
    hex_length: int
    perceptual: bool = False

    def applies_to(self, media_type: MediaType) -> bool:
        return True

    def hasher(self, media_type: MediaType) -> Hasher:
        return _DigestHasher(self.name)
