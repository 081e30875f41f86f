"""Synthetic hash-only removal requests: random hashes, never of any real picture."""

from __future__ import annotations

import secrets
from typing import Any

from hotline.matching.self_submitted import Submitted, parse_submission, submit_self_submission


def image(md5: str | None = None, pdq: str | None = None, quality: int = 90) -> dict[str, Any]:
    return {
        "media": "image",
        "md5": md5 or secrets.token_hex(16),
        "pdq": pdq or secrets.token_hex(32),
        "pdq_quality": quality,
    }


def video(md5: str | None = None, frames: int = 3) -> dict[str, Any]:
    return {
        "media": "video",
        "md5": md5 or secrets.token_hex(16),
        "duration": float(frames),
        "vpdq": [
            {"frame": n, "seconds": float(n), "quality": 80, "pdq": secrets.token_hex(32)}
            for n in range(frames)
        ],
    }


def submit(*files: dict[str, Any], receipt: bool = True) -> Submitted:
    """Store a request as the page would send it."""
    return submit_self_submission(
        parse_submission({"files": list(files) or [image()], "receipt": receipt})
    )
