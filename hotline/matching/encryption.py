"""Media encrypted at rest with AES-256-GCM.

Keys come from ``HOTLINE_MEDIA_KEYS`` (or ``HOTLINE_MEDIA_KEYS_FILE``): a comma-separated
list of ``<key id>:<base64 32-byte key>``; the first is current and encrypts new files,
the others still decrypt old ones. Rotation: put a new key first, run
``hotline media rotate`` (re-encrypts every stored file with it), then drop the old key.
The stored name is bound into each ciphertext as associated data, so swapping files
on disk is detected.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NONCE_BYTES = 12


@dataclass(frozen=True)
class Sealed:
    key_id: str
    nonce: bytes
    ciphertext: bytes


def parse_keys(text: str) -> dict[str, bytes]:
    """``id:base64,id:base64`` → ordered {id: key}; a bad entry is a one-line configuration error."""
    keys: dict[str, bytes] = {}
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        key_id, _, encoded = entry.partition(":")
        try:
            key = base64.b64decode(encoded, validate=True)
        except ValueError:
            key = b""
        if not key_id or len(key) != 32:
            raise ImproperlyConfigured(
                "HOTLINE_MEDIA_KEYS: expected <id>:<base64 of 32 random bytes>, comma-separated "
                "(create one with: python -c \"import os,base64;print('k1:'+base64.b64encode(os.urandom(32)).decode())\")"
            )
        keys[key_id] = key
    return keys


def keys() -> dict[str, bytes]:
    configured = parse_keys(settings.MEDIA_KEYS)
    if not configured:
        raise ImproperlyConfigured(
            "HOTLINE_MEDIA_KEYS: media uploads are on but no key is configured"
        )
    return configured


def current_key_id() -> str:
    return next(iter(keys()))


def seal(data: bytes, *, associated: str) -> Sealed:
    key_id = current_key_id()
    nonce = os.urandom(NONCE_BYTES)
    return Sealed(key_id, nonce, AESGCM(keys()[key_id]).encrypt(nonce, data, associated.encode()))


def unseal(sealed: Sealed, *, associated: str) -> bytes:
    key = keys().get(sealed.key_id)
    if key is None:
        raise ImproperlyConfigured(
            f"HOTLINE_MEDIA_KEYS: key {sealed.key_id!r} is needed to read stored media"
        )
    return AESGCM(key).decrypt(sealed.nonce, sealed.ciphertext, associated.encode())
