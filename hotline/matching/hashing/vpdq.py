"""vPDQ for videos: our PDQ (:mod:`.pdq_algorithm`) on each frame sampled by
:mod:`hotline.matching.vpdq.decode`, with its quality, as Meta's ``vpdq`` computes it.

Each frame's luma is taken from RGB with the reference's coefficients and hashed at the
coded size, as Meta's hasher does; frames are not pruned (neither does Meta's).

Its value is the video's MD5, a stable id; the hash itself is the frames, carried in
:attr:`HashValue.features` and stored as ``VpdqFrame`` rows of the entry. The stream is
spooled to an unnamed temporary file (a video container needs seeking; nothing of it
stays in memory or under a name on disk) and decoded by ffmpeg when it is complete.
"""

from __future__ import annotations

import hashlib
import tempfile

from hotline.matching.hashing.base import HashValue, register
from hotline.matching.hashing.pdq_algorithm import luma_from_rgb, pdq_from_luma
from hotline.matching.media import MediaKind, MediaType
from hotline.matching.vpdq.decode import VideoInfo, VideoSource, sample_frames
from hotline.matching.vpdq.features import TIMESTAMP_PRECISION, VpdqFeature


def hash_video(
    source: VideoSource, *, seconds_per_hash: float | None = None, info: VideoInfo | None = None
) -> tuple[VpdqFeature, ...]:
    """The vPDQ features of a video (a path or an open, seekable file), in frame order.

    Raises :class:`~hotline.matching.errors.MalformedMedia` for a file that is not a
    decodable video and :class:`~hotline.matching.errors.MediaTooLarge` past the limits.
    """
    features = []
    for frame in sample_frames(source, seconds_per_hash=seconds_per_hash, info=info):
        result = pdq_from_luma(luma_from_rgb(frame.rgb))
        features.append(
            VpdqFeature(
                frame.frame_number,
                result.quality,
                result.hex,
                round(frame.timestamp, TIMESTAMP_PRECISION),
            )
        )
    return tuple(features)


class _VpdqHasher:
    def __init__(self) -> None:
        self._spool = tempfile.TemporaryFile()  # noqa: SIM115 (closed in finish)
        self._md5 = hashlib.md5(usedforsecurity=False)

    def update(self, chunk: bytes) -> None:
        self._md5.update(chunk)
        self._spool.write(chunk)

    def finish(self) -> HashValue:
        try:
            self._spool.flush()
            features = hash_video(self._spool)
        finally:
            self._spool.close()
        return HashValue("vpdq", self._md5.hexdigest(), None, features)


class VpdqAlgorithm:
    """vPDQ: a video's id (MD5, 32 hex) and its frames' PDQ hashes; matched by shares of frames."""

    name = "vpdq"
    hex_length = 32
    perceptual = True

    def applies_to(self, media_type: MediaType) -> bool:
        return media_type.kind is MediaKind.VIDEO

    def hasher(self, media_type: MediaType) -> _VpdqHasher:
        return _VpdqHasher()


VPDQ = register(VpdqAlgorithm())
