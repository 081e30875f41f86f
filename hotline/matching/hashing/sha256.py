"""SHA-256: the collision-resistant digest for new lists and evidence records."""

from __future__ import annotations

from hotline.matching.hashing.base import DigestAlgorithm, register

SHA256 = register(DigestAlgorithm("sha256", 64))
