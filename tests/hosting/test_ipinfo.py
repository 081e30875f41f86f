"""IP data providers.

Addresses are documentation ranges, plus the AS112 networks (192.175.48.0/24, 2620:4f:8000::/48,
RFC 7534): IANA special-purpose blocks that are globally routed, so a real database has a
country for them, and they serve nothing but blackhole DNS.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from mmdb_writer import MmdbU32, MMDBWriter
from netaddr import IPSet

from hotline.hosting import ipinfo
from hotline.hosting.ipinfo import (
    EmbeddedIpInfo,
    IpInfo,
    MmdbIpInfo,
    StaticIpInfo,
    StaticNetwork,
    default_ip_info,
    special_purpose,
)

EMBEDDED = "MaxMind GeoLite2 (GeoLite2-CountryASN-IPv4IPv6-en-20240618) bundled in geoip2fast 1.2.2"
EMBEDDED_DATE = date(2024, 6, 18)
BUILT = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


class _FixedDateWriter(MMDBWriter):
    def _build_meta(self) -> dict[str, Any]:
        meta: dict[str, Any] = super()._build_meta()
        meta["build_epoch"] = int(BUILT.timestamp())
        return meta


def _write_mmdb(
    path: Path, database_type: str, rows: dict[str, dict[str, Any]], *, ipv6: bool
) -> Path:
    writer = _FixedDateWriter(
        ip_version=6 if ipv6 else 4, ipv4_compatible=ipv6, database_type=database_type
    )
    for network, record in rows.items():
        writer.insert_network(IPSet([network]), record)
    writer.to_db_file(str(path))
    return path


@pytest.fixture
def country_mmdb(tmp_path: Path) -> Path:
    return _write_mmdb(
        tmp_path / "country.mmdb",
        "GeoLite2-Country",
        {
            "192.175.48.0/24": {"country": {"iso_code": "DE", "names": {"en": "Germany"}}},
            "2620:4f:8000::/48": {"country": {"iso_code": "NL"}},
        },
        ipv6=True,
    )


@pytest.fixture
def asn_mmdb(tmp_path: Path) -> Path:
    return _write_mmdb(
        tmp_path / "asn.mmdb",
        "DBIP-ASN-Lite",
        {
            "192.175.48.0/24": {
                "autonomous_system_number": MmdbU32(64500),
                "autonomous_system_organization": "Example Hosting B.V.",
            }
        },
        ipv6=False,
    )


@pytest.fixture
def _fresh_providers() -> Iterator[None]:
    ipinfo._database_provider.cache_clear()
    yield
    ipinfo._database_provider.cache_clear()


@pytest.mark.parametrize(
    ("ip", "kind"),
    [
        ("192.0.2.1", "documentation range"),
        ("198.51.100.1", "documentation range"),
        ("203.0.113.1", "documentation range"),
        ("2001:db8::1", "documentation range"),
        ("10.1.2.3", "private-use range"),
        ("127.0.0.1", "loopback"),
        ("fe80::1", "link-local"),
        ("100.64.0.1", "special-purpose range"),
    ],
)
def test_special_purpose_address_has_no_country(ip: str, kind: str) -> None:
    source = f"IANA special-purpose address registry: {kind}"

    assert special_purpose(ip) == IpInfo(ip, None, source, None, None, "", source, None)


def test_special_purpose_global_address_is_none() -> None:
    assert special_purpose("192.175.48.1") is None


def test_embedded_ip_info_global_address() -> None:
    result = EmbeddedIpInfo().lookup("192.175.48.1")

    assert result == IpInfo(
        "192.175.48.1", "US", EMBEDDED, EMBEDDED_DATE, None, "Elisa Oyj", EMBEDDED, EMBEDDED_DATE
    )


def test_embedded_ip_info_ipv6_without_as_name() -> None:
    result = EmbeddedIpInfo().lookup("2620:4f:8000::1")

    assert result == IpInfo(
        "2620:4f:8000::1", "US", EMBEDDED, EMBEDDED_DATE, None, "", EMBEDDED, EMBEDDED_DATE
    )


def test_embedded_ip_info_range_the_data_marks_reserved() -> None:
    result = EmbeddedIpInfo().lookup("192.88.99.1")

    source = f"{EMBEDDED}: Reserved for 6to4 Relay Anycast"
    assert result == IpInfo(
        "192.88.99.1", None, source, EMBEDDED_DATE, None, "", source, EMBEDDED_DATE
    )


def test_embedded_ip_info_documentation_address() -> None:
    source = "IANA special-purpose address registry: documentation range"

    assert EmbeddedIpInfo().lookup("2001:db8::5") == IpInfo(
        "2001:db8::5", None, source, None, None, "", source, None
    )


def test_mmdb_ip_info_country_and_asn_files(country_mmdb: Path, asn_mmdb: Path) -> None:
    provider = MmdbIpInfo(country_path=country_mmdb, asn_path=asn_mmdb)

    result = provider.lookup("192.175.48.7")

    assert result == IpInfo(
        ip="192.175.48.7",
        country="DE",
        country_source="GeoLite2-Country (country.mmdb)",
        country_data_date=date(2026, 11, 1),
        asn=64500,
        as_org="Example Hosting B.V.",
        asn_source="DBIP-ASN-Lite (asn.mmdb)",
        asn_data_date=date(2026, 11, 1),
    )


def test_mmdb_ip_info_ipv6_not_in_ipv4_asn_file(country_mmdb: Path, asn_mmdb: Path) -> None:
    provider = MmdbIpInfo(country_path=country_mmdb, asn_path=asn_mmdb)

    result = provider.lookup("2620:4f:8000::53")

    assert (result.country, result.asn, result.as_org) == ("NL", None, "")


def test_mmdb_ip_info_country_only_takes_as_from_fallback(country_mmdb: Path) -> None:
    fallback = StaticIpInfo({"192.175.48.0/24": StaticNetwork("US", 64501, "Fallback AS")})
    provider = MmdbIpInfo(country_path=country_mmdb, fallback=fallback)

    result = provider.lookup("192.175.48.1")

    assert result == IpInfo(
        "192.175.48.1",
        "DE",
        "GeoLite2-Country (country.mmdb)",
        date(2026, 11, 1),
        64501,
        "Fallback AS",
        "static table",
        None,
    )


def test_mmdb_ip_info_reserved_address(country_mmdb: Path) -> None:
    result = MmdbIpInfo(country_path=country_mmdb).lookup("198.51.100.1")

    assert (result.country, result.country_source) == (
        None,
        "IANA special-purpose address registry: documentation range",
    )


def test_mmdb_ip_info_unreadable_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.mmdb"

    with pytest.raises(ImproperlyConfigured) as caught:
        MmdbIpInfo(country_path=missing)

    assert str(caught.value).startswith(f"cannot open the MaxMind DB file {missing} (")


def test_static_ip_info_most_specific_network_wins() -> None:
    provider = StaticIpInfo(
        {
            "198.51.100.0/24": StaticNetwork("FR", 64500, "Example Hosting"),
            "198.51.100.128/25": {"country": "BE", "asn": 64501, "as_org": "Example CDN"},
        },
        source="demo table",
        data_date=date(2026, 1, 1),
    )

    result = provider.lookup("198.51.100.200")

    assert result == IpInfo(
        "198.51.100.200",
        "BE",
        "demo table",
        date(2026, 1, 1),
        64501,
        "Example CDN",
        "demo table",
        date(2026, 1, 1),
    )


def test_static_ip_info_unknown_address_without_fallback() -> None:
    result = StaticIpInfo({"198.51.100.0/24": StaticNetwork("FR")}).lookup("2001:db8::1")

    assert result == IpInfo(
        "2001:db8::1", None, "static table", None, None, "", "static table", None
    )


@pytest.mark.usefixtures("_fresh_providers")
def test_default_ip_info_embedded_without_settings(settings: Any) -> None:
    settings.HOSTING_MMDB_COUNTRY = ""
    settings.HOSTING_MMDB_ASN = ""
    settings.HOSTING_STATIC_IPS = {}

    assert type(default_ip_info()) is EmbeddedIpInfo


@pytest.mark.usefixtures("_fresh_providers")
def test_default_ip_info_from_settings(settings: Any, country_mmdb: Path, asn_mmdb: Path) -> None:
    settings.HOSTING_MMDB_COUNTRY = str(country_mmdb)
    settings.HOSTING_MMDB_ASN = str(asn_mmdb)
    settings.HOSTING_STATIC_IPS = {"192.0.2.0/24": {"country": "FR"}}

    provider = default_ip_info()

    assert provider.lookup("192.0.2.1").country == "FR"
    assert provider.lookup("192.0.2.1").country_source == "HOSTING_STATIC_IPS"
    assert provider.lookup("192.175.48.1").asn == 64500
