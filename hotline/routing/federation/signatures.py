"""Signed federation requests: RFC 9421 HTTP Message Signatures (Ed25519) and RFC 9530 digests.

Every message one hotline instance sends another (a forwarded report, an acknowledgement, a
status update) is an HTTPS request signed with the sender's Ed25519 key. ``sign_request`` gives
the headers to add; ``verify_request`` checks them on arrival and says who signed, or raises a
``SignatureError`` whose ``reason`` the HTTP layer can put in its 401 answer.

What a hotline signature is:

* ``Content-Digest: sha-256=:<base64>:`` (RFC 9530) binds the body;
* one signature labelled ``hotline`` in ``Signature-Input`` and ``Signature``, covering
  ``"@method" "@target-uri" "content-digest" "content-type"``, with the parameters
  ``created`` and ``expires`` (``created`` + 300 s), a random ``nonce``, ``alg="ed25519"`` and
  ``keyid`` (see ``hotline.routing.federation.keys`` for the key id convention);
* the signature base is built exactly as RFC 9421 section 2.5 says; the tests check it against
  the RFC's own Ed25519 example (Appendix B.2.6), signature byte for byte.

A verifier accepts a signature that covers more components than these (``date``, say) and
parameters it does not know (they are signed like the rest), but never fewer. Component
parameters (``;sf``, ``;key``, ``;req``, ...) and ``@query-param`` are not supported.

``@target-uri`` is the absolute URL the sender addressed. Behind a reverse proxy the receiver
must rebuild the public URL (``request.build_absolute_uri()`` with the proxy settings right),
or every signature fails with "bad signature".

Checks run cheapest first and the nonce is recorded last, after the signature has verified,
so that forged requests cannot fill the nonce store or burn a partner's nonces. Component
values must be printable ASCII (plus tab): an HTTP field value outside that is refused rather
than guessed at.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import SplitResult, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from hotline.routing.federation.structured_fields import (
    InnerList,
    Item,
    Parameters,
    StructuredFieldError,
    parse_dictionary,
    serialize_inner_list,
    serialize_item,
)

__all__ = [
    "ALGORITHM",
    "ALLOWED_CLOCK_SKEW_SECONDS",
    "DEFAULT_MAX_AGE_SECONDS",
    "REQUIRED_COMPONENTS",
    "SIGNATURE_LABEL",
    "SIGNATURE_LIFETIME_SECONDS",
    "BadDigestError",
    "BadSignatureError",
    "ExpiredSignatureError",
    "MalformedHeaderError",
    "MissingHeaderError",
    "PrematureSignatureError",
    "ReplayedNonceError",
    "SignatureError",
    "UnacceptableSignatureError",
    "UnknownKeyError",
    "VerifiedSignature",
    "check_content_digest",
    "content_digest",
    "sign_request",
    "signature_base",
    "verify_request",
]

SIGNATURE_LABEL = "hotline"
ALGORITHM = "ed25519"
REQUIRED_COMPONENTS = ("@method", "@target-uri", "content-digest", "content-type")
SIGNATURE_LIFETIME_SECONDS = 300
DEFAULT_MAX_AGE_SECONDS = 300
ALLOWED_CLOCK_SKEW_SECONDS = 30
MAX_NONCE_LENGTH = 128
MAX_KEY_ID_LENGTH = 512

_SIGNATURE_LENGTH = 64
# RFC 9530 algorithm names and their hashlib names.
_DIGEST_ALGORITHMS = {"sha-256": "sha256", "sha-512": "sha512"}
_DERIVED_COMPONENTS = frozenset(
    {"@method", "@target-uri", "@authority", "@scheme", "@request-target", "@path", "@query"}
)
_DEFAULT_PORTS = {"http": ":80", "https": ":443"}


class SignatureError(Exception):
    """A request's signature is not acceptable; ``reason`` is a short phrase for a 401 answer."""

    reason = "invalid signature"


class MalformedHeaderError(SignatureError):
    """A signature header (or a covered component) cannot be parsed."""

    reason = "malformed header"


class MissingHeaderError(MalformedHeaderError):
    """A header the signature needs is absent."""

    reason = "missing header"


class UnacceptableSignatureError(SignatureError):
    """Well-formed, but not a hotline signature: wrong alg, missing parameter or component."""

    reason = "unacceptable signature"


