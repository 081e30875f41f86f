"""Ed25519 keys for signing federation messages: generation, text forms and key ids.

An instance has one private key (PEM, PKCS #8, unencrypted: it lives in a file readable only by
the service, like the TLS key) and publishes its public key to partners in one of two forms:

* the compact form: the 32 raw bytes of the public key in base64url without padding
  (43 characters), easy to paste into a partner's admin page or read out on the phone;
* PEM (SubjectPublicKeyInfo), for tools such as ``openssl``.

Key id convention: ``ed25519:`` followed by the base64url (unpadded) SHA-256 of the raw public
key, 51 characters in all: RFC 9421's test key ``test-key-ed25519`` has the id
``ed25519:sWwtG-rRJiY5dk_bDuTTd0WZM2vUk0BM2ksRNsWfIGI``. It is derived from the key alone, so
it needs no registry to stay unique, changes whenever the key is rotated (old and new keys can
be trusted side by side during a rotation), and both sides can recompute it to check that the
key they were given is the key they meant. The full digest is kept, like OpenSSH's
``SHA256:`` fingerprints, so there is no truncation to argue about.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "KEY_ID_PREFIX",
    "KeyFormatError",
    "generate_private_key",
    "key_id_for",
    "private_key_from_pem",
    "private_key_to_pem",
    "public_key_from_pem",
    "public_key_from_text",
    "public_key_to_pem",
    "public_key_to_text",
]

KEY_ID_PREFIX = "ed25519:"
_RAW_PUBLIC_KEY_LENGTH = 32
_BASE64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


class KeyFormatError(ValueError):
    """Text that should hold an Ed25519 key does not; the message says what is wrong."""


def generate_private_key() -> Ed25519PrivateKey:
    """A new random Ed25519 private key."""
    return Ed25519PrivateKey.generate()


def private_key_to_pem(private_key: Ed25519PrivateKey) -> str:
    """The private key as unencrypted PKCS #8 PEM (protect the file, not the text)."""
    return private_key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    ).decode("ascii")


def private_key_from_pem(text: str) -> Ed25519PrivateKey:
    """Read an unencrypted PKCS #8 PEM private key; raise ``KeyFormatError`` unless it is Ed25519."""
    try:
        key = serialization.load_pem_private_key(text.encode("utf-8"), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise KeyFormatError("not an unencrypted PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFormatError("the PEM private key is not an Ed25519 key")
    return key


def public_key_to_pem(public_key: Ed25519PublicKey) -> str:
    """The public key as SubjectPublicKeyInfo PEM."""
    return public_key.public_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PublicFormat.SubjectPublicKeyInfo,
    ).decode("ascii")


def public_key_from_pem(text: str) -> Ed25519PublicKey:
    """Read a SubjectPublicKeyInfo PEM public key; raise ``KeyFormatError`` unless it is Ed25519."""
    try:
        key = serialization.load_pem_public_key(text.encode("utf-8"))
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise KeyFormatError("not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFormatError("the PEM public key is not an Ed25519 key")
    return key


def public_key_to_text(public_key: Ed25519PublicKey) -> str:
    """The compact form: base64url, unpadded, of the 32 raw public-key bytes."""
    return _base64url(_raw(public_key))


def public_key_from_text(text: str) -> Ed25519PublicKey:
    """Read the compact form (surrounding whitespace ignored); raise ``KeyFormatError`` if bad."""
    encoded = text.strip()
    if not encoded or not set(encoded) <= _BASE64URL:
        raise KeyFormatError(
            "an Ed25519 public key is 43 characters of base64url (A-Z a-z 0-9 - _)"
        )
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != _RAW_PUBLIC_KEY_LENGTH:
        raise KeyFormatError(
            f"an Ed25519 public key is {_RAW_PUBLIC_KEY_LENGTH} bytes (43 base64url characters)"
        )
    try:
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as error:
        raise KeyFormatError(f"not a valid Ed25519 public key: {error}") from None


def key_id_for(public_key: Ed25519PublicKey) -> str:
    """The key id of ``public_key``: ``ed25519:`` and the base64url SHA-256 of its raw bytes."""
    return KEY_ID_PREFIX + _base64url(hashlib.sha256(_raw(public_key)).digest())


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(
        encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw
    )


def _base64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
