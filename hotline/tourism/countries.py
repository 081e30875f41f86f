"""Country names for select boxes: ISO 3166-1 alpha-2 codes, names in the reader's language.

The codes are pycountry's ISO 3166-1 list; the names come from CLDR through Babel, in every
language the public pages speak (``sr-latn`` reads "Tajland", ``ar`` "تايلاند"), falling back
to pycountry's English name where CLDR has none.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import pycountry
from babel import Locale
from django.utils.translation import get_language

from hotline import languages


@lru_cache(maxsize=64)
def _names(language: str) -> dict[str, str]:
    known = languages.BY_CODE.get(language)
    territories: Mapping[str, str]
    try:
        territories = Locale.parse(known.cldr if known else language.replace("-", "_")).territories
    except (ValueError, LookupError):
        territories = {}
    names = {}
    for country in pycountry.countries:
        english = getattr(country, "common_name", None) or country.name
        names[country.alpha_2] = territories.get(country.alpha_2) or english
    return names


def country_name(code: str, language: str | None = None) -> str:
    """The country's name in ``language`` (default: the active one), or the code if unknown."""
    return _names(language or get_language() or "en").get(code, code)


def country_choices(blank: str) -> list[tuple[str, str]]:
    """(code, name) pairs sorted by name in the active language, after a blank choice."""
    names = _names(get_language() or "en")
    return [("", blank), *sorted(names.items(), key=lambda pair: pair[1].casefold())]


def is_country(code: str) -> bool:
    return code in _names("en")
