"""Ed25519 keys: text forms round trip, the RFC 9421 test key reads as published, bad text refused."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from hotline.routing.federation.keys import (
    KeyFormatError,
    generate_private_key,
    key_id_for,
    private_key_from_pem,
    private_key_to_pem,
    public_key_from_pem,
    public_key_from_text,
    public_key_to_pem,
    public_key_to_text,
)
from tests.routing import rfc9421


def test_private_key_pem_round_trip() -> None:
    key = generate_private_key()

    read = private_key_from_pem(private_key_to_pem(key))

    assert public_key_to_text(read.public_key()) == public_key_to_text(key.public_key())


def test_private_key_to_pem_rfc9421_test_key_exact() -> None:
    key = private_key_from_pem(rfc9421.TEST_KEY_ED25519_PRIVATE_PEM)

    assert private_key_to_pem(key) == rfc9421.TEST_KEY_ED25519_PRIVATE_PEM


def test_public_key_to_text_rfc9421_test_key_matches_jwk() -> None:
    key = public_key_from_pem(rfc9421.TEST_KEY_ED25519_PUBLIC_PEM)

    assert public_key_to_text(key) == rfc9421.TEST_KEY_ED25519_JWK_X


def test_public_key_to_pem_rfc9421_test_key_exact() -> None:
    key = private_key_from_pem(rfc9421.TEST_KEY_ED25519_PRIVATE_PEM).public_key()

    assert public_key_to_pem(key) == rfc9421.TEST_KEY_ED25519_PUBLIC_PEM


def test_public_key_text_round_trip() -> None:
    key = generate_private_key().public_key()
    text = public_key_to_text(key)

    assert (len(text), public_key_to_text(public_key_from_text(f" {text}\n"))) == (43, text)


def test_key_id_for_rfc9421_test_key() -> None:
    key = public_key_from_text(rfc9421.TEST_KEY_ED25519_JWK_X)

    assert key_id_for(key) == "ed25519:sWwtG-rRJiY5dk_bDuTTd0WZM2vUk0BM2ksRNsWfIGI"


def test_key_id_for_distinct_keys_differ() -> None:
    first = key_id_for(generate_private_key().public_key())
    second = key_id_for(generate_private_key().public_key())

    assert first != second


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "an Ed25519 public key is 43 characters of base64url (A-Z a-z 0-9 - _)"),
        (
            rfc9421.TEST_KEY_ED25519_JWK_X + "=",
            "an Ed25519 public key is 43 characters of base64url (A-Z a-z 0-9 - _)",
        ),
        ("JrQLj5P/89iX", "an Ed25519 public key is 43 characters of base64url (A-Z a-z 0-9 - _)"),
        ("JrQLj5P_89iX", "an Ed25519 public key is 32 bytes (43 base64url characters)"),
        ("A", "an Ed25519 public key is 32 bytes (43 base64url characters)"),
    ],
)
def test_public_key_from_text_invalid(text: str, message: str) -> None:
    with pytest.raises(KeyFormatError) as caught:
        public_key_from_text(text)

    assert str(caught.value) == message


def test_private_key_from_pem_garbage_refused() -> None:
    with pytest.raises(KeyFormatError) as caught:
        private_key_from_pem("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")

    assert str(caught.value) == "not an unencrypted PEM private key"


def test_private_key_from_pem_encrypted_refused() -> None:
    encrypted = generate_private_key().private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.BestAvailableEncryption(b"correct horse"),
    )

    with pytest.raises(KeyFormatError) as caught:
        private_key_from_pem(encrypted.decode("ascii"))

    assert str(caught.value) == "not an unencrypted PEM private key"


def test_private_key_from_pem_other_algorithm_refused() -> None:
    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            encoding=serialization.Encoding.PEM,
            format=serialization.PrivateFormat.PKCS8,
            encryption_algorithm=serialization.NoEncryption(),
        )
        .decode("ascii")
    )

    with pytest.raises(KeyFormatError) as caught:
        private_key_from_pem(pem)

    assert str(caught.value) == "the PEM private key is not an Ed25519 key"


def test_public_key_from_pem_other_algorithm_refused() -> None:
    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(
            encoding=serialization.Encoding.PEM,
            format=serialization.PublicFormat.SubjectPublicKeyInfo,
        )
        .decode("ascii")
    )

    with pytest.raises(KeyFormatError) as caught:
        public_key_from_pem(pem)

    assert str(caught.value) == "the PEM public key is not an Ed25519 key"


def test_public_key_from_pem_garbage_refused() -> None:
    with pytest.raises(KeyFormatError) as caught:
        public_key_from_pem("hello")

    assert str(caught.value) == "not a PEM public key"
