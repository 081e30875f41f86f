"""Media type detection by magic bytes; the file name or extension is never trusted."""

from __future__ import annotations

import enum
from dataclasses import dataclass

# Enough leading bytes to recognise every type below (the EBML DocType sits near byte 30).
SNIFF_BYTES = 64


class MediaKind(enum.StrEnum):
    IMAGE = "image"
    VIDEO = "video"


@dataclass(frozen=True)
class MediaType:
    """A recognised media type: a short name, its MIME type and whether it is an image or video."""

    name: str
    mime: str
    kind: MediaKind

    @property
    def is_image(self) -> bool:
        return self.kind is MediaKind.IMAGE


JPEG = MediaType("jpeg", "image/jpeg", MediaKind.IMAGE)
PNG = MediaType("png", "image/png", MediaKind.IMAGE)
GIF = MediaType("gif", "image/gif", MediaKind.IMAGE)
WEBP = MediaType("webp", "image/webp", MediaKind.IMAGE)
BMP = MediaType("bmp", "image/bmp", MediaKind.IMAGE)
MP4 = MediaType("mp4", "video/mp4", MediaKind.VIDEO)
WEBM = MediaType("webm", "video/webm", MediaKind.VIDEO)
AVI = MediaType("avi", "video/x-msvideo", MediaKind.VIDEO)
MATROSKA = MediaType("matroska", "video/x-matroska", MediaKind.VIDEO)

# ISO base media file format brands that are video containers (MP4, QuickTime, 3GP).
# HEIF/AVIF images share the container but are not decoded here, so they stay unsupported.
_VIDEO_BRANDS = (b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1",
                 b"dash", b"M4V ", b"M4VP", b"qt  ", b"3gp4", b"3gp5", b"3gp6", b"3g2a",
                 b"MSNV", b"f4v ")  # fmt: skip


def detect_media_type(head: bytes) -> MediaType | None:
    """The media type of content starting with ``head``, or ``None`` when not recognised.

    ``head`` should hold at least ``SNIFF_BYTES`` bytes unless the content is shorter.
    """
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head.startswith(b"RIFF") and len(head) >= 12:
        if head[8:12] == b"WEBP":
            return WEBP
        if head[8:12] == b"AVI ":
            return AVI
        return None
    if head.startswith(b"BM") and len(head) >= 14 and head[6:10] == b"\x00\x00\x00\x00":
        return BMP  # reserved fields are zero in every real BMP; "BM" alone is too weak
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in _VIDEO_BRANDS:
        return MP4
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        # EBML header: Matroska and WebM share it; the DocType names which.
        if b"webm" in head:
            return WEBM
        return MATROSKA if b"matroska" in head else None
    return None
