"""Country names for select boxes: ISO 3166-1 alpha-2 codes, names in the reader's language.

Names come from pycountry's bundled ``iso3166-1`` catalogues (English when a
language has no catalogue).
"""

from __future__ import annotations

import gettext
from functools import lru_cache

import pycountry
from django.utils.translation import get_language


@lru_cache(maxsize=16)
def _names(language: str) -> dict[str, str]:
    translation = gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True
    )
    names = {}
    for country in pycountry.countries:
        english = getattr(country, "common_name", None) or country.name
        names[country.alpha_2] = translation.gettext(english)
    return names


def country_name(code: str, language: str | None = None) -> str:
    """The country's name in ``language`` (default: the active one), or the code if unknown."""
    return _names((language or get_language() or "en").split("-")[0]).get(code, code)


def country_choices(blank: str) -> list[tuple[str, str]]:
    """(code, name) pairs sorted by name in the active language, after a blank choice."""
    names = _names((get_language() or "en").split("-")[0])
    return [("", blank), *sorted(names.items(), key=lambda pair: pair[1].casefold())]


def is_country(code: str) -> bool:
    return code in _names("en")
