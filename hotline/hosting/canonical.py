"""One URL canonicaliser: the Google Safe Browsing (v4) canonical form, its lookup expressions
and their SHA-256 hashes.

Every part of Hotline that compares, stores or publishes a URL uses this module, so that one
reported address has exactly one spelling: duplicate detection, earlier verdicts, the hosting
trace, proxy URL lists and Safe Browsing style hashed feeds all agree.

The algorithm is the one published at https://developers.google.com/safe-browsing/v4/urls-hashing
(with google/safebrowsing's ``urls.go`` as the reference for what the page leaves open):

1. remove tab, CR and LF; cut the fragment; trim leading and trailing spaces and controls;
2. percent-unescape repeatedly until nothing changes;
3. scheme: lower case, ``http`` when there is none;
4. host: user info and port dropped; internationalised names to punycode; leading and trailing
   dots removed, runs of dots collapsed; any legal IPv4 spelling (decimal, octal, hex, fewer
   than four parts, as inet_aton reads them) as a dotted quad; bracketed IPv6 compressed, and
   IPv4-mapped and NAT64 (``64:ff9b::/96``) addresses as IPv4 (the current Safe Browsing
   reference adds these two); lower case;
5. path: ``/./`` and ``/../`` resolved, runs of ``/`` collapsed, ``/`` when empty;
6. the query is kept as it is;
7. every byte <= 0x20 or >= 0x7F, and ``#`` and ``%``, percent-escaped with upper-case hex (as
   Google's Web Risk edition of the page and RFC 3986 section 6.2.2.1 say).

Where the page is silent we choose, and say so: ``host:port`` without a scheme is read as a
host (``example.test:8080/a``); ``//host/path`` is read as ``http``; a number too large for
its IPv4 part (``192.0.2.256``) makes the host a name, not a truncated address as in
``urls.go``; a non-ASCII host label that IDNA 2008 refuses is mapped with UTS 46 and
punycoded, and when even that fails its bytes are percent-escaped, so the canonicaliser never
raises for a name. The canonical form drops the port (the spec does); ``CanonicalUrl.port``
keeps it. Host suffixes follow the page (the last five components), not ``urls.go`` (seven).

Input with no usable host raises ``InvalidUrl`` with a message a reporter can act on; nothing
else is ever raised.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import dataclass

import idna

from hotline.hosting.domains import registrable_domain
from hotline.hosting.ipv4 import parse_ipv4

__all__ = [
    "CanonicalUrl",
    "ExpressionHash",
    "InvalidUrl",
    "canonicalize",
    "check_web_address",
    "expression_hashes",
    "lookup_expressions",
    "registrable_domain",  # lives in domains.py; offered here beside the canonical host
]

MAX_URL_LENGTH = 2048  # what an item stores; browsers and proxies agree on about this much
MAX_HOST_LENGTH = 253  # DNS: 255 bytes on the wire, 253 characters written out
MAX_LABEL_LENGTH = 63  # DNS: one label of a name
MAX_HOST_SUFFIXES = 5  # the exact host and up to four suffixes
MAX_PATH_PREFIXES = 4  # "/" and up to three directories below it
HASH_PREFIX_BYTES = 4

_PERCENT = 0x25
_HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")
_SPACE_AND_CONTROLS = bytes(range(0x21))
# Percent-escape table: controls, space, DEL and above, '#' and '%' (the spec's list).
_ESCAPED = tuple(
    f"%{byte:02X}" if byte <= 0x20 or byte >= 0x7F or byte in b"#%" else chr(byte)
    for byte in range(256)
)
_SCHEME = re.compile(rb"([A-Za-z][A-Za-z0-9+.\-]*):")
_PORT_AFTER_COLON = re.compile(rb"[0-9]*(?:/|$)")
_DOTS = re.compile(rb"\.{2,}")
# A host label that mapping turned into one of these would change meaning when read again.
_UNSAFE_IN_HOST = frozenset("#%/:?@[\\]") | frozenset(chr(c) for c in range(0x21)) | {"\x7f"}
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class InvalidUrl(ValueError):
    """The text cannot be read as a web address; the message says why, in words for a reporter.

    ``code`` names the rule for callers that word it themselves (translated forms):
    ``unreadable`` for anything ``canonicalize`` refuses, and for ``check_web_address``
    ``scheme``, ``host``, ``host_length``, ``label_length`` and ``length``.
    """

    def __init__(self, message: str, *, code: str = "unreadable") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class CanonicalUrl:
    """A URL in Safe Browsing canonical form, with its parts (all percent-escaped, as in ``url``).

    ``host`` has no brackets, also for IPv6; ``query`` is ``None`` when the URL has no ``?`` and
    ``""`` when it has an empty one; ``port`` is what the input said, absent from ``url``.
    """

    url: str
    scheme: str
    host: str
    port: int | None
    path: str
    query: str | None

    @property
    def is_ip(self) -> bool:
        """Whether the host is an IP address rather than a name."""
        if ":" not in self.host and not self.host[-1:].isdigit():
            # Neither IPv6 (has a colon) nor IPv4 (ends in a digit): no need for the parser,
            # whose failure (an exception) was most of the cost for ordinary names.
            return False
        try:
            ipaddress.ip_address(self.host)
        except ValueError:
            return False
        return True

    @property
    def netloc(self) -> str:
        """The host as written in the URL: IPv6 addresses in brackets."""
        return f"[{self.host}]" if ":" in self.host else self.host


@dataclass(frozen=True)
class ExpressionHash:
    """One lookup expression and its SHA-256 digest; the first four bytes are its hash prefix."""

    expression: str
    digest: bytes

    @property
    def prefix(self) -> bytes:
        """The 4-byte hash prefix, the most significant bytes of the digest."""
        return self.digest[:HASH_PREFIX_BYTES]

    @property
    def sha256_hex(self) -> str:
        """The full digest in lower-case hex."""
        return self.digest.hex()

    @property
    def prefix_hex(self) -> str:
        """The hash prefix in lower-case hex (8 characters)."""
        return self.prefix.hex()


def canonicalize(raw: str | bytes) -> CanonicalUrl:
    """Return the Safe Browsing canonical form of ``raw``.

    ``str`` input is taken as UTF-8; ``bytes`` input is taken byte for byte (the spec's own
    examples are byte strings). Raises ``InvalidUrl`` when there is no host to be found.
    """
    data = raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass")
    data = data.translate(None, b"\t\r\n")
    data = data.split(b"#", 1)[0]
    data = data.strip(_SPACE_AND_CONTROLS)
    data = _unescape_fully(data)

    scheme, rest = _split_scheme(data)
    before_query, has_query, query = rest.partition(b"?")
    slash = before_query.find(b"/")
    if slash < 0:
        authority, path = before_query, b""
    else:
        authority, path = before_query[:slash], before_query[slash:]
    host_and_port = authority.rpartition(b"@")[2]  # user info is never part of the address

    if host_and_port.startswith(b"["):
        host, port_text = _split_ipv6_literal(host_and_port)
    else:
        host_bytes, _, port_text = host_and_port.partition(b":")
        if b":" in port_text:
            raise InvalidUrl(
                "An IPv6 address in a web address must be in square brackets, "
                "as in http://[2001:db8::1]/page."
            )
        host = _canonical_host_name(host_bytes)
    port = _parse_port(port_text)

    canonical_path = _escape(_clean_path(path))
    canonical_query = _escape(query) if has_query else None
    escaped_host = _escape(host)
    netloc = f"[{escaped_host}]" if ":" in escaped_host else escaped_host
    url = f"{scheme}://{netloc}{canonical_path}"
    if canonical_query is not None:
        url += f"?{canonical_query}"
    return CanonicalUrl(
        url=url,
        scheme=scheme,
        host=escaped_host,
        port=port,
        path=canonical_path,
        query=canonical_query,
    )


# A label starts and ends with a letter, digit or '_' (seen in real hostnames), '-' inside.
_HOST_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?\Z")
# A top-level domain is never all digits (RFC 3696 §2): "999.1.1.1" is a mistyped address.
_NUMERIC_LABEL = re.compile(r"[0-9]+\Z")


def check_web_address(raw: str) -> CanonicalUrl:
    """The canonical form of an address a person or a company reports, or ``InvalidUrl``.

    Stricter than ``canonicalize`` (which reads anything with a host, as feeds and matching
    need): the scheme is http or https (none means http); the host is an IP address or a name
    with a dot, made of letters, digits, '-' and '_' (internationalised names as punycode; no
    label starting or ending with '-', no all-digit top-level domain),
    at most 253 characters with labels of at most 63, as DNS allows; the address is at most
    2048 characters, also once canonicalised, which is what an item stores.
    """
    if len(raw) > MAX_URL_LENGTH:
        raise InvalidUrl(
            f"The web address is longer than {MAX_URL_LENGTH} characters.", code="length"
        )
    canonical = canonicalize(raw)
    if canonical.scheme not in ("http", "https"):
        raise InvalidUrl(
            f"'{canonical.scheme}:' addresses are not web addresses; enter an address that "
            "starts with http:// or https://.",
            code="scheme",
        )
    if not canonical.is_ip:
        if len(canonical.host) > MAX_HOST_LENGTH:
            raise InvalidUrl(
                f"The site name is longer than {MAX_HOST_LENGTH} characters.", code="host_length"
            )
        labels = canonical.host.split(".")
        if any(len(label) > MAX_LABEL_LENGTH for label in labels):
            raise InvalidUrl(
                f"A part of the site name between dots is longer than {MAX_LABEL_LENGTH} "
                "characters.",
                code="label_length",
            )
        if (
            len(labels) < 2
            or not all(_HOST_LABEL.match(label) for label in labels)
            or _NUMERIC_LABEL.match(labels[-1])
        ):
            raise InvalidUrl(
                "The site name must have a dot and only letters, digits and '-', "
                "as in http://example.test/page.",
                code="host",
            )
    if len(canonical.url) > MAX_URL_LENGTH:
        raise InvalidUrl(
            f"The web address is longer than {MAX_URL_LENGTH} characters once written out in full.",
            code="length",
        )
    return canonical


def lookup_expressions(url: CanonicalUrl | str) -> list[str]:
    """The host-suffix / path-prefix expressions Safe Browsing looks up for ``url``, at most 30.

    Hosts: the exact host, then up to four suffixes formed from its last five components, the
    top-level domain alone excluded, none for an IP address. Paths: the exact path with the
    query, the exact path without it, then ``/`` and up to three directories from the root.
    """
    canonical = url if isinstance(url, CanonicalUrl) else canonicalize(url)
    return [host + path for host in _host_suffixes(canonical) for path in _path_prefixes(canonical)]


def expression_hashes(url: CanonicalUrl | str) -> list[ExpressionHash]:
    """Every lookup expression of ``url`` with its SHA-256 full hash, in expression order."""
    return [
        ExpressionHash(expression=expression, digest=hashlib.sha256(expression.encode()).digest())
        for expression in lookup_expressions(url)
    ]


def _unescape_fully(data: bytes) -> bytes:
    """Percent-unescape until nothing is left to unescape, in one pass.

    Escapes never overlap, so the result does not depend on the order of decoding: decoding
    as soon as the last three bytes form ``%XX`` reaches the same result as repeating a
    left-to-right pass (the spec's wording) in linear time, even for ``%252525...``.
    """
    if b"%" not in data:
        return data
    out = bytearray()
    for byte in data:
        out.append(byte)
        while (
            len(out) >= 3
            and out[-3] == _PERCENT
            and out[-2] in _HEX_DIGITS
            and out[-1] in _HEX_DIGITS
        ):
            value = int(out[-2:], 16)
            del out[-3:]
            out.append(value)
    return bytes(out)


def _escape(data: bytes) -> str:
    return "".join([_ESCAPED[byte] for byte in data])


def _split_scheme(data: bytes) -> tuple[str, bytes]:
    match = _SCHEME.match(data)
    if match is None:
        return "http", data.removeprefix(b"//")
    after = data[match.end() :]
    if after.startswith(b"//"):
        return match.group(1).decode("ascii").lower(), after[2:]
    scheme = match.group(1).decode("ascii").lower()
    if _PORT_AFTER_COLON.match(after) or "." in scheme:
        return "http", data  # "example.test:8080/page": a host and a port, not a scheme
    if scheme in {"http", "https"}:
        raise InvalidUrl(
            f"After '{scheme}:' a web address needs '//' and the site's name, "
            f"as in {scheme}://example.test/page."
        )
    raise InvalidUrl(
        f"'{scheme}:' addresses are not web addresses; enter the address of the page, "
        "as in http://example.test/page."
    )


def _split_ipv6_literal(host_and_port: bytes) -> tuple[bytes, bytes]:
    end = host_and_port.find(b"]")
    if end < 0:
        raise InvalidUrl("The IPv6 address in the web address is missing its closing ']'.")
    literal, after = host_and_port[1:end], host_and_port[end + 1 :]
    if after and not after.startswith(b":"):
        raise InvalidUrl("Only a port (':' and a number) may follow ']' in a web address.")
    try:
        if not literal.isascii() or b"%" in literal:
            raise ValueError(literal)
        address = ipaddress.IPv6Address(literal.decode("ascii"))
    except ValueError:
        raise InvalidUrl(
            "The part in square brackets is not an IPv6 address; "
            "write it as in http://[2001:db8::1]/page."
        ) from None
    result: ipaddress.IPv4Address | ipaddress.IPv6Address = address
    if address.ipv4_mapped is not None:  # [::ffff:192.0.2.1] is 192.0.2.1
        result = address.ipv4_mapped
    elif address in _NAT64:  # [64:ff9b::192.0.2.1] is 192.0.2.1 too
        result = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return result.compressed.encode("ascii"), after[1:]


def _parse_port(port_text: bytes) -> int | None:
    if not port_text:
        return None
    if not port_text.isdigit() or int(port_text.lstrip(b"0") or b"0") > 65535:
        raise InvalidUrl("The port after ':' in the web address must be a number up to 65535.")
    return int(port_text)


def _canonical_host_name(host: bytes) -> bytes:
    if b"[" in host or b"]" in host:
        raise InvalidUrl("Square brackets are only allowed around an IPv6 address.")
    if not host.isascii():
        host = b".".join(_label_to_ascii(label) for label in host.split(b"."))
    host = _DOTS.sub(b".", host).strip(b".")
    if not host:
        raise InvalidUrl(
            "The web address has no site name; enter it in full, as in http://example.test/page."
        )
    ipv4 = _parse_ipv4(host)
    return ipv4 if ipv4 is not None else host.lower()


def _label_to_ascii(label: bytes) -> bytes:
    """IDNA 2008 with UTS 46 mapping; then plain UTS 46 and punycode; else the bytes unchanged."""
    if label.isascii():
        return label
    try:
        text = label.decode("utf-8")
    except UnicodeDecodeError:
        return label
    try:
        return idna.encode(text, uts46=True)
    except (idna.IDNAError, UnicodeError, ValueError):
        pass
    try:
        mapped = idna.uts46_remap(text, std3_rules=False, transitional=False)
        ascii_text = ".".join(
            part if part.isascii() else "xn--" + part.encode("punycode").decode("ascii")
            for part in mapped.split(".")
        )
    except (idna.IDNAError, UnicodeError, ValueError):
        return label
    if _UNSAFE_IN_HOST.intersection(ascii_text):
        return label
    return ascii_text.encode("ascii")


def _parse_ipv4(host: bytes) -> bytes | None:
    """The dotted quad for any legal IPv4 spelling (as inet_aton reads it), else ``None``."""
    try:
        address = parse_ipv4(host.decode("ascii"))
    except UnicodeDecodeError:
        return None
    return None if address is None else str(address).encode("ascii")


def _clean_path(path: bytes) -> bytes:
    segments: list[bytes] = []
    for segment in path.split(b"/"):
        if segment in (b"", b"."):
            continue
        if segment == b"..":
            if segments:
                segments.pop()
            continue
        segments.append(segment)
    cleaned = b"/" + b"/".join(segments)
    if segments and path.endswith(b"/"):
        cleaned += b"/"
    return cleaned


def _host_suffixes(url: CanonicalUrl) -> list[str]:
    if url.is_ip:
        return [url.netloc]
    components = url.host.split(".")
    suffixes = [url.host]
    for count in range(MAX_HOST_SUFFIXES, 1, -1):
        if count < len(components):
            suffixes.append(".".join(components[-count:]))
    return suffixes


def _path_prefixes(url: CanonicalUrl) -> list[str]:
    paths = []
    if url.query:
        paths.append(f"{url.path}?{url.query}")
    paths.append(url.path)
    components = [part for part in url.path.split("/") if part]
    directories = min(len(components), MAX_PATH_PREFIXES) - 1
    paths.append("/")
    for count in range(1, directories + 1):
        paths.append("/" + "/".join(components[:count]) + "/")
    return list(dict.fromkeys(paths))
