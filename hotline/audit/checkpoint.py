"""Signed tree heads as C2SP checkpoints: the format transparency-log witnesses read.

A checkpoint (https://c2sp.org/tlog-checkpoint) is a signed note
(https://c2sp.org/signed-note) whose text is three lines: the log's origin, the tree size and
the root hash in standard base64. Go's ``golang.org/x/mod/sumdb/note``, the witnesses of
transparency-dev and Sigsum, and the Go checksum database all read it, so a partner or a public
witness can keep and cosign Hotline's heads with software that knows nothing of Hotline.

The note is signed with the audit log's Ed25519 key (``signing``): the key's name is the
checkpoint's origin, its 4-byte id the first bytes of SHA-256(name, newline, 0x01, public key),
and the verifier key a partner pins is ``name+id+base64(0x01, public key)``
(``verifier_key``). Pure functions over bytes, no Django.
"""

from __future__ import annotations

import base64
import hashlib
import re

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from hotline.audit.signing import public_key_bytes

ED25519 = b"\x01"  # the signed-note signature type of Ed25519
SIGNATURE_DASH = "\u2014"  # "—", which opens every signature line
# A key name (and so the origin) has no Unicode space and no "+" (signed-note).
_BAD_NAME = re.compile(r"[\s+]")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def origin_of(log_origin: str) -> str:
    """The checkpoint origin for the log's configured origin: a URL without its scheme, as the
    checkpoint format asks (``https://hotline.example.test/audit`` becomes
    ``hotline.example.test/audit``)."""
    origin = _SCHEME.sub("", log_origin.strip()).rstrip("/")
    if not origin or _BAD_NAME.search(origin):
        raise ValueError(
            f"the audit log's origin {log_origin!r} cannot name a checkpoint: it must be a URL "
            "with no spaces and no '+' (HOTLINE_AUDIT_LOG_ORIGIN)"
        )
    return origin


def checkpoint_body(origin: str, tree_size: int, root: bytes) -> str:
    """The checkpoint's text: origin, decimal size, base64 root, each on its line."""
    if tree_size < 0 or len(root) != 32:
        raise ValueError("a checkpoint needs a size >= 0 and a 32-byte SHA-256 root")
    return f"{origin}\n{tree_size}\n{base64.b64encode(root).decode()}\n"


def key_id(name: str, public_key: Ed25519PublicKey) -> bytes:
    """The 4 bytes that name a key in a signature line."""
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public_key_bytes(public_key)).digest()[
        :4
    ]


def verifier_key(name: str, public_key: Ed25519PublicKey) -> str:
    """The verifier key a partner pins: ``name+hex id+base64(type, public key)``."""
    encoded = base64.b64encode(ED25519 + public_key_bytes(public_key)).decode()
    return f"{name}+{key_id(name, public_key).hex()}+{encoded}"


def sign_note(text: str, name: str, key: Ed25519PrivateKey) -> str:
    """The signed note: the text, a blank line, then the signature line of ``key``."""
    if not text.endswith("\n") or "\n\n" in text:
        raise ValueError("a note's text ends with a newline and has no blank line")
    signature = key.sign(text.encode())
    encoded = base64.b64encode(key_id(name, key.public_key()) + signature).decode()
    return f"{text}\n{SIGNATURE_DASH} {name} {encoded}\n"


def checkpoint(
    *, log_origin: str, tree_size: int, root_hash_hex: str, key: Ed25519PrivateKey
) -> str:
    """A signed checkpoint of the tree of ``tree_size`` events with root ``root_hash_hex``."""
    origin = origin_of(log_origin)
    return sign_note(checkpoint_body(origin, tree_size, bytes.fromhex(root_hash_hex)), origin, key)
