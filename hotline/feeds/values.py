"""What may go on a list, in one spelling: URLs, domains, payment identifiers, phone numbers.

Pure functions, no database. Every value that enters a list passes through here, so the
matching key (and its SHA-256, published in hashed lists) is the same wherever it is computed.

A web page's key is its Safe Browsing lookup expression (host, path and query of the
canonical URL, ``hotline.hosting.canonical``); a dedicated domain's key is the expression
``<domain>/``, which every URL on the domain and its subdomains produces. So a proxy that
hashes the lookup expressions of a request (as Safe Browsing v4 clients do) finds both.
"""

from __future__ import annotations

import hashlib
import re

import dns.exception
import dns.name

from hotline.hosting.canonical import CanonicalUrl, InvalidUrl, canonicalize
from hotline.hosting.domains import registrable_domain

MAX_DOMAIN_LENGTH = 253
_LDH_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_PHONE_SEPARATORS = re.compile(r"[\s().\-/]")
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_WALLET = re.compile(r"^[A-Za-z0-9]{20,128}$")
_IDENTIFIER = re.compile(r"^[\w.:/@#+-]{1,200}$")
_NETWORK = re.compile(r"^[\w .:+-]{0,60}$")


class InvalidValue(ValueError):
    """A value that cannot go on a list; the message says why, for an analyst."""


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def url_expression(canonical_url: str) -> str:
    """The Safe Browsing lookup expression of a canonical URL: host, path and query."""
    return canonical_url.split("://", 1)[1]


def domain_expression(domain: str) -> str:
    """The lookup expression every URL on ``domain`` (and its subdomains) produces."""
    return f"{domain}/"


def canonical_page(raw: str) -> CanonicalUrl:
    try:
        return canonicalize(raw)
    except InvalidUrl as exc:
        raise InvalidValue(str(exc)) from None


def normalise_domain(raw: str) -> str:
    """A host name that may be blocked as a whole: lower case, ASCII (punycode), no trailing
    dot, not an IP address, and not a public suffix (``example.test`` yes, ``co.uk`` never)."""
    text = raw.strip().rstrip(".")
    if not text:
        raise InvalidValue("Enter a domain name, such as shop.example.test.")
    if "/" in text or ":" in text or "@" in text:
        raise InvalidValue("Enter only the domain name, without http://, a path or a port.")
    canonical = canonical_page(f"http://{text}/")
    host = canonical.host
    if canonical.is_ip:
        raise InvalidValue("An IP address cannot be marked as a dedicated domain.")
    labels = host.split(".")
    if len(host) > MAX_DOMAIN_LENGTH or not all(_LDH_LABEL.match(label) for label in labels):
        raise InvalidValue(
            f"{text!r} is not a valid domain name (letters, digits and hyphens, labels of at most 63)."
        )
    if len(labels) < 2 or registrable_domain(host) is None:
        raise InvalidValue(
            f"{host} is a public suffix shared by many owners; mark the owner's domain below it."
        )
    try:
        dns.name.from_text(host)
    except dns.exception.DNSException as exc:
        raise InvalidValue(f"{host} is not a valid DNS name ({exc}).") from None
    return host


def normalise_phone(raw: str) -> str:
    """An E.164 number: ``+`` and 7 to 15 digits (``00`` taken as ``+``; spaces, dots, dashes,
    slashes and brackets dropped)."""
    text = _PHONE_SEPARATORS.sub("", raw.strip())
    if text.startswith("00"):
        text = "+" + text[2:]
    if not _E164.match(text):
        raise InvalidValue(
            "Enter the number in international form with its country code, such as +44 7700 900123."
        )
    return text


def normalise_wallet(raw: str) -> str:
    """A cryptocurrency address as written (base58 and bech32 are case-sensitive); ``0x`` hex
    addresses in lower case."""
    text = raw.strip()
    if re.fullmatch(r"0[xX][0-9a-fA-F]{40}", text):
        return text.lower()
    if not _WALLET.match(text):
        raise InvalidValue(
            "A wallet address has 20 to 128 letters and digits (or 0x and 40 hexadecimal digits)."
        )
    return text


def normalise_identifier(raw: str) -> str:
    text = raw.strip()
    if not _IDENTIFIER.match(text):
        raise InvalidValue(
            "A merchant identifier has 1 to 200 letters, digits or . : / @ # + - _ and no spaces."
        )
    return text


def normalise_network(raw: str) -> str:
    text = " ".join(raw.split())
    if not _NETWORK.match(text):
        raise InvalidValue("The network name has at most 60 letters, digits and spaces.")
    return text.lower()


def indicator_key(kind: str, value: str, network: str = "") -> str:
    """The matching key of a payment or phone indicator (the network is part of it)."""
    return f"{kind}:{network}:{value}" if network else f"{kind}:{value}"
