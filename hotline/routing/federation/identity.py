"""This instance's federation identity: its Ed25519 key, and the outbox signer that uses it.

The key comes from ``HOTLINE_FEDERATION_PRIVATE_KEY`` (better: ``..._FILE``, a PEM file only
the service can read). In development, when none is configured, a key is generated once and
kept in ``VAR_DIR/federation-key.pem`` (mode 0600), so a laptop federates out of the box and
keeps its identity across restarts. Production refuses to federate without a configured key.

Partners trust our *public* key (``hotline federation key`` prints it); the key id is derived
from it (``hotline.routing.federation.keys``).
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from hotline.routing.federation.keys import (
    KeyFormatError,
    generate_private_key,
    key_id_for,
    private_key_from_pem,
    private_key_to_pem,
    public_key_from_pem,
    public_key_from_text,
    public_key_to_text,
)
from hotline.routing.federation.signatures import sign_request

KEY_FILE_NAME = "federation-key.pem"


def instance_private_key() -> Ed25519PrivateKey:
    """Our signing key: the configured one, or (not in production) the one kept under var/."""
    configured = settings.FEDERATION_PRIVATE_KEY.strip()
    if configured:
        try:
            return _read_private_key(configured)
        except KeyFormatError as exc:
            raise ImproperlyConfigured(
                f"HOTLINE_FEDERATION_PRIVATE_KEY: {exc}; expected an unencrypted Ed25519 PEM "
                "key such as 'openssl genpkey -algorithm ed25519' writes"
            ) from None
    if settings.PRODUCTION:
        raise ImproperlyConfigured(
            "HOTLINE_FEDERATION_PRIVATE_KEY_FILE is not set: production federates only with a "
            "configured key (create one with 'openssl genpkey -algorithm ed25519 -out key.pem')"
        )
    return _read_private_key(development_key_text(Path(settings.VAR_DIR) / KEY_FILE_NAME))


def instance_key_id() -> str:
    """The key id our signatures carry (``ed25519:`` + the SHA-256 of our public key)."""
    return key_id_for(instance_private_key().public_key())


def instance_public_key_text() -> str:
    """Our public key in the compact form partners paste into ``add-partner``."""
    return public_key_to_text(instance_private_key().public_key())


def development_key_text(path: Path) -> str:
    """The PEM in ``path``, generated first (mode 0600) if there is none.

    Web, worker and scheduler processes may start at once: the key is written to a private
    temporary file and linked into place, so exactly one key wins and nobody reads half a file.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(private_key_to_pem(generate_private_key()))
        try:
            with contextlib.suppress(FileExistsError):  # another process was first: use theirs
                os.link(temporary, path)
        finally:
            temporary.unlink()
    return path.read_text(encoding="ascii")


@functools.lru_cache(maxsize=4)
def _read_private_key(pem: str) -> Ed25519PrivateKey:
    return private_key_from_pem(pem)


def parse_public_key(text: str) -> Ed25519PublicKey:
    """A partner's public key in either form: compact base64url or PEM. Raises KeyFormatError."""
    stripped = text.strip()
    if stripped.startswith("-----BEGIN"):
        return public_key_from_pem(stripped)
    return public_key_from_text(stripped)


def sign_outgoing(method: str, url: str, body: bytes, headers: dict[str, str]) -> dict[str, str]:
    """The outbox's ``federation`` signer: RFC 9421 headers for one delivery attempt.

    Called per attempt, so every retry carries a fresh nonce and ``created`` time; the body
    (and its message id) stay the same, which is what the receiver dedupes on.
    """
    return sign_request(
        method=method,
        url=url,
        headers=headers,
        body=body,
        private_key=instance_private_key(),
        key_id=instance_key_id(),
    )
