"""PDQ, Meta's perceptual image hash, in numpy: the hash of a luma (brightness) matrix.

Follows Meta's reference (``pdq/cpp/hashing/pdqhashing.cpp``) step by step and
gives bit-identical hashes to it (and to the ``pdqhash`` package) for the same
luma input:

1. two passes of Jarosz box filters along rows and columns, window
   ``ceil(dimension / 128)``, then nearest sampling to 64 x 64;
2. quality: the sum of absolute neighbour differences of that 64 x 64 image;
3. a 16 x 16 DCT (without the DC row and column), thresholded at its median.

Step 1 is linear, so it is applied as two banded matrices (rows, then
columns) that depend only on the image size and are cached: that is what
makes hashing cheap next to the image decode.

Hash values are 32 bytes, most significant first, as the 64 hex characters
Meta's tools print.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from hotline.matching.errors import InvalidHash

HASH_BYTES = 32
HEX_LENGTH = 64
# Below this size in either dimension the reference returns an all-zero hash of quality 0.
MIN_HASHABLE_DIM = 5
_DOWNSAMPLED = 64
_LUMA = (np.float32(0.299), np.float32(0.587), np.float32(0.114))


@dataclass(frozen=True)
class PdqHash:
    """A PDQ hash (32 bytes) and its quality, 0 (flat, useless) to 100."""

    digest: bytes
    quality: int

    @property
    def hex(self) -> str:
        return self.digest.hex()


def _jarosz_window(length: int) -> int:
    return (length + 2 * _DOWNSAMPLED - 1) // (2 * _DOWNSAMPLED)


@functools.lru_cache(maxsize=64)
def _resampling_band(length: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """Two box-filter passes followed by decimation to 64, as a banded 64 x ``length`` matrix.

    Row ``k`` is non-zero only near its sample, so it is kept as column indices
    and weights (64 x band); applying it that way is single-threaded and faster
    than a dense BLAS product. The reference's box filter averages
    ``[i - (w - h), i + h - 1]`` clipped to the vector, with ``h = (w + 2) // 2``;
    decimation takes index ``int((k + 0.5) * length / 64)``.
    """
    window = _jarosz_window(length)
    half = (window + 2) // 2
    index = np.arange(length)
    low = np.maximum(0, index - (window - half))
    high = np.minimum(length - 1, index + half - 1)
    samples = ((np.arange(_DOWNSAMPLED) + 0.5) * length / _DOWNSAMPLED).astype(np.int64)
    rows = []
    for sample in samples:
        # The second pass at ``sample`` averages first-pass outputs j in its window;
        # each of those averages the input over j's own window.
        weights: dict[int, float] = {}
        outer = 1.0 / (high[sample] - low[sample] + 1)
        for j in range(low[sample], high[sample] + 1):
            inner = outer / (high[j] - low[j] + 1)
            for column in range(low[j], high[j] + 1):
                weights[column] = weights.get(column, 0.0) + inner
        rows.append(weights)
    band = max(len(weights) for weights in rows)
    columns = np.zeros((_DOWNSAMPLED, band), dtype=np.int64)
    values = np.zeros((_DOWNSAMPLED, band), dtype=np.float32)
    for row, weights in enumerate(rows):
        columns[row, : len(weights)] = list(weights)
        values[row, : len(weights)] = list(weights.values())
    return columns, values


def _downsample(luma: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """The 64 x 64 image the reference gets from its Jarosz filters and decimation."""
    row_columns, row_weights = _resampling_band(luma.shape[0])
    col_columns, col_weights = _resampling_band(luma.shape[1])
    rows = np.zeros((_DOWNSAMPLED, luma.shape[1]), dtype=np.float32)
    for tap in range(row_columns.shape[1]):
        rows += row_weights[:, tap, None] * luma[row_columns[:, tap]]
    image64 = np.zeros((_DOWNSAMPLED, _DOWNSAMPLED), dtype=np.float32)
    for tap in range(col_columns.shape[1]):
        image64 += rows[:, col_columns[:, tap]] * col_weights[None, :, tap]
    return image64


@functools.cache
def _dct_matrix() -> npt.NDArray[np.float32]:
    rows = np.arange(1, 17)[:, None]
    cols = np.arange(_DOWNSAMPLED)[None, :]
    scale = np.sqrt(2.0 / _DOWNSAMPLED)
    return (scale * np.cos(np.pi / 2 / _DOWNSAMPLED * rows * (2 * cols + 1))).astype(np.float32)


def _quality(image64: npt.NDArray[np.floating[Any]]) -> int:
    # The reference truncates each scaled difference to an int before summing.
    vertical = np.trunc((image64[:-1, :] - image64[1:, :]) * 100 / 255)
    horizontal = np.trunc((image64[:, :-1] - image64[:, 1:]) * 100 / 255)
    gradient = int(np.abs(vertical).sum() + np.abs(horizontal).sum())
    return min(100, gradient // 90)


def pdq_from_luma(luma: npt.NDArray[np.float32]) -> PdqHash:
    """The PDQ hash of a 2-D float32 luma matrix (values 0-255)."""
    rows, cols = luma.shape
    if rows < MIN_HASHABLE_DIM or cols < MIN_HASHABLE_DIM:
        return PdqHash(bytes(HASH_BYTES), 0)
    image64 = _downsample(luma)
    quality = _quality(image64)
    dct = _dct_matrix()
    coefficients = (dct @ image64 @ dct.T).ravel()
    # The reference's median (Torben's algorithm) is the lower median: 128th of 256.
    median = np.partition(coefficients, 127)[127]
    bits = coefficients > median
    # Bit k (row * 16 + column) is bit k of the 256-bit number the hex spells.
    return PdqHash(np.packbits(bits[::-1]).tobytes(), quality)


def luma_from_rgb(rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    """Luma of an H x W x 3 RGB array with the reference's coefficients, in float32."""
    red, green, blue = _LUMA
    return (
        rgb[:, :, 0].astype(np.float32) * red
        + rgb[:, :, 1].astype(np.float32) * green
        + rgb[:, :, 2].astype(np.float32) * blue
    )


def parse_pdq(value: str) -> bytes:
    """The 32 bytes of a PDQ hash written as 64 hexadecimal characters."""
    text = value.strip().lower()
    if len(text) != HEX_LENGTH:
        raise InvalidHash(f"a PDQ hash has 64 hexadecimal characters, got {len(text)}")
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise InvalidHash("a PDQ hash has only hexadecimal characters (0-9, a-f)") from None


def hamming_distance(first: bytes, second: bytes) -> int:
    """The number of differing bits between two hashes of the same length."""
    return (int.from_bytes(first, "big") ^ int.from_bytes(second, "big")).bit_count()
