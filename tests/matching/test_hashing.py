from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from django.test import override_settings
from PIL import Image

from hotline.matching.errors import InvalidHash, MalformedMedia, MediaTooLarge, UnsupportedMedia
from hotline.matching.hashing import (
    MediaHasher,
    algorithms,
    algorithms_for_hex_length,
    get_algorithm,
    hash_file,
    hash_stream,
    normalise_value,
)
from hotline.matching.synthetic import encode, synthetic_image

JPEG = encode(synthetic_image(7, width=320, height=240))
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 40


def test_registry_holds_the_five_algorithms() -> None:
    assert sorted(algorithm.name for algorithm in algorithms()) == [
        "md5",
        "pdq",
        "sha1",
        "sha256",
        "vpdq",
    ]


def test_algorithms_for_hex_length_32_is_md5_alone_not_the_vpdq_id() -> None:
    assert [a.name for a in algorithms_for_hex_length(32)] == ["md5"]


def test_algorithms_for_hex_length_64_are_sha256_and_pdq() -> None:
    assert sorted(a.name for a in algorithms_for_hex_length(64)) == ["pdq", "sha256"]


def test_get_algorithm_unknown_name_raises_invalid_hash() -> None:
    with pytest.raises(InvalidHash, match="unknown hash algorithm 'crc32'"):
        get_algorithm("crc32")


def test_normalise_value_lowercases_and_checks_length() -> None:
    assert normalise_value("md5", " D41D8CD98F00B204E9800998ECF8427E ") == (
        "d41d8cd98f00b204e9800998ecf8427e"
    )
    with pytest.raises(InvalidHash, match="sha1 hashes have 40 hexadecimal characters, got 3"):
        normalise_value("sha1", "abc")


def test_hash_stream_digests_equal_hashlib_with_small_chunks() -> None:
    hashes = hash_stream(io.BytesIO(JPEG), chunk_size=7)

    assert hashes.media_type.name == "jpeg"
    assert hashes.size == len(JPEG)
    assert hashes.values["md5"].value == hashlib.md5(JPEG).hexdigest()  # noqa: S324
    assert hashes.values["sha1"].value == hashlib.sha1(JPEG).hexdigest()  # noqa: S324
    assert hashes.values["sha256"].value == hashlib.sha256(JPEG).hexdigest()


def test_hash_stream_pdq_does_not_depend_on_chunking() -> None:
    whole = hash_stream(io.BytesIO(JPEG)).values["pdq"]
    chunked = hash_stream(io.BytesIO(JPEG), chunk_size=5).values["pdq"]

    assert chunked == whole
    assert len(whole.value) == 64
    assert whole.quality == 79


def test_media_hasher_hashes_an_upload_fed_piece_by_piece() -> None:
    hasher = MediaHasher(["sha256", "pdq"])
    for start in range(0, len(JPEG), 1000):
        hasher.update(JPEG[start : start + 1000])

    hashes = hasher.finish()

    assert sorted(hashes.values) == ["pdq", "sha256"]
    assert hashes.values["sha256"].value == hashlib.sha256(JPEG).hexdigest()


def test_hash_stream_video_gets_digests_but_no_pdq() -> None:
    hashes = hash_stream(io.BytesIO(MP4), names=["md5", "sha1", "sha256", "pdq"])

    assert hashes.media_type.name == "mp4"
    assert sorted(hashes.values) == ["md5", "sha1", "sha256"]


def test_hash_stream_of_an_undecodable_video_is_malformed_for_vpdq() -> None:
    with pytest.raises(MalformedMedia, match="the video cannot be read"):
        hash_stream(io.BytesIO(MP4))


def test_hash_file_ignores_the_extension(tmp_path: Path) -> None:
    misleading = tmp_path / "holiday.mp4"
    misleading.write_bytes(JPEG)

    assert hash_file(misleading).media_type.name == "jpeg"


def test_hash_stream_unknown_content_raises_unsupported_media() -> None:
    with pytest.raises(UnsupportedMedia, match="not a supported media type"):
        hash_stream(io.BytesIO(b"%PDF-1.7\n" + b"x" * 100))


def test_hash_stream_truncated_jpeg_raises_malformed_media() -> None:
    with pytest.raises(MalformedMedia, match="jpeg image cannot be"):
        hash_stream(io.BytesIO(JPEG[: len(JPEG) // 3]))


def test_hash_stream_garbage_after_png_signature_raises_malformed_media() -> None:
    with pytest.raises(MalformedMedia, match="png image cannot be"):
        hash_stream(io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64))


@override_settings(MATCHING_MAX_IMAGE_PIXELS=10_000)
def test_hash_stream_refuses_images_over_the_pixel_limit() -> None:
    png = encode(synthetic_image(3, width=200, height=100), "PNG")

    with pytest.raises(MediaTooLarge, match="more pixels than the limit of 10,000"):
        hash_stream(io.BytesIO(png))


@override_settings(MATCHING_MAX_IMAGE_BYTES=1000)
def test_hash_stream_refuses_images_over_the_byte_limit() -> None:
    with pytest.raises(MediaTooLarge, match="larger than the limit of 1,000 bytes"):
        hash_stream(io.BytesIO(JPEG))


def test_hash_stream_tiny_image_has_zero_quality() -> None:
    png = encode(synthetic_image(5, width=4, height=4), "PNG")

    pdq = hash_stream(io.BytesIO(png)).values["pdq"]

    assert (pdq.value, pdq.quality) == ("0" * 64, 0)


def _pdq_distance_and_quality(data: bytes, reference: bytes) -> tuple[int, int]:
    ours = hash_stream(io.BytesIO(data)).values["pdq"]
    theirs = hash_stream(io.BytesIO(reference)).values["pdq"]
    distance = (int(ours.value, 16) ^ int(theirs.value, 16)).bit_count()
    return distance, int(ours.quality or 0)


# Wider than twice the 512 px working size, so the decoder must box-reduce it.
_LARGE = {"width": 1100, "height": 700}


@pytest.mark.parametrize("image_format", ["GIF", "PNG"])
def test_hash_stream_pdq_of_a_large_palette_image_equals_its_rgb_conversion(
    image_format: str,
) -> None:
    palette = synthetic_image(11, **_LARGE).quantize(colors=64, method=Image.Quantize.FASTOCTREE)
    assert palette.mode == "P"

    distance, quality = _pdq_distance_and_quality(
        encode(palette, image_format), encode(palette.convert("RGB"), "PNG")
    )

    assert distance <= 10
    assert quality >= 50


@pytest.mark.parametrize("image_format", ["PNG", "BMP"])
def test_hash_stream_pdq_of_a_large_one_bit_image_equals_its_rgb_conversion(
    image_format: str,
) -> None:
    bilevel = synthetic_image(13, **_LARGE).convert("1")

    distance, quality = _pdq_distance_and_quality(
        encode(bilevel, image_format), encode(bilevel.convert("RGB"), "PNG")
    )

    assert distance <= 10
    assert quality >= 50