class BadDigestError(SignatureError):
    """``Content-Digest`` does not match the body."""

    reason = "bad digest"


class ExpiredSignatureError(SignatureError):
    """The signature is older than the accepted age, or its ``expires`` has passed."""

    reason = "expired"


class PrematureSignatureError(SignatureError):
    """The signature was created further in the future than clock skew explains."""

    reason = "created in the future"


class UnknownKeyError(SignatureError):
    """No trusted key has the signature's ``keyid``."""

    reason = "unknown key"


class BadSignatureError(SignatureError):
    """The Ed25519 signature does not verify over the signature base."""

    reason = "bad signature"


class ReplayedNonceError(SignatureError):
    """This key id has used this nonce before: the request is a replay."""

    reason = "replayed nonce"


@dataclass(frozen=True)
class VerifiedSignature:
    """Who signed a verified request, and when."""

    key_id: str
    created: datetime
    nonce: str


def content_digest(body: bytes) -> str:
    """The RFC 9530 ``Content-Digest`` value for ``body``: ``sha-256=:<base64>:``."""
    return "sha-256=" + serialize_item(Item(hashlib.sha256(body).digest()))


def check_content_digest(value: str, body: bytes) -> None:
    """Check a ``Content-Digest`` value against ``body``.

    ``sha-256`` must be present; every algorithm we know (``sha-256``, ``sha-512``) must match;
    others are ignored, as RFC 9530 allows. Raises ``MalformedHeaderError`` or ``BadDigestError``.
    """
    members = _parse_dictionary(value, "Content-Digest")
    if "sha-256" not in members:
        raise BadDigestError("Content-Digest has no sha-256 digest")
    for algorithm, hashlib_name in _DIGEST_ALGORITHMS.items():
        member = members.get(algorithm)
        if member is None:
            continue
        if not isinstance(member, Item) or not isinstance(member.value, bytes):
            raise MalformedHeaderError(f"Content-Digest {algorithm} is not a byte sequence")
        if not hmac.compare_digest(member.value, hashlib.new(hashlib_name, body).digest()):
            raise BadDigestError(f"Content-Digest {algorithm} does not match the body")


def signature_base(
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    covered: Sequence[str],
    params: Parameters,
) -> str:
    """The RFC 9421 section 2.5 signature base for ``covered`` components and ``params``.

    One line per component, ``"<name>": <value>``, then ``"@signature-params": `` and the
    serialised inner list; lines joined by LF, none trailing. Raises ``MissingHeaderError``
    when a covered header is absent and ``MalformedHeaderError`` when a component is not
    supported or its value is not printable ASCII.
    """
    fields = _fields(headers)
    lines = [
        f"{serialize_item(Item(name))}: {_component_value(name, method, url, fields)}"
        for name in covered
    ]
    lines.append(f'"@signature-params": {_signature_params(covered, params)}')
    return "\n".join(lines)


