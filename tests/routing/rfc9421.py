"""Test material published in RFC 9421 (Appendix B) and RFC 9530, copied as published.

The keys are the RFC's public test keys; they sign nothing real.
"""

from __future__ import annotations

# RFC 9421 Appendix B.1.4, "Example Ed25519 Test Key" (key id "test-key-ed25519").
TEST_KEY_ED25519_PRIVATE_PEM = """-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
-----END PRIVATE KEY-----
"""
TEST_KEY_ED25519_PUBLIC_PEM = """-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
-----END PUBLIC KEY-----
"""
# The same public key as the RFC's JWK gives it ("x", base64url of the raw bytes).
TEST_KEY_ED25519_JWK_X = "JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs"

# RFC 9421 Appendix B.2, the "test-request" message.
TEST_REQUEST_METHOD = "POST"
TEST_REQUEST_URL = "https://example.com/foo?param=Value&Pet=dog"
TEST_REQUEST_HEADERS = {
    "Host": "example.com",
    "Date": "Tue, 20 Apr 2021 02:07:55 GMT",
    "Content-Type": "application/json",
    "Content-Digest": "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
    "Content-Length": "18",
}
TEST_REQUEST_BODY = b'{"hello": "world"}'

# RFC 9421 Appendix B.2.6, "Signing a Request Using ed25519" (RFC 8792 line wrapping undone).
B26_COVERED = ("date", "@method", "@path", "@authority", "content-type", "content-length")
B26_CREATED = 1618884473
B26_KEY_ID = "test-key-ed25519"
B26_SIGNATURE_BASE = (
    '"date": Tue, 20 Apr 2021 02:07:55 GMT\n'
    '"@method": POST\n'
    '"@path": /foo\n'
    '"@authority": example.com\n'
    '"content-type": application/json\n'
    '"content-length": 18\n'
    '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length")'
    ';created=1618884473;keyid="test-key-ed25519"'
)
B26_SIGNATURE_INPUT = (
    'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length")'
    ';created=1618884473;keyid="test-key-ed25519"'
)
B26_SIGNATURE = "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:"

# RFC 9530 section 2, the sha-256 Content-Digest of the same body.
RFC9530_SHA256_CONTENT_DIGEST = "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"
