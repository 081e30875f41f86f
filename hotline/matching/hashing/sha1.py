"""SHA-1: the second key of Project VIC (VICS) media records."""

from __future__ import annotations

from hotline.matching.hashing.base import DigestAlgorithm, register

SHA1 = register(DigestAlgorithm("sha1", 40))
