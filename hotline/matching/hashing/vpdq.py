"""vPDQ for videos: one PDQ per sampled second (:mod:`hotline.matching.vpdq`).

Its value is the video's MD5, a stable id; the hash itself is the frames, carried in
:attr:`HashValue.features` and stored as ``VpdqFrame`` rows of the entry.
"""

from __future__ import annotations

from hotline.matching.hashing.base import Hasher, register
from hotline.matching.media import MediaType


class VpdqAlgorithm:
    """vPDQ: a video's id (MD5, 32 hex) and its frames' PDQ hashes; matched by shares of frames."""

    name = "vpdq"
    hex_length = 32
    perceptual = True

    def applies_to(self, media_type: MediaType) -> bool:
        return False  # switched on with the video hasher

    def hasher(self, media_type: MediaType) -> Hasher:
        raise NotImplementedError


VPDQ = register(VpdqAlgorithm())
