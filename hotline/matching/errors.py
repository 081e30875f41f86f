"""Errors raised where media or hash data enters the matching app.

Each carries a one-line message a user can act on; callers show ``str(exc)``.
"""

from __future__ import annotations


class MatchingError(Exception):
    """Base class for every error the matching app raises on bad input."""


class UnsupportedMedia(MatchingError):
    """The bytes are not a media type we hash (detected by content, not by name)."""


class MediaTooLarge(UnsupportedMedia):
    """The media exceeds a configured limit (pixels or bytes): a possible decompression bomb."""


class MalformedMedia(MatchingError):
    """The bytes claim a supported type but cannot be decoded (truncated, corrupt)."""


class InvalidHash(MatchingError):
    """A hash value is not valid for its algorithm (wrong length, not hexadecimal)."""