def sign_request(
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    private_key: Ed25519PrivateKey,
    key_id: str,
    created: datetime | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """Sign a request; return the ``Content-Digest``, ``Signature-Input`` and ``Signature`` to add.

    ``headers`` must hold ``Content-Type``; ``url`` is the absolute URL the request goes to.
    ``created`` (aware, default now) and ``nonce`` (default 128 random bits) exist for tests.
    Raises ``ValueError`` when the request cannot be signed as given.
    """
    created_at = _timestamp(created if created is not None else datetime.now(tz=UTC))
    nonce = nonce if nonce is not None else secrets.token_urlsafe(16)
    if not 0 < len(nonce) <= MAX_NONCE_LENGTH or not 0 < len(key_id) <= MAX_KEY_ID_LENGTH:
        raise ValueError("nonce and key id must be non-empty and not too long")
    digest = content_digest(body)
    fields = _fields(headers)
    fields["content-digest"] = digest
    params: Parameters = {
        "created": created_at,
        "expires": created_at + SIGNATURE_LIFETIME_SECONDS,
        "nonce": nonce,
        "alg": ALGORITHM,
        "keyid": key_id,
    }
    try:
        base = signature_base(
            method=method, url=url, headers=fields, covered=REQUIRED_COMPONENTS, params=params
        )
    except SignatureError as error:
        raise ValueError(f"cannot sign this request: {error}") from None
    signature = private_key.sign(base.encode("ascii"))
    return {
        "Content-Digest": digest,
        "Signature-Input": f"{SIGNATURE_LABEL}={_signature_params(REQUIRED_COMPONENTS, params)}",
        "Signature": f"{SIGNATURE_LABEL}={serialize_item(Item(signature))}",
    }


def verify_request(
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    resolve_key: Callable[[str], Ed25519PublicKey | None],
    seen_nonce: Callable[[str, str, datetime], bool],
    now: datetime | None = None,
    max_age: int = DEFAULT_MAX_AGE_SECONDS,
) -> VerifiedSignature:
    """Verify the ``hotline`` signature of a request; return who signed it and when.

    ``resolve_key`` maps a key id to a trusted public key, or None. ``seen_nonce(key_id, nonce,
    until)`` records the nonce and returns True if it was already recorded (see
    ``hotline.routing.federation.nonces`` for its semantics); it is called only once everything
    else has passed. ``now`` (aware) defaults to the current time; ``max_age`` is in seconds.

    Raises a ``SignatureError`` subclass for every way the request can be wrong, and nothing
    else for anything in ``headers`` or ``body``.
    """
    fields = _fields(headers)
    signature_input = _labelled(
        _parse_dictionary(_field(fields, "Signature-Input"), "Signature-Input"), "Signature-Input"
    )
    signature_value = _labelled(
        _parse_dictionary(_field(fields, "Signature"), "Signature"), "Signature"
    )
    if not isinstance(signature_input, InnerList):
        raise MalformedHeaderError("Signature-Input must give an inner list of components")
    covered = _covered_components(signature_input)
    params = signature_input.params
    _check_algorithm(params)
    created = _integer_param(params, "created")
    expires = _integer_param(params, "expires")
    nonce = _string_param(params, "nonce", MAX_NONCE_LENGTH)
    key_id = _string_param(params, "keyid", MAX_KEY_ID_LENGTH)
    missing = [name for name in REQUIRED_COMPONENTS if name not in covered]
    if missing:
        raise UnacceptableSignatureError(f"the signature does not cover {', '.join(missing)}")
    if not isinstance(signature_value, Item) or not isinstance(signature_value.value, bytes):
        raise MalformedHeaderError("Signature must give a byte sequence")
    signature = signature_value.value
    if len(signature) != _SIGNATURE_LENGTH:
        raise BadSignatureError(f"an Ed25519 signature is {_SIGNATURE_LENGTH} bytes")

    check_content_digest(_field(fields, "Content-Digest"), body)
    until = _check_times(created, expires, now=now, max_age=max_age)
    try:
        base = signature_base(
            method=method, url=url, headers=fields, covered=covered, params=params
        )
    except StructuredFieldError as error:
        raise MalformedHeaderError(f"Signature-Input cannot be serialised: {error}") from None

    public_key = resolve_key(key_id)
    if public_key is None:
        raise UnknownKeyError(f"no trusted key has the id {key_id!r}")
    try:
        public_key.verify(signature, base.encode("ascii"))
    except InvalidSignature:
        raise BadSignatureError("the signature does not match the request") from None
    if seen_nonce(key_id, nonce, datetime.fromtimestamp(until, tz=UTC)):
        raise ReplayedNonceError("this nonce was used before: the request is a replay")
    return VerifiedSignature(
        key_id=key_id, created=datetime.fromtimestamp(created, tz=UTC), nonce=nonce
    )


def _signature_params(covered: Sequence[str], params: Parameters) -> str:
    return serialize_inner_list(InnerList([Item(name) for name in covered], dict(params)))


def _timestamp(moment: datetime) -> int:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("signature times must be timezone-aware datetimes")
    return int(moment.timestamp())


def _fields(headers: Mapping[str, str]) -> dict[str, str]:
    """Header fields by lower-case name, values trimmed, repeated names combined (RFC 9421 2.1)."""
    fields: dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower()
        value = value.strip(" \t")
        fields[key] = f"{fields[key]}, {value}" if key in fields else value
    return fields


def _field(fields: Mapping[str, str], name: str) -> str:
    value = fields.get(name.lower())
    if value is None:
        raise MissingHeaderError(f"the request has no {name} header")
    return value


def _parse_dictionary(value: str, name: str) -> dict[str, Item | InnerList]:
    try:
        return parse_dictionary(value)
    except StructuredFieldError as error:
        raise MalformedHeaderError(
            f"{name} is not a structured-field dictionary: {error}"
        ) from None


def _labelled(members: Mapping[str, Item | InnerList], name: str) -> Item | InnerList:
    member = members.get(SIGNATURE_LABEL)
    if member is None:
        raise MalformedHeaderError(f"{name} has no signature labelled {SIGNATURE_LABEL!r}")
    return member


def _covered_components(signature_input: InnerList) -> tuple[str, ...]:
    names: list[str] = []
    for item in signature_input.items:
        name = item.value
        if not isinstance(name, str):
            raise MalformedHeaderError("covered components must be quoted strings")
        if item.params:
            raise MalformedHeaderError(f"component parameters are not supported ({name!r})")
        if not name or name != name.lower():
            raise MalformedHeaderError(f"component names are non-empty and lower case ({name!r})")
        if name in names:
            raise MalformedHeaderError(f"component {name!r} is covered twice")
        names.append(name)
    return tuple(names)


def _check_algorithm(params: Parameters) -> None:
    if "alg" not in params:
        raise UnacceptableSignatureError(f'the signature has no alg; it must be alg="{ALGORITHM}"')
    if params["alg"] != ALGORITHM:
        raise UnacceptableSignatureError(f'alg must be "{ALGORITHM}"')


def _integer_param(params: Parameters, name: str) -> int:
    if name not in params:
        raise UnacceptableSignatureError(f"the signature has no {name} parameter")
    value = params[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedHeaderError(f"the {name} parameter must be an integer")
    return value


def _string_param(params: Parameters, name: str, max_length: int) -> str:
    if name not in params:
        raise UnacceptableSignatureError(f"the signature has no {name} parameter")
    value = params[name]
    if not isinstance(value, str):
        raise MalformedHeaderError(f"the {name} parameter must be a quoted string")
    if not 0 < len(value) <= max_length:
        raise UnacceptableSignatureError(f"the {name} parameter must be 1 to {max_length} long")
    return value


def _check_times(created: int, expires: int, *, now: datetime | None, max_age: int) -> int:
    """Check the signature's times; return the instant until which it would be accepted."""
    now_ts = _timestamp(now if now is not None else datetime.now(tz=UTC))
    if created > now_ts + ALLOWED_CLOCK_SKEW_SECONDS:
        raise PrematureSignatureError(f"the signature was created {created - now_ts} s from now")
    if now_ts - created > max_age:
        raise ExpiredSignatureError(
            f"the signature was created {now_ts - created} s ago; at most {max_age} s is accepted"
        )
    if expires <= created:
        raise UnacceptableSignatureError("the signature expires before it was created")
    if now_ts > expires:
        raise ExpiredSignatureError(f"the signature expired {now_ts - expires} s ago")
    return min(expires, created + max_age)


def _component_value(name: str, method: str, url: str, fields: Mapping[str, str]) -> str:
    value = _derived_component(name, method, url) if name.startswith("@") else _field(fields, name)
    if not all(character == "\t" or " " <= character <= "~" for character in value):
        raise MalformedHeaderError(f"the value of {name!r} is not printable ASCII")
    return value


def _derived_component(name: str, method: str, url: str) -> str:
    if name not in _DERIVED_COMPONENTS:
        raise MalformedHeaderError(f"derived component {name!r} is not supported")
    if name == "@method":
        return method
    parts = _split_url(url)
    if name == "@target-uri":
        return url
    path = parts.path or "/"
    if name == "@authority":
        return _authority(parts)
    if name == "@scheme":
        return parts.scheme.lower()
    if name == "@path":
        return path
    if name == "@query":
        return f"?{parts.query}"
    return f"{path}?{parts.query}" if parts.query else path  # @request-target


def _split_url(url: str) -> SplitResult:
    try:
        parts = urlsplit(url)
    except ValueError as error:
        raise MalformedHeaderError(f"the request URL cannot be parsed: {error}") from None
    if not parts.scheme or not parts.netloc:
        raise MalformedHeaderError("the request URL must be absolute")
    return parts


def _authority(parts: SplitResult) -> str:
    """Host and port, lower case, without user info or the scheme's default port."""
    authority = parts.netloc.rpartition("@")[2].lower()
    default_port = _DEFAULT_PORTS.get(parts.scheme.lower())
    if default_port and authority.endswith(default_port):
        authority = authority.removesuffix(default_port)
    return authority
