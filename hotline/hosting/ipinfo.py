"""IP address → country and autonomous system, each value with its source and data date.

Providers (an extension point: anything with ``lookup(ip) -> IpInfo``):

- ``EmbeddedIpInfo``: MaxMind GeoLite2 country and AS-organisation data bundled in the
  ``geoip2fast`` package (offline; its data date is old, see ``EMBEDDED_NOTE``; no AS numbers).
- ``MmdbIpInfo``: MaxMind or DB-IP ``.mmdb`` files named by ``HOSTING_MMDB_COUNTRY`` and
  ``HOSTING_MMDB_ASN``; what a file is not given for comes from a fallback provider.
- ``StaticIpInfo``: a fixed table of addresses and networks, for tests and demos.

Special-purpose addresses (documentation, private, loopback, ...) never get a country from a
database: they come back as unknown, with the IANA registry named as the source.
"""

from __future__ import annotations

import functools
import importlib.metadata
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

import maxminddb
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = [
    "EmbeddedIpInfo",
    "IpInfo",
    "IpInfoProvider",
    "MmdbIpInfo",
    "StaticIpInfo",
    "StaticNetwork",
    "default_ip_info",
    "special_purpose",
]

EMBEDDED_DATA_FILE = "geoip2fast-asn-ipv6.dat.gz"
EMBEDDED_NOTE = (
    "The embedded data is the GeoLite2 snapshot geoip2fast ships (see data date); configure "
    "HOSTING_MMDB_COUNTRY / HOSTING_MMDB_ASN with current .mmdb files in production."
)
_COUNTRY_CODE = re.compile(r"[A-Z]{2}")
_DOCUMENTATION_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in (
        "192.0.2.0/24",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "2001:db8::/32",
        "3fff::/20",
    )
)


@dataclass(frozen=True)
class IpInfo:
    """What is known of one IP address, each value with where it came from and how old it is."""

    ip: str
    country: str | None
    country_source: str
    country_data_date: date | None
    asn: int | None
    as_org: str
    asn_source: str
    asn_data_date: date | None


class IpInfoProvider(Protocol):
    """Extension point: looks up country and autonomous system for an address, never raises."""

    def lookup(self, ip: str) -> IpInfo:
        """Return what this provider knows of ``ip`` (unknown values as ``None`` / ``""``)."""
        ...


def special_purpose(ip: str) -> IpInfo | None:
    """Unknown-country ``IpInfo`` for an address in an IANA special-purpose range, else ``None``."""
    address = ipaddress.ip_address(ip)
    if address.is_global:
        return None
    if any(address in network for network in _DOCUMENTATION_NETWORKS):
        kind = "documentation range"
    elif address.is_loopback:
        kind = "loopback"
    elif address.is_link_local:
        kind = "link-local"
    elif address.is_multicast:
        kind = "multicast"
    elif address.is_private:
        kind = "private-use range"
    else:
        kind = "special-purpose range"
    source = f"IANA special-purpose address registry: {kind}"
    return IpInfo(str(address), None, source, None, None, "", source, None)


class EmbeddedIpInfo:
    """GeoLite2 country and AS organisation from the data bundled in ``geoip2fast``.

    The data loads on first use (about a tenth of a second, ~120 MB of memory). It names AS
    organisations but not AS numbers, so ``asn`` is ``None``.
    """

    def lookup(self, ip: str) -> IpInfo:
        """Country and AS organisation of ``ip`` from the bundled GeoLite2 snapshot."""
        reserved = special_purpose(ip)
        if reserved is not None:
            return reserved
        database, source, data_date = _embedded_database()
        result = database.lookup(ip)
        if result.is_private:  # ranges the data itself marks as IANA-reserved (6to4 relays, ...)
            reserved_source = f"{source}: {result.country_name}"
            return IpInfo(
                ip, None, reserved_source, data_date, None, "", reserved_source, data_date
            )
        country = result.country_code if _COUNTRY_CODE.fullmatch(result.country_code) else None
        as_org = "" if result.asn_name in ("", "<unknown>") else str(result.asn_name)
        return IpInfo(ip, country, source, data_date, None, as_org, source, data_date)


@functools.cache
def _embedded_database() -> tuple[Any, str, date | None]:
    import geoip2fast

    # An absolute path: given a bare name, geoip2fast would first look in the working directory.
    path = Path(geoip2fast.__file__).with_name(EMBEDDED_DATA_FILE)
    database = geoip2fast.GeoIP2Fast(geoip2fast_data_file=str(path))
    info = str(database.source_info)  # e.g. "MAXMIND:GeoLite2-CountryASN-IPv4IPv6-en-20240618"
    version = importlib.metadata.version("geoip2fast")
    source = f"MaxMind GeoLite2 ({info.split(':')[-1]}) bundled in geoip2fast {version}"
    stamp = re.search(r"(\d{4})(\d{2})(\d{2})$", info)
    data_date = date(*(int(part) for part in stamp.groups())) if stamp else None
    return database, source, data_date


