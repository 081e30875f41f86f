"""The DNS response-policy zone (RPZ) of dedicated domains, for ISPs' resolvers.

Every dedicated domain gets two triggers: a QNAME trigger for the name and a ``*.`` trigger
for every name below it. The action is NXDOMAIN (``CNAME .``) or, when a stop-page name is
configured, a CNAME to that name so the resolver answers with the stop page's address. The
SOA serial is the blocklist serial, so it rises with every change.

The zone file is streamed line by line (a million domains never sit in memory as DNS
objects); dnspython checks every name and renders the SOA, NS and CNAME data, and the file
replaces the previous one atomically, so a DNS server never loads half a zone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import dns.exception
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from hotline.feeds.values import InvalidValue
from hotline.files import replaced

ACTIONS = ("nxdomain", "cname")
DEFAULT_ZONE = "rpz.hotline.invalid"
FILE_MODE = 0o644  # the DNS server (its own user) must read what Hotline writes
_HEADER = re.compile(rb"^; hotline rpz serial=(\d+)")


@dataclass(frozen=True)
class ZoneConfig:
    origin: dns.name.Name
    action: str
    stop_name: dns.name.Name | None
    ttl: int
    directory: Path

    @property
    def target(self) -> str:
        """The CNAME target of every trigger: the root (NXDOMAIN) or the stop-page name."""
        if self.stop_name is None:
            return "."
        return self.stop_name.to_text()


def _name(setting: str, text: str) -> dns.name.Name:
    try:
        return dns.name.from_text(text.strip().rstrip(".") + ".")
    except dns.exception.DNSException as exc:
        raise ImproperlyConfigured(f"{setting}: {text!r} is not a DNS name ({exc})") from None


def zone_config() -> ZoneConfig:
    """The zone's settings, checked: a bad value is a configuration error naming the setting."""
    origin = _name("FEEDS_RPZ_ZONE", str(settings.FEEDS_RPZ_ZONE))
    action = str(settings.FEEDS_RPZ_ACTION).strip().lower()
    if action not in ACTIONS:
        raise ImproperlyConfigured(f"FEEDS_RPZ_ACTION: expected nxdomain or cname, got {action!r}")
    stop_text = str(settings.FEEDS_RPZ_STOP_NAME).strip()
    if action == "cname" and not stop_text:
        raise ImproperlyConfigured(
            "FEEDS_RPZ_STOP_NAME: the cname action needs the stop page's host name"
        )
    stop_name = _name("FEEDS_RPZ_STOP_NAME", stop_text) if action == "cname" else None
    ttl = int(settings.FEEDS_RPZ_TTL)
    directory = Path(settings.FEEDS_DIR)
    return ZoneConfig(origin, action, stop_name, ttl, directory)


def zone_path(config: ZoneConfig) -> Path:
    return config.directory / f"{config.origin.to_text(omit_final_dot=True)}.zone"


# Names as the blocklist stores them (lower-case LDH labels): written as they are, without
# building a DNS name object for each, when they fit under the zone with room for "*.".
_PLAIN = re.compile(
    r"^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$"
)


def _owner_text(domain: str, config: ZoneConfig, room: int) -> str:
    if len(domain) <= room and _PLAIN.match(domain):
        return domain
    return _relative_owner(domain, config).to_text()


def _relative_owner(domain: str, config: ZoneConfig) -> dns.name.Name:
    try:
        absolute = dns.name.from_text(f"*.{domain}", origin=config.origin)
    except dns.exception.DNSException as exc:
        raise InvalidValue(
            f"{domain} is too long to fit under the zone {config.origin} ({exc})"
        ) from None
    return absolute.relativize(config.origin).parent()


def check_owner_fits(domain: str, config: ZoneConfig) -> None:
    """Refuse a domain whose ``*.`` trigger would not fit in a DNS name under the zone."""
    _relative_owner(domain, config)


def _rdata(rdtype: dns.rdatatype.RdataType, text: str, config: ZoneConfig) -> str:
    return dns.rdata.from_text(dns.rdataclass.IN, rdtype, text, origin=config.origin).to_text(
        origin=config.origin, relativize=False
    )


def zone_lines(domains: Iterable[str], serial: int, config: ZoneConfig) -> Iterator[str]:
    """The zone file, a few lines at a time (``; hotline rpz serial=N`` first)."""
    origin = config.origin.to_text()
    soa = _rdata(
        dns.rdatatype.SOA,
        f"localhost. hostmaster.{origin} {serial % 2**32} 3600 600 604800 {config.ttl}",
        config,
    )
    yield (
        f"; hotline rpz serial={serial} action={config.action}\n"
        f"$ORIGIN {origin}\n$TTL {config.ttl}\n"
        f"@ IN SOA {soa}\n@ IN NS {_rdata(dns.rdatatype.NS, 'localhost.', config)}\n"
    )
    target = _rdata(dns.rdatatype.CNAME, config.target, config)
    # A name is at most 255 octets on the wire. "*.<domain>.<zone>" takes 2 for "*", the
    # domain's text length plus 1, and the zone's wire length (with the root).
    room = 255 - 2 - 1 - len(config.origin.to_wire() or b"")
    batch: list[str] = []
    for domain in domains:
        owner = _owner_text(domain, config, room)
        batch.append(f"{owner} CNAME {target}\n*.{owner} CNAME {target}\n")
        if len(batch) >= 1000:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def write_zone(path: Path, domains: Iterable[str], serial: int, config: ZoneConfig) -> int:
    """Write the zone to ``path`` atomically (a temporary file in the same directory, synced,
    then renamed over the old one); returns how many domains it holds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    counted: list[int] = [0]

    def counting(names: Iterable[str]) -> Iterator[str]:
        for name in names:
            counted[0] += 1
            yield name

    with replaced(path, mode=FILE_MODE, encoding="ascii") as out:
        for chunk in zone_lines(counting(domains), serial, config):
            out.write(chunk)
    return counted[0]


def published_serial(path: Path) -> int | None:
    """The serial of the zone file at ``path``, or None when there is none."""
    try:
        with path.open("rb") as zone:
            match = _HEADER.match(zone.readline())
    except OSError:
        return None
    return int(match.group(1)) if match else None
