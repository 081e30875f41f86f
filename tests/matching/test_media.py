from __future__ import annotations

import pytest

from hotline.matching import media
from hotline.matching.synthetic import encode, synthetic_image

SMALL = synthetic_image(1, width=64, height=48)


@pytest.mark.parametrize(
    ("image_format", "expected"),
    [
        ("JPEG", media.JPEG),
        ("PNG", media.PNG),
        ("GIF", media.GIF),
        ("WEBP", media.WEBP),
        ("BMP", media.BMP),
    ],
)
def test_detect_media_type_recognises_images_by_content(
    image_format: str, expected: media.MediaType
) -> None:
    head = encode(SMALL, image_format)[: media.SNIFF_BYTES]

    assert media.detect_media_type(head) == expected


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom", media.MP4),
        (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41", media.MP4),
        (
            b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm",
            media.WEBM,
        ),
        (b"RIFF\x24\x00\x00\x00AVI LIST", media.AVI),
    ],
)
def test_detect_media_type_recognises_video_containers(
    head: bytes, expected: media.MediaType
) -> None:
    assert media.detect_media_type(head) == expected


@pytest.mark.parametrize(
    "head",
    [b"", b"%PDF-1.7\n", b"PK\x03\x04zip", b"BM but not a bitmap", b"RIFF\x00\x00\x00\x00WAVEfmt "],
)
def test_detect_media_type_returns_none_for_other_content(head: bytes) -> None:
    assert media.detect_media_type(head) is None
