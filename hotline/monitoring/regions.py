"""Regions for the legal gap report: UN M49 sub-regions as data, replaceable in settings.

``MONITORING_REGIONS`` (optional, in settings) replaces the built-in table with
``{"code": {"name": "...", "countries": ["FR", ...]}}``; codes are ISO 3166-1 alpha-2.
The built-in table covers the sub-regions of Europe and Asia (UN M49, as published by the
UN Statistics Division); add others in the setting where an instance needs them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    countries: tuple[str, ...]


M49_SUBREGIONS: dict[str, tuple[object, tuple[str, ...]]] = {
    "154": (
        _("Northern Europe"),
        (
            "AX",
            "DK",
            "EE",
            "FI",
            "FO",
            "GB",
            "GG",
            "IE",
            "IM",
            "IS",
            "JE",
            "LT",
            "LV",
            "NO",
            "SE",
            "SJ",
        ),
    ),
    "155": (_("Western Europe"), ("AT", "BE", "CH", "DE", "FR", "LI", "LU", "MC", "NL")),
    "151": (_("Eastern Europe"), ("BG", "BY", "CZ", "HU", "MD", "PL", "RO", "RU", "SK", "UA")),
    "039": (
        _("Southern Europe"),
        (
            "AD",
            "AL",
            "BA",
            "ES",
            "GI",
            "GR",
            "HR",
            "IT",
            "ME",
            "MK",
            "MT",
            "PT",
            "RS",
            "SI",
            "SM",
            "VA",
        ),
    ),
    "143": (_("Central Asia"), ("KG", "KZ", "TJ", "TM", "UZ")),
    "145": (
        _("Western Asia"),
        (
            "AE",
            "AM",
            "AZ",
            "BH",
            "CY",
            "GE",
            "IL",
            "IQ",
            "JO",
            "KW",
            "LB",
            "OM",
            "PS",
            "QA",
            "SA",
            "SY",
            "TR",
            "YE",
        ),
    ),
    "034": (_("Southern Asia"), ("AF", "BD", "BT", "IN", "IR", "LK", "MV", "NP", "PK")),
    "035": (
        _("South-eastern Asia"),
        ("BN", "ID", "KH", "LA", "MM", "MY", "PH", "SG", "TH", "TL", "VN"),
    ),
    "030": (_("Eastern Asia"), ("CN", "HK", "JP", "KP", "KR", "MN", "MO")),
}


def regions() -> dict[str, Region]:
    configured: dict[str, dict[str, Any]] = settings.MONITORING_REGIONS
    if configured:
        return {
            str(code): Region(
                str(code),
                str(spec["name"]),
                tuple(sorted(str(c).upper() for c in spec["countries"])),
            )
            for code, spec in configured.items()
        }
    return {
        code: Region(code, str(name), countries)
        for code, (name, countries) in M49_SUBREGIONS.items()
    }


def region(code: str) -> Region | None:
    return regions().get(code)


def regions_of(country: str) -> list[Region]:
    return [r for r in regions().values() if country.upper() in r.countries]
