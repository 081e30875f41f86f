"""Signed federation requests: the RFC 9421 ed25519 example, a round trip, every refusal.

Hotline A signs; hotline B verifies, trusting A's key. All addresses are reserved names.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.routing.federation.keys import generate_private_key, key_id_for, private_key_from_pem
from hotline.routing.federation.nonces import InMemoryNonceStore
from hotline.routing.federation.signatures import (
    BadDigestError,
    BadSignatureError,
    ExpiredSignatureError,
    MalformedHeaderError,
    MissingHeaderError,
    PrematureSignatureError,
    ReplayedNonceError,
    SignatureError,
    UnacceptableSignatureError,
    UnknownKeyError,
    VerifiedSignature,
    check_content_digest,
    content_digest,
    sign_request,
    signature_base,
    verify_request,
)
from hotline.routing.federation.structured_fields import (
    BareItem,
    InnerList,
    Item,
    Parameters,
    parse_dictionary,
    serialize_inner_list,
    serialize_item,
)
from tests.routing import rfc9421

HOTLINE_A_KEY = generate_private_key()
HOTLINE_A_KEY_ID = key_id_for(HOTLINE_A_KEY.public_key())
HOTLINE_C_KEY = generate_private_key()  # a hotline B does not trust

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
CREATED = int(NOW.timestamp())
URL = "https://hotline-b.example/federation/inbox"
BODY = b'{"kind": "forward", "report": "R-1"}'
HEADERS = {"Content-Type": "application/json", "Date": "Mon, 02 Mar 2026 10:00:00 GMT"}


def trusted_keys(key_id: str) -> Ed25519PublicKey | None:
    return {HOTLINE_A_KEY_ID: HOTLINE_A_KEY.public_key()}.get(key_id)


def signed_headers(nonce: str = "nonce-1") -> dict[str, str]:
    added = sign_request(
        method="POST",
        url=URL,
        headers=HEADERS,
        body=BODY,
        private_key=HOTLINE_A_KEY,
        key_id=HOTLINE_A_KEY_ID,
        created=NOW,
        nonce=nonce,
    )
    return {**HEADERS, **added}


def hand_signed_headers(covered: tuple[str, ...], params: Parameters) -> dict[str, str]:
    """Headers with a genuine signature by hotline A over any components and parameters."""
    headers = {**HEADERS, "Content-Digest": content_digest(BODY)}
    base = signature_base(method="POST", url=URL, headers=headers, covered=covered, params=params)
    signature = HOTLINE_A_KEY.sign(base.encode("ascii"))
    inner_list = InnerList([Item(name) for name in covered], params)
    return {
        **headers,
        "Signature-Input": f"hotline={serialize_inner_list(inner_list)}",
        "Signature": f"hotline={serialize_item(Item(signature))}",
    }


def hotline_params(**changes: BareItem | None) -> Parameters:
    """Hotline signature parameters; a change to None drops that parameter."""
    params: dict[str, BareItem | None] = {
        "created": CREATED,
        "expires": CREATED + 300,
        "nonce": "nonce-1",
        "alg": "ed25519",
        "keyid": HOTLINE_A_KEY_ID,
        **changes,
    }
    return {key: value for key, value in params.items() if value is not None}


REQUIRED = ("@method", "@target-uri", "content-digest", "content-type")


def verify(
    headers: Mapping[str, str],
    *,
    method: str = "POST",
    url: str = URL,
    body: bytes = BODY,
    now: datetime = NOW,
    max_age: int = 300,
    store: InMemoryNonceStore | None = None,
) -> VerifiedSignature:
    return verify_request(
        method=method,
        url=url,
        headers=headers,
        body=body,
        resolve_key=trusted_keys,
        seen_nonce=(store if store is not None else InMemoryNonceStore()).seen,
        now=now,
        max_age=max_age,
    )


def refusal(headers: Mapping[str, str], **kwargs: Any) -> tuple[type[SignatureError], str]:
    with pytest.raises(SignatureError) as caught:
        verify(headers, **kwargs)
    return type(caught.value), str(caught.value)


# RFC 9421 Appendix B.2.6 and RFC 9530


def test_signature_base_rfc9421_b26_example() -> None:
    base = signature_base(
        method=rfc9421.TEST_REQUEST_METHOD,
        url=rfc9421.TEST_REQUEST_URL,
        headers=rfc9421.TEST_REQUEST_HEADERS,
        covered=rfc9421.B26_COVERED,
        params={"created": rfc9421.B26_CREATED, "keyid": rfc9421.B26_KEY_ID},
    )

    assert base == rfc9421.B26_SIGNATURE_BASE


def test_signature_base_rfc9421_b26_from_parsed_signature_input() -> None:
    member = parse_dictionary(rfc9421.B26_SIGNATURE_INPUT)["sig-b26"]
    assert isinstance(member, InnerList)

    base = signature_base(
        method=rfc9421.TEST_REQUEST_METHOD,
        url=rfc9421.TEST_REQUEST_URL,
        headers=rfc9421.TEST_REQUEST_HEADERS,
        covered=[str(item.value) for item in member.items],
        params=member.params,
    )

    assert base == rfc9421.B26_SIGNATURE_BASE
    assert f"sig-b26={serialize_inner_list(member)}" == rfc9421.B26_SIGNATURE_INPUT


def test_signature_rfc9421_b26_byte_for_byte() -> None:
    key = private_key_from_pem(rfc9421.TEST_KEY_ED25519_PRIVATE_PEM)
    published = parse_dictionary(rfc9421.B26_SIGNATURE)["sig-b26"]
    assert isinstance(published, Item)

    signature = key.sign(rfc9421.B26_SIGNATURE_BASE.encode("ascii"))

    assert signature == published.value
    assert f"sig-b26={serialize_item(Item(signature))}" == rfc9421.B26_SIGNATURE


def test_content_digest_rfc9530_example() -> None:
    assert content_digest(rfc9421.TEST_REQUEST_BODY) == rfc9421.RFC9530_SHA256_CONTENT_DIGEST


def test_check_content_digest_sha256_and_rfc9421_sha512_accepted() -> None:
    value = (
        f"{rfc9421.RFC9530_SHA256_CONTENT_DIGEST}, {rfc9421.TEST_REQUEST_HEADERS['Content-Digest']}"
    )

    check_content_digest(value, rfc9421.TEST_REQUEST_BODY)  # raises if refused


def test_check_content_digest_wrong_sha512_refused() -> None:
    value = f"{content_digest(b'other')}, {rfc9421.TEST_REQUEST_HEADERS['Content-Digest']}"

    with pytest.raises(BadDigestError) as caught:
        check_content_digest(value, b"other")

    assert str(caught.value) == "Content-Digest sha-512 does not match the body"


def test_check_content_digest_only_sha512_refused() -> None:
    with pytest.raises(BadDigestError) as caught:
        check_content_digest(
            rfc9421.TEST_REQUEST_HEADERS["Content-Digest"], rfc9421.TEST_REQUEST_BODY
        )

    assert str(caught.value) == "Content-Digest has no sha-256 digest"


# Signing


def test_sign_request_headers_exact() -> None:
    added = signed_headers()

    expected_input = (
        'hotline=("@method" "@target-uri" "content-digest" "content-type")'
        f';created={CREATED};expires={CREATED + 300};nonce="nonce-1";alg="ed25519"'
        f';keyid="{HOTLINE_A_KEY_ID}"'
    )
    assert sorted(added) == [
        "Content-Digest",
        "Content-Type",
        "Date",
        "Signature",
        "Signature-Input",
    ]
    assert added["Content-Digest"] == content_digest(BODY)
    assert added["Signature-Input"] == expected_input


def test_sign_request_signature_over_documented_base() -> None:
    added = signed_headers()
    base = (
        '"@method": POST\n'
        f'"@target-uri": {URL}\n'
        f'"content-digest": {content_digest(BODY)}\n'
        '"content-type": application/json\n'
        '"@signature-params": ("@method" "@target-uri" "content-digest" "content-type")'
        f';created={CREATED};expires={CREATED + 300};nonce="nonce-1";alg="ed25519"'
        f';keyid="{HOTLINE_A_KEY_ID}"'
    )

    expected = f"hotline={serialize_item(Item(HOTLINE_A_KEY.sign(base.encode('ascii'))))}"
    assert added["Signature"] == expected


def test_sign_request_default_nonces_differ() -> None:
    first = sign_request(
        method="POST", url=URL, headers=HEADERS, body=BODY, private_key=HOTLINE_A_KEY, key_id="k"
    )
    second = sign_request(
        method="POST", url=URL, headers=HEADERS, body=BODY, private_key=HOTLINE_A_KEY, key_id="k"
    )

    assert first["Signature-Input"] != second["Signature-Input"]


def test_sign_request_without_content_type_refused() -> None:
    with pytest.raises(
        ValueError, match=r"^cannot sign this request: the request has no content-type header$"
    ):
        sign_request(
            method="POST",
            url=URL,
            headers={},
            body=BODY,
            private_key=HOTLINE_A_KEY,
            key_id=HOTLINE_A_KEY_ID,
        )


def test_sign_request_naive_created_refused() -> None:
    with pytest.raises(ValueError, match=r"^signature times must be timezone-aware datetimes$"):
        sign_request(
            method="POST",
            url=URL,
            headers=HEADERS,
            body=BODY,
            private_key=HOTLINE_A_KEY,
            key_id=HOTLINE_A_KEY_ID,
            created=datetime(2026, 3, 2, 10, 0),  # noqa: DTZ001 -- the naive datetime under test
        )


# Verifying: accepted


def test_verify_request_round_trip() -> None:
    store = InMemoryNonceStore()

    verified = verify(signed_headers(), store=store)

    assert verified == VerifiedSignature(key_id=HOTLINE_A_KEY_ID, created=NOW, nonce="nonce-1")
    assert len(store) == 1


def test_verify_request_header_names_any_case() -> None:
    headers = {name.upper(): value for name, value in signed_headers().items()}

    assert verify(headers).key_id == HOTLINE_A_KEY_ID


def test_verify_request_records_nonce_until_expiry() -> None:
    calls: list[tuple[str, str, datetime]] = []

    def seen(key_id: str, nonce: str, until: datetime) -> bool:
        calls.append((key_id, nonce, until))
        return False

    verify_request(
        method="POST",
        url=URL,
        headers=signed_headers(),
        body=BODY,
        resolve_key=trusted_keys,
        seen_nonce=seen,
        now=NOW,
    )

    assert calls == [(HOTLINE_A_KEY_ID, "nonce-1", NOW + timedelta(seconds=300))]


def test_verify_request_shorter_max_age_shortens_nonce_memory() -> None:
    calls: list[datetime] = []

    def seen(key_id: str, nonce: str, until: datetime) -> bool:
        calls.append(until)
        return False

    verify_request(
        method="POST",
        url=URL,
        headers=signed_headers(),
        body=BODY,
        resolve_key=trusted_keys,
        seen_nonce=seen,
        now=NOW,
        max_age=60,
    )

    assert calls == [NOW + timedelta(seconds=60)]


def test_verify_request_created_within_clock_skew_accepted() -> None:
    assert verify(signed_headers(), now=NOW - timedelta(seconds=30)).created == NOW


def test_verify_request_at_last_accepted_second() -> None:
    assert verify(signed_headers(), now=NOW + timedelta(seconds=300)).created == NOW


def test_verify_request_extra_covered_component_accepted() -> None:
    headers = hand_signed_headers((*REQUIRED, "date", "@authority"), hotline_params(tag="x"))

    assert verify(headers).nonce == "nonce-1"


def test_verify_request_same_nonce_other_key_accepted() -> None:
    store = InMemoryNonceStore()
    store.seen("ed25519:someone-else", "nonce-1", NOW)

    assert verify(signed_headers(), store=store).nonce == "nonce-1"


# Verifying: refused


def test_verify_request_tampered_body_bad_digest() -> None:
    assert refusal(signed_headers(), body=BODY + b" ") == (
        BadDigestError,
        "Content-Digest sha-256 does not match the body",
    )


def test_verify_request_tampered_body_and_digest_bad_signature() -> None:
    headers = {**signed_headers(), "Content-Digest": content_digest(BODY + b" ")}

    assert refusal(headers, body=BODY + b" ") == (
        BadSignatureError,
        "the signature does not match the request",
    )


def test_verify_request_tampered_method_bad_signature() -> None:
    assert refusal(signed_headers(), method="PUT") == (
        BadSignatureError,
        "the signature does not match the request",
    )


def test_verify_request_tampered_url_bad_signature() -> None:
    assert refusal(signed_headers(), url=URL + "?again=1") == (
        BadSignatureError,
        "the signature does not match the request",
    )


def test_verify_request_tampered_content_type_bad_signature() -> None:
    headers = {**signed_headers(), "Content-Type": "text/plain"}

    assert refusal(headers) == (BadSignatureError, "the signature does not match the request")


def test_verify_request_wrong_key_bad_signature() -> None:
    forged = sign_request(
        method="POST",
        url=URL,
        headers=HEADERS,
        body=BODY,
        private_key=HOTLINE_C_KEY,
        key_id=HOTLINE_A_KEY_ID,
        created=NOW,
        nonce="nonce-1",
    )

    assert refusal({**HEADERS, **forged}) == (
        BadSignatureError,
        "the signature does not match the request",
    )


def test_verify_request_unknown_key_id() -> None:
    headers = sign_request(
        method="POST",
        url=URL,
        headers=HEADERS,
        body=BODY,
        private_key=HOTLINE_C_KEY,
        key_id=key_id_for(HOTLINE_C_KEY.public_key()),
        created=NOW,
    )

    assert refusal({**HEADERS, **headers}) == (
        UnknownKeyError,
        f"no trusted key has the id {key_id_for(HOTLINE_C_KEY.public_key())!r}",
    )


def test_verify_request_older_than_max_age_expired() -> None:
    assert refusal(signed_headers(), now=NOW + timedelta(seconds=301)) == (
        ExpiredSignatureError,
        "the signature was created 301 s ago; at most 300 s is accepted",
    )


def test_verify_request_expires_passed_expired() -> None:
    assert refusal(signed_headers(), now=NOW + timedelta(seconds=301), max_age=600) == (
        ExpiredSignatureError,
        "the signature expired 1 s ago",
    )


def test_verify_request_created_in_future_premature() -> None:
    assert refusal(signed_headers(), now=NOW - timedelta(seconds=31)) == (
        PrematureSignatureError,
        "the signature was created 31 s from now",
    )


def test_verify_request_expires_before_created_unacceptable() -> None:
    headers = hand_signed_headers(REQUIRED, hotline_params(expires=CREATED))

    assert refusal(headers) == (
        UnacceptableSignatureError,
        "the signature expires before it was created",
    )


def test_verify_request_replayed_nonce() -> None:
    store = InMemoryNonceStore()
    verify(signed_headers(), store=store)

    assert refusal(signed_headers(), store=store) == (
        ReplayedNonceError,
        "this nonce was used before: the request is a replay",
    )


def test_verify_request_refused_signature_records_no_nonce() -> None:
    store = InMemoryNonceStore()

    refusal(signed_headers(), method="PUT", store=store)

    assert len(store) == 0


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Signature-Input", "the request has no Signature-Input header"),
        ("Signature", "the request has no Signature header"),
        ("Content-Digest", "the request has no Content-Digest header"),
        ("Content-Type", "the request has no content-type header"),
    ],
)
def test_verify_request_missing_header(header: str, message: str) -> None:
    headers = {name: value for name, value in signed_headers().items() if name != header}

    assert refusal(headers) == (MissingHeaderError, message)


@pytest.mark.parametrize(
    ("signature_input", "message"),
    [
        (
            "hotline=(",
            "Signature-Input is not a structured-field dictionary: unterminated inner list at character 9",
        ),
        ("sig1=()", "Signature-Input has no signature labelled 'hotline'"),
        ('hotline="@method"', "Signature-Input must give an inner list of components"),
        (
            "hotline=(@method)",
            "Signature-Input is not a structured-field dictionary: expected an item at character 9",
        ),
        ("hotline=(method)", "covered components must be quoted strings"),
        ('hotline=("content-type";sf)', "component parameters are not supported ('content-type')"),
        (
            'hotline=("Content-Type")',
            "component names are non-empty and lower case ('Content-Type')",
        ),
        ('hotline=("@method" "@method")', "component '@method' is covered twice"),
        (
            'hotline=("@method");alg="ed25519";created="now"',
            "the created parameter must be an integer",
        ),
        (
            'hotline=("@method");alg="ed25519";created=1;expires=2;nonce=n',
            "the nonce parameter must be a quoted string",
        ),
    ],
)
def test_verify_request_malformed_signature_input(signature_input: str, message: str) -> None:
    headers = {**signed_headers(), "Signature-Input": signature_input}

    assert refusal(headers) == (MalformedHeaderError, message)


@pytest.mark.parametrize(
    ("covered", "message"),
    [
        (("@query-param", *REQUIRED), "derived component '@query-param' is not supported"),
        (
            ("@signature-params", *REQUIRED),
            "derived component '@signature-params' is not supported",
        ),
    ],
)
def test_verify_request_unsupported_component(covered: tuple[str, ...], message: str) -> None:
    headers = {
        **signed_headers(),
        "Signature-Input": f"hotline={serialize_inner_list(InnerList([Item(n) for n in covered], hotline_params()))}",
    }

    assert refusal(headers) == (MalformedHeaderError, message)


@pytest.mark.parametrize(
    ("signature", "error", "message"),
    [
        (
            "hotline=:AAAA",
            MalformedHeaderError,
            "Signature is not a structured-field dictionary: unterminated byte sequence at character 9",
        ),
        ("sig1=:AAAA:", MalformedHeaderError, "Signature has no signature labelled 'hotline'"),
        ('hotline="AAAA"', MalformedHeaderError, "Signature must give a byte sequence"),
        ("hotline=(:AAAA:)", MalformedHeaderError, "Signature must give a byte sequence"),
        ("hotline=:AAAA:", BadSignatureError, "an Ed25519 signature is 64 bytes"),
        (f"hotline=:{'A' * 86}==:", BadSignatureError, "the signature does not match the request"),
    ],
)
def test_verify_request_malformed_signature(
    signature: str, error: type[SignatureError], message: str
) -> None:
    headers = {**signed_headers(), "Signature": signature}

    assert refusal(headers) == (error, message)


@pytest.mark.parametrize(
    ("alg", "message"),
    [
        (None, 'the signature has no alg; it must be alg="ed25519"'),
        ("rsa-pss-sha512", 'alg must be "ed25519"'),
    ],
)
def test_verify_request_wrong_alg_unacceptable(alg: str | None, message: str) -> None:
    headers = hand_signed_headers(REQUIRED, hotline_params(alg=alg))

    assert refusal(headers) == (UnacceptableSignatureError, message)


@pytest.mark.parametrize("missing", REQUIRED)
def test_verify_request_missing_covered_component_unacceptable(missing: str) -> None:
    covered = tuple(name for name in REQUIRED if name != missing)
    headers = hand_signed_headers(covered, hotline_params())

    assert refusal(headers) == (
        UnacceptableSignatureError,
        f"the signature does not cover {missing}",
    )


@pytest.mark.parametrize("param", ["created", "expires", "nonce", "keyid"])
def test_verify_request_missing_parameter_unacceptable(param: str) -> None:
    headers = hand_signed_headers(REQUIRED, hotline_params(**{param: None}))

    assert refusal(headers) == (
        UnacceptableSignatureError,
        f"the signature has no {param} parameter",
    )


def test_verify_request_overlong_nonce_unacceptable() -> None:
    headers = hand_signed_headers(REQUIRED, hotline_params(nonce="n" * 129))

    assert refusal(headers) == (
        UnacceptableSignatureError,
        "the nonce parameter must be 1 to 128 long",
    )


def test_verify_request_non_ascii_covered_header_malformed() -> None:
    headers = {**signed_headers(), "Content-Type": "application/json; charset=\u00e9"}

    assert refusal(headers) == (
        MalformedHeaderError,
        "the value of 'content-type' is not printable ASCII",
    )


def test_verify_request_relative_url_malformed() -> None:
    assert refusal(signed_headers(), url="/federation/inbox") == (
        MalformedHeaderError,
        "the request URL must be absolute",
    )


def test_signature_error_reasons_distinct() -> None:
    reasons = [
        error.reason
        for error in (
            MalformedHeaderError,
            MissingHeaderError,
            UnacceptableSignatureError,
            BadDigestError,
            ExpiredSignatureError,
            PrematureSignatureError,
            UnknownKeyError,
            BadSignatureError,
            ReplayedNonceError,
        )
    ]

    assert reasons == [
        "malformed header",
        "missing header",
        "unacceptable signature",
        "bad digest",
        "expired",
        "created in the future",
        "unknown key",
        "bad signature",
        "replayed nonce",
    ]


# Properties: whatever arrives, only SignatureError comes out

SF_TEXT = st.text(alphabet=' \t();=:,"\\?*-.0123456789abcdeghilnotsAZ+/@\u00e9\x00', max_size=80)
ANY_TEXT = st.one_of(st.text(max_size=80), SF_TEXT)


def mutated(value: str, data: st.DataObject) -> str:
    start = data.draw(st.integers(0, len(value)))
    end = data.draw(st.integers(start, len(value)))
    return value[:start] + data.draw(ANY_TEXT) + value[end:]


def verify_or_signature_error(headers: Mapping[str, str], **kwargs: Any) -> None:
    with contextlib.suppress(SignatureError):
        verify(headers, **kwargs)


@settings(max_examples=300, deadline=None)
@given(
    signature_input=ANY_TEXT,
    signature=ANY_TEXT,
    digest=ANY_TEXT,
    extra=st.dictionaries(st.text(max_size=20), st.text(max_size=40), max_size=3),
)
def test_verify_request_arbitrary_headers_only_signature_error(
    signature_input: str, signature: str, digest: str, extra: dict[str, str]
) -> None:
    headers = {
        **extra,
        "Signature-Input": signature_input,
        "Signature": signature,
        "Content-Digest": digest,
    }

    verify_or_signature_error(headers)


@settings(max_examples=300, deadline=None)
@given(
    data=st.data(),
    header=st.sampled_from(["Signature-Input", "Signature", "Content-Digest", "Content-Type"]),
)
def test_verify_request_mutated_header_only_signature_error(
    data: st.DataObject, header: str
) -> None:
    headers = signed_headers()
    headers[header] = mutated(headers[header], data)

    verify_or_signature_error(headers)


DERIVED = ("@authority", "@scheme", "@request-target", "@path", "@query")
URL_TEXT = st.builds(
    lambda scheme, rest: f"{scheme}://{rest}",
    st.sampled_from(["https", "HTTP", ""]),
    st.text(alphabet="[]:@/?#.%-aZ09\u00e9", max_size=30),
)


@settings(max_examples=300, deadline=None)
@given(method=ANY_TEXT, url=st.one_of(ANY_TEXT, st.builds(lambda s: URL + s, ANY_TEXT), URL_TEXT))
def test_verify_request_arbitrary_method_and_url_only_signature_error(
    method: str, url: str
) -> None:
    headers = hand_signed_headers((*REQUIRED, *DERIVED), hotline_params())

    verify_or_signature_error(headers, method=method, url=url)


@settings(max_examples=100, deadline=None)
@given(body=st.binary(max_size=40))
def test_verify_request_arbitrary_body_only_signature_error(body: bytes) -> None:
    verify_or_signature_error(signed_headers(), body=body)
