from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from hotline.matching.errors import InvalidHash
from hotline.matching.hashing import hash_file, hash_stream
from hotline.matching.hashing.pdq_algorithm import (
    hamming_distance,
    luma_from_rgb,
    parse_pdq,
    pdq_from_luma,
)
from hotline.matching.synthetic import encode, synthetic_image
from tests.conftest import skip_unless_ci


def _pdqhash() -> object:
    try:
        import pdqhash
    except ImportError:
        skip_unless_ci("the pdqhash package (dev dependency, pdqhash==0.2.8) is not installed")
    return pdqhash


def _reference_hash(rgb: np.ndarray) -> str:
    pdqhash = _pdqhash()
    vector, _ = pdqhash.compute(rgb)  # type: ignore[attr-defined]
    return np.packbits(vector.astype(np.uint8)).tobytes().hex()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pdq_from_luma_equals_pdqhash_on_the_same_pixels(seed: int) -> None:
    rgb = np.asarray(synthetic_image(seed, width=300, height=200))
    expected = _reference_hash(rgb)
    luma = (rgb[:, :, 0] * 0.299 + rgb[:, :, 1] * 0.587 + rgb[:, :, 2] * 0.114).astype(np.float32)

    assert pdq_from_luma(luma).hex == expected


def test_pipeline_stays_close_to_pdqhash_on_full_decodes() -> None:
    for seed in range(4):
        data = encode(synthetic_image(seed))
        full = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))

        ours = hash_stream(io.BytesIO(data)).values["pdq"].value

        assert hamming_distance(bytes.fromhex(ours), bytes.fromhex(_reference_hash(full))) <= 10


def test_luma_from_rgb_uses_the_reference_coefficients() -> None:
    rgb = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]]], dtype=np.uint8)

    assert luma_from_rgb(rgb)[0].tolist() == pytest.approx([76.245, 149.685, 29.07], abs=1e-3)


def test_parse_pdq_rejects_wrong_length_and_non_hex() -> None:
    with pytest.raises(InvalidHash, match="64 hexadecimal characters, got 3"):
        parse_pdq("abc")
    with pytest.raises(InvalidHash, match="only hexadecimal"):
        parse_pdq("g" * 64)


def test_hamming_distance_counts_differing_bits() -> None:
    assert hamming_distance(bytes(32), bytes.fromhex("ff" + "00" * 30 + "01")) == 9


def test_pdq_matches_meta_reference_hashes(pdq_testdata: Path) -> None:
    with open(pdq_testdata / "expected.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    distances = {}
    for row in rows:
        ours = bytes.fromhex(hash_file(pdq_testdata / "images" / row["image"]).values["pdq"].value)
        cpp = row["cpp_reference_pdq"]
        python_port = row["python_port_pdq"]
        distances[row["image"]] = (
            hamming_distance(ours, bytes.fromhex(cpp)) if cpp else None,
            hamming_distance(ours, bytes.fromhex(python_port)),
        )

    too_far = {
        image: (cpp, port)
        for image, (cpp, port) in distances.items()
        if (cpp is not None and cpp > 10) or port > 16
    }
    assert len(distances) == 30
    assert too_far == {}
