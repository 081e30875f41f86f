"""PDQ for images: decode fast and small, then hash the luma (:mod:`.pdq_algorithm`).

Speed comes from decoding less: a JPEG is decoded straight to its luma plane
(``draft("L")``, which skips colour conversion and chroma upsampling) and, when
it is at least twice the working size, at a reduced DCT scale. An axis still
longer than twice the working size is box-reduced. Meta's reference hasher
also shrinks large images (to 512 x 512) before its filters, so this stays
within the conformance distances (tests/matching/test_pdq_conformance.py).

Low-quality hashes are numerically unstable (a flat image's DCT sits near its
median), so when the fast path yields quality below :data:`EXACT_BELOW_QUALITY`
the image is decoded again to RGB and hashed with the reference's float luma.
"""

from __future__ import annotations

import io
import math

import numpy as np
from django.conf import settings
from PIL import Image

from hotline.matching import media
from hotline.matching.errors import MalformedMedia, MediaTooLarge
from hotline.matching.hashing.base import HashValue, register
from hotline.matching.hashing.pdq_algorithm import HEX_LENGTH, PdqHash, luma_from_rgb, pdq_from_luma
from hotline.matching.media import MediaType

WORKING_SIZE = 512
EXACT_BELOW_QUALITY = 50
DEFAULT_MAX_IMAGE_PIXELS = 89_478_485  # Pillow's own default
DEFAULT_MAX_IMAGE_BYTES = 64 * 1024 * 1024

_PILLOW_FORMATS = {
    media.JPEG.name: "JPEG",
    media.PNG.name: "PNG",
    media.GIF.name: "GIF",
    media.WEBP.name: "WEBP",
    media.BMP.name: "BMP",
}
# Modes whose pixels cannot be box-averaged as they are (see _reduced).
_NOT_REDUCIBLE = frozenset({"P", "PA", "1"})
# What Pillow raises on truncated or corrupt input.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError)


def max_image_pixels() -> int:
    return int(settings.MATCHING_MAX_IMAGE_PIXELS)


def max_image_bytes() -> int:
    return int(settings.MATCHING_MAX_IMAGE_BYTES)


def _open(data: bytes, media_type: MediaType) -> Image.Image:
    pillow_format = _PILLOW_FORMATS.get(media_type.name)
    if pillow_format is None:
        raise MalformedMedia(f"{media_type.name} is not an image type PDQ can hash")
    limit = max_image_pixels()
    try:
        image = Image.open(io.BytesIO(data), formats=[pillow_format])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise MediaTooLarge(
            f"image refused: more pixels than the limit of {limit:,} (possible decompression bomb)"
        ) from None
    except _DECODE_ERRORS as exc:
        raise MalformedMedia(f"{media_type.name} image cannot be read: {exc}") from None
    width, height = image.size
    if width * height > limit:
        image.close()
        raise MediaTooLarge(
            f"image refused: {width}x{height} is more pixels than the limit of {limit:,}"
            " (possible decompression bomb)"
        )
    return image


def _reduced(image: Image.Image) -> Image.Image:
    """``image`` box-reduced so that neither axis exceeds twice the working size."""
    width, height = image.size
    factors = (
        max(1, math.ceil(width / (2 * WORKING_SIZE))),
        max(1, math.ceil(height / (2 * WORKING_SIZE))),
    )
    if factors == (1, 1):
        return image
    if image.mode in _NOT_REDUCIBLE or image.mode.startswith("I;16"):
        # Averaging palette indices (P, PA: most GIFs) would mix unrelated colours, and
        # Pillow cannot reduce 1-bit or 16-bit images at all: reduce their RGB instead,
        # which is what the caller converts them to anyway.
        image = image.convert("RGB")
    return image.reduce(factors)


def _decode_luma(data: bytes, media_type: MediaType, *, exact: bool) -> np.ndarray:
    image = _open(data, media_type)
    try:
        if media_type == media.JPEG:
            image.draft("RGB" if exact else "L", (WORKING_SIZE, WORKING_SIZE))
        image.seek(0)  # the first frame of an animation
        image.load()
        image = _reduced(image)
        if image.mode == "L" and not exact:
            return np.asarray(image, dtype=np.float32)
        return luma_from_rgb(np.asarray(image.convert("RGB")))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise MediaTooLarge("image refused: a frame exceeds the pixel limit") from None
    except _DECODE_ERRORS as exc:
        raise MalformedMedia(f"{media_type.name} image cannot be decoded: {exc}") from None
    finally:
        image.close()


def pdq_hash_image(data: bytes, media_type: MediaType) -> PdqHash:
    """The PDQ hash of an encoded image of a detected type.

    Raises :class:`MediaTooLarge` past the pixel limit (``MATCHING_MAX_IMAGE_PIXELS``)
    and :class:`MalformedMedia` when the image cannot be decoded.
    """
    result = pdq_from_luma(_decode_luma(data, media_type, exact=False))
    if result.quality < EXACT_BELOW_QUALITY:
        result = pdq_from_luma(_decode_luma(data, media_type, exact=True))
    return result


class _PdqHasher:
    def __init__(self, media_type: MediaType) -> None:
        self._media_type = media_type
        self._buffer = io.BytesIO()
        self._limit = max_image_bytes()

    def update(self, chunk: bytes) -> None:
        if self._buffer.tell() + len(chunk) > self._limit:
            raise MediaTooLarge(
                f"image refused: larger than the limit of {self._limit:,} bytes for PDQ hashing"
            )
        self._buffer.write(chunk)

    def finish(self) -> HashValue:
        result = pdq_hash_image(self._buffer.getvalue(), self._media_type)
        return HashValue("pdq", result.hex, result.quality)


class PdqAlgorithm:
    """PDQ, Meta's perceptual hash for images: 256 bits and a quality; matched by distance."""

    name = "pdq"
    hex_length = HEX_LENGTH
    perceptual = True

    def applies_to(self, media_type: MediaType) -> bool:
        return media_type.name in _PILLOW_FORMATS

    def hasher(self, media_type: MediaType) -> _PdqHasher:
        return _PdqHasher(media_type)


PDQ = register(PdqAlgorithm())
