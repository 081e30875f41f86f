"""The key that signs the audit log's tree heads, and the bytes a signature covers.

The key comes from ``HOTLINE_AUDIT_SIGNING_KEY`` (better: ``..._FILE``, a PEM file only the
service can read). In development, when none is configured, one is generated once and kept in
``VAR_DIR/audit-signing-key.pem`` (mode 0600). Production refuses to start without one
(check ``hotline.E014``).

A signed head says "the log ``origin`` had ``tree_size`` events whose Merkle root is
``root_hash`` at ``timestamp``". ``signed_bytes`` is the whole statement;
``tools/audit_verify.py`` rebuilds it the same way.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEY_FILE_NAME = "audit-signing-key.pem"
STATEMENT_PREFIX = b"hotline-audit-tree-head/v1\n"


def signed_bytes(*, origin: str, tree_size: int, root_hash: str, timestamp_ms: int) -> bytes:
    """What a tree head's signature covers: one line per field, in this order."""
    return STATEMENT_PREFIX + f"{origin}\n{tree_size}\n{root_hash}\n{timestamp_ms}\n".encode()


@functools.cache
def _configured_key(text: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(text.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            f"HOTLINE_AUDIT_SIGNING_KEY: {exc}; expected an unencrypted Ed25519 PEM key such as "
            "'openssl genpkey -algorithm ed25519' writes"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured("HOTLINE_AUDIT_SIGNING_KEY: not an Ed25519 key")
    return key


def signing_key() -> Ed25519PrivateKey:
    """The configured key, or (not in production) the one kept under var/."""
    configured = settings.AUDIT_SIGNING_KEY.strip()
    if configured:
        return _configured_key(configured)
    if settings.PRODUCTION:
        raise ImproperlyConfigured(
            "HOTLINE_AUDIT_SIGNING_KEY_FILE is not set: production signs audit tree heads only "
            "with a configured key"
        )
    return _configured_key(_development_key_text(Path(settings.VAR_DIR) / KEY_FILE_NAME))


def _development_key_text(path: Path) -> str:
    """The PEM in ``path``, generated first (mode 0600, linked into place so that processes
    starting at once agree on one key) when there is none."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
    return path.read_text(encoding="ascii")


def public_key_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    """``ed25519:`` and the hex SHA-256 of the raw public key."""
    return "ed25519:" + hashlib.sha256(public_key_bytes(key)).hexdigest()


def public_key_hex() -> str:
    """The public key partners pin to check signed heads (``hotline audit key``)."""
    return public_key_bytes(signing_key().public_key()).hex()


def sign(statement: bytes) -> tuple[str, str]:
    """The hex signature of ``statement`` and the key id that made it."""
    key = signing_key()
    return key.sign(statement).hex(), key_id(key.public_key())


def signature_ok(statement: bytes, signature_hex: str, public_key: Ed25519PublicKey) -> bool:
    try:
        public_key.verify(bytes.fromhex(signature_hex), statement)
    except (InvalidSignature, ValueError):
        return False
    return True
