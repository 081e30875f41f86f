"""Hashing media: MD5, SHA-1, SHA-256 over any supported media, PDQ over images.

Every module in this package registers one algorithm (see :mod:`.base`).
:class:`MediaHasher` takes the bytes as they arrive, so an upload can be hashed
while it streams; :func:`hash_stream` and :func:`hash_file` wrap it.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from hotline.matching.errors import InvalidHash, UnsupportedMedia
from hotline.matching.hashing.base import (
    HashAlgorithm,
    Hasher,
    HashValue,
    normalise_hex,
    register,
    registered,
)
from hotline.matching.media import SNIFF_BYTES, MediaType, detect_media_type

__all__ = [
    "HashAlgorithm",
    "HashValue",
    "Hasher",
    "MediaHasher",
    "MediaHashes",
    "algorithms",
    "algorithms_for_hex_length",
    "get_algorithm",
    "hash_file",
    "hash_stream",
    "normalise_value",
    "register",
]

CHUNK_SIZE = 1024 * 1024

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "base":
        importlib.import_module(f"{__name__}.{_module.name}")


def algorithms() -> list[HashAlgorithm]:
    """Every registered algorithm, in a stable order (registration order)."""
    return list(registered().values())


def get_algorithm(name: str) -> HashAlgorithm:
    """The algorithm registered as ``name``; :class:`InvalidHash` when there is none."""
    try:
        return registered()[name.strip().lower()]
    except KeyError:
        known = ", ".join(sorted(registered()))
        raise InvalidHash(f"unknown hash algorithm {name!r}; expected one of {known}") from None


def algorithms_for_hex_length(length: int) -> list[HashAlgorithm]:
    """The algorithms whose values have ``length`` hex digits (64: SHA-256 and PDQ).

    vPDQ is left out: its value is an id (the video's MD5), not a hash to look up bare.
    """
    return [
        algorithm
        for algorithm in registered().values()
        if algorithm.hex_length == length and algorithm.name != "vpdq"
    ]


def normalise_value(algorithm: str, value: str) -> str:
    """A hash value in canonical form (lowercase hex) after checking it fits ``algorithm``."""
    found = get_algorithm(algorithm)
    return normalise_hex(value, algorithm=found.name, length=found.hex_length)


@dataclass
class MediaHashes:
    """The hashes of one media stream: its detected type, size and value per algorithm."""

    media_type: MediaType
    size: int
    values: dict[str, HashValue] = field(default_factory=dict)

    def get(self, algorithm: str) -> HashValue | None:
        return self.values.get(algorithm)


class MediaHasher:
    """Hashes a media stream fed in chunks: detect the type from the first bytes, then hash.

    Raises :class:`UnsupportedMedia` as soon as the first bytes show a type we do
    not hash, so an upload can be refused before it is complete.
    """

    def __init__(self, names: Iterable[str] | None = None) -> None:
        self._wanted = [get_algorithm(name) for name in names] if names is not None else None
        self._head = b""
        self._size = 0
        self._media_type: MediaType | None = None
        self._hashers: dict[str, Hasher] = {}

    def update(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._media_type is None:
            self._head += chunk
            if len(self._head) >= SNIFF_BYTES:
                self._start()
            return
        for hasher in self._hashers.values():
            hasher.update(chunk)

    def _start(self) -> None:
        media_type = detect_media_type(self._head)
        if media_type is None:
            raise UnsupportedMedia(
                "not a supported media type (JPEG, PNG, GIF, WebP, BMP images;"
                " MP4, WebM, Matroska, AVI videos), judged by content, not by name"
            )
        self._media_type = media_type
        chosen = self._wanted if self._wanted is not None else algorithms()
        self._hashers = {
            algorithm.name: algorithm.hasher(media_type)
            for algorithm in chosen
            if algorithm.applies_to(media_type)
        }
        head, self._head = self._head, b""
        for hasher in self._hashers.values():
            hasher.update(head)

    def finish(self) -> MediaHashes:
        """The hashes; raises :class:`MalformedMedia` or :class:`MediaTooLarge` for bad images."""
        if self._media_type is None:
            self._start()
        assert self._media_type is not None
        values = {name: hasher.finish() for name, hasher in self._hashers.items()}
        return MediaHashes(self._media_type, self._size, values)


def hash_stream(
    stream: BinaryIO, *, names: Iterable[str] | None = None, chunk_size: int = CHUNK_SIZE
) -> MediaHashes:
    """Hash a binary stream with every applicable algorithm (or only ``names``)."""
    hasher = MediaHasher(names)
    while chunk := stream.read(chunk_size):
        hasher.update(chunk)
    return hasher.finish()


def hash_file(path: str | Path, *, names: Iterable[str] | None = None) -> MediaHashes:
    """Hash the file at ``path``; see :func:`hash_stream`."""
    with open(path, "rb") as stream:
        return hash_stream(stream, names=names)