class MmdbIpInfo:
    """Country and/or AS data from MaxMind DB files (GeoLite2/GeoIP2 or DB-IP layouts)."""

    def __init__(
        self,
        *,
        country_path: str | Path | None = None,
        asn_path: str | Path | None = None,
        fallback: IpInfoProvider | None = None,
    ) -> None:
        self._country = _MmdbFile.open(country_path) if country_path else None
        self._asn = _MmdbFile.open(asn_path) if asn_path else None
        self._fallback = fallback or EmbeddedIpInfo()

    def lookup(self, ip: str) -> IpInfo:
        """Country from the country file, AS from the ASN file, the rest from the fallback."""
        reserved = special_purpose(ip)
        if reserved is not None:
            return reserved
        base = self._fallback.lookup(ip) if self._country is None or self._asn is None else None
        country_date: date | None
        asn_date: date | None
        if self._country is not None:
            record = self._country.get(ip)
            country = _mmdb_country(record)
            country_source, country_date = self._country.source, self._country.data_date
        else:
            assert base is not None
            country, country_source, country_date = (
                base.country,
                base.country_source,
                base.country_data_date,
            )
        if self._asn is not None:
            record = self._asn.get(ip)
            asn, as_org = _mmdb_asn(record)
            asn_source, asn_date = self._asn.source, self._asn.data_date
        else:
            assert base is not None
            asn, as_org, asn_source, asn_date = (
                base.asn,
                base.as_org,
                base.asn_source,
                base.asn_data_date,
            )
        return IpInfo(ip, country, country_source, country_date, asn, as_org, asn_source, asn_date)


@dataclass(frozen=True)
class _MmdbFile:
    reader: maxminddb.Reader
    source: str
    data_date: date

    @classmethod
    def open(cls, path: str | Path) -> _MmdbFile:
        try:
            reader = maxminddb.open_database(str(path))
        except (OSError, ValueError, maxminddb.InvalidDatabaseError) as exc:
            raise ImproperlyConfigured(
                f"cannot open the MaxMind DB file {path} ({exc}); expected a readable .mmdb file"
            ) from None
        metadata = reader.metadata()
        built = datetime.fromtimestamp(metadata.build_epoch, tz=UTC).date()
        return cls(reader, f"{metadata.database_type} ({Path(path).name})", built)

    def get(self, ip: str) -> Mapping[str, Any]:
        try:
            record = self.reader.get(ip)
        except ValueError:  # an IPv6 address in an IPv4-only file
            return {}
        return record if isinstance(record, Mapping) else {}


def _mmdb_country(record: Mapping[str, Any]) -> str | None:
    value = record.get("country")
    if isinstance(value, Mapping):
        value = value.get("iso_code")
    if isinstance(value, str) and _COUNTRY_CODE.fullmatch(value.upper()):
        return value.upper()
    return None


def _mmdb_asn(record: Mapping[str, Any]) -> tuple[int | None, str]:
    number = record.get("autonomous_system_number", record.get("asn"))
    if isinstance(number, str) and number.upper().startswith("AS") and number[2:].isdigit():
        number = int(number[2:])  # ipinfo's layout: "AS64496"
    organisation = record.get("autonomous_system_organization", record.get("as_name", ""))
    return (
        number if isinstance(number, int) and number > 0 else None,
        organisation if isinstance(organisation, str) else "",
    )


@dataclass(frozen=True)
class StaticNetwork:
    """One row of a ``StaticIpInfo`` table."""

    country: str | None = None
    asn: int | None = None
    as_org: str = ""


class StaticIpInfo:
    """A fixed table of addresses or networks (``"192.0.2.0/24"``) → ``StaticNetwork``.

    The most specific network wins; addresses not in the table go to ``fallback``, or come
    back unknown when there is none. For tests and demos, where reserved addresses stand in
    for real ones.
    """

    def __init__(
        self,
        table: Mapping[str, StaticNetwork | Mapping[str, Any]],
        *,
        source: str = "static table",
        data_date: date | None = None,
        fallback: IpInfoProvider | None = None,
    ) -> None:
        rows = [
            (ipaddress.ip_network(key, strict=False), _static_row(value))
            for key, value in table.items()
        ]
        self._rows = sorted(rows, key=lambda row: row[0].prefixlen, reverse=True)
        self._source = source
        self._data_date = data_date
        self._fallback = fallback

    def lookup(self, ip: str) -> IpInfo:
        """The table's row for ``ip``, else the fallback's answer, else unknown."""
        address = ipaddress.ip_address(ip)
        for network, row in self._rows:
            if address.version == network.version and address in network:
                return IpInfo(
                    ip,
                    row.country,
                    self._source,
                    self._data_date,
                    row.asn,
                    row.as_org,
                    self._source,
                    self._data_date,
                )
        if self._fallback is not None:
            return self._fallback.lookup(ip)
        return IpInfo(ip, None, self._source, self._data_date, None, "", self._source, None)


def _static_row(value: StaticNetwork | Mapping[str, Any]) -> StaticNetwork:
    if isinstance(value, StaticNetwork):
        return value
    return StaticNetwork(
        country=value.get("country"), asn=value.get("asn"), as_org=value.get("as_org", "")
    )


def default_ip_info() -> IpInfoProvider:
    """The provider the settings ask for: ``HOSTING_STATIC_IPS`` (if any) over the ``.mmdb``
    files (if configured) over the embedded GeoLite2 data."""
    provider = _database_provider(
        str(settings.HOSTING_MMDB_COUNTRY or ""),
        str(settings.HOSTING_MMDB_ASN or ""),
    )
    static = settings.HOSTING_STATIC_IPS or {}
    if static:
        return StaticIpInfo(static, source="HOSTING_STATIC_IPS", fallback=provider)
    return provider


@functools.cache
def _database_provider(country_path: str, asn_path: str) -> IpInfoProvider:
    """One provider per configuration and process: the files are opened once."""
    if country_path or asn_path:
        return MmdbIpInfo(
            country_path=country_path or None, asn_path=asn_path or None, fallback=EmbeddedIpInfo()
        )
    return EmbeddedIpInfo()
