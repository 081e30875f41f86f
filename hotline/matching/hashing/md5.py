"""MD5: still the key most hash lists (VICS, NCMEC) are exchanged by."""

from __future__ import annotations

from hotline.matching.hashing.base import DigestAlgorithm, register

MD5 = register(DigestAlgorithm("md5", 32))
