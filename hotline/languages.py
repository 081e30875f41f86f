"""The languages Hotline speaks to the public, and how a visitor's language is chosen.

The region served is Europe and Central Asia: the 24 official languages of the European Union,
the official languages of the other states of the region, and Arabic, Farsi/Dari and Pashto for
people on the move. Own names and writing direction come from CLDR (through Babel), not from a
hand-written list. This module is plain data and functions, importable by the settings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Language:
    code: str  # Django's language code (BCP 47, lower case): "sr-latn"
    english: str  # the name in English, for logs and documentation
    group: str  # "eu", "region" or "on-the-move"
    cldr: str  # the CLDR locale Babel reads for own names, directions and country names

    @property
    def locale_dir(self) -> str:
        """The directory under hotline/locale/ (Django's to_locale: sr-latn -> sr_Latn)."""
        language, _, rest = self.code.partition("-")
        if not rest:
            return language
        return f"{language}_{rest.title() if len(rest) > 2 else rest.upper()}"


# The 24 official languages of the European Union.
_EU = [
    ("bg", "Bulgarian"), ("hr", "Croatian"), ("cs", "Czech"), ("da", "Danish"),
    ("nl", "Dutch"), ("en", "English"), ("et", "Estonian"), ("fi", "Finnish"),
    ("fr", "French"), ("de", "German"), ("el", "Greek"), ("hu", "Hungarian"),
    ("ga", "Irish"), ("it", "Italian"), ("lv", "Latvian"), ("lt", "Lithuanian"),
    ("mt", "Maltese"), ("pl", "Polish"), ("pt", "Portuguese"), ("ro", "Romanian"),
    ("sk", "Slovak"), ("sl", "Slovenian"), ("es", "Spanish"), ("sv", "Swedish"),
]  # fmt: skip
# The official languages of the region's other states.
_REGION = [
    ("sq", "Albanian"), ("hy", "Armenian"), ("az", "Azerbaijani"), ("be", "Belarusian"),
    ("bs", "Bosnian"), ("ka", "Georgian"), ("is", "Icelandic"), ("kk", "Kazakh"),
    ("ky", "Kyrgyz"), ("mk", "Macedonian"), ("cnr", "Montenegrin"),
    ("sr", "Serbian (Cyrillic)"), ("sr-latn", "Serbian (Latin)"), ("nb", "Norwegian Bokmål"),
    ("ru", "Russian"), ("tg", "Tajik"), ("tr", "Turkish"), ("tk", "Turkmen"),
    ("uk", "Ukrainian"), ("uz", "Uzbek"),
]  # fmt: skip
# For people on the move.
_ON_THE_MOVE = [("ar", "Arabic"), ("fa", "Farsi/Dari"), ("ps", "Pashto")]

_CLDR = {"sr-latn": "sr_Latn", "cnr": "sr_Latn_ME"}

LANGUAGES: tuple[Language, ...] = tuple(
    Language(code, english, group, _CLDR.get(code, code))
    for group, entries in (("eu", _EU), ("region", _REGION), ("on-the-move", _ON_THE_MOVE))
    for code, english in entries
)
BY_CODE = {language.code: language for language in LANGUAGES}

# Written right to left (CLDR's character order for these locales is right-to-left).
RTL = frozenset({"ar", "fa", "ps"})

# Tags a browser may send for a language we carry under another code.
ALIASES = {
    "no": "nb",
    "nn": "nb",  # Nynorsk readers read Bokmål; better than English
    "sh": "sr-latn",
    "sr-cyrl": "sr",
    "prs": "fa",  # Dari
    "fa-af": "fa",
    "pbu": "ps",
    "pbt": "ps",
    "uz-latn": "uz",
    "az-latn": "az",
    "tg-cyrl": "tg",
    "sr-me": "cnr",
    "sr-latn-me": "cnr",
}


@lru_cache(maxsize=128)
def own_name(code: str) -> str:
    """The language's name in itself, from CLDR ("Deutsch", "العربية", "srpski (latinica)")."""
    from babel import Locale

    language = BY_CODE.get(code)
    if code == "cnr":
        name = "crnogorski"  # CLDR has no own name for Montenegrin yet
    else:
        name = Locale.parse(language.cldr if language else code).get_display_name() or code
    return name[:1].upper() + name[1:]


def fallback_chain(tag: str) -> list[str]:
    """The codes to try for one Accept-Language tag, most specific first.

    ``sr-Latn-RS`` → ``sr-latn-rs``, ``sr-latn``, ``sr``; aliases are tried at each step.
    """
    parts = tag.strip().lower().replace("_", "-").split("-")
    chain: list[str] = []
    for end in range(len(parts), 0, -1):
        candidate = "-".join(parts[:end])
        for code in (candidate, ALIASES.get(candidate, "")):
            if code and code not in chain:
                chain.append(code)
    return chain


def parse_accept_language(header: str) -> list[str]:
    """Tags of an Accept-Language header in order of preference (q=0 dropped)."""
    weighted: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")[:32]):
        tag, _, params = item.strip().partition(";")
        tag = tag.strip()
        if not tag or tag == "*" or len(tag) > 35:
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            weighted.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(weighted)]


def choose(header: str, available: Iterable[str], default: str = "en") -> str:
    """The first available language in the visitor's order of preference, else ``default``."""
    available = set(available)
    for tag in parse_accept_language(header):
        for code in fallback_chain(tag):
            if code in available:
                return code
    return default


def codes(values: Sequence[str] | None = None) -> list[str]:
    """Validated language codes (all shipped when ``values`` is empty), English first."""
    if not values:
        return [language.code for language in LANGUAGES]
    unknown = [value for value in values if value not in BY_CODE]
    if unknown:
        raise ValueError(
            f"unknown language code(s) {', '.join(unknown)}; known: {', '.join(BY_CODE)}"
        )
    return list(dict.fromkeys(["en", *values]))


def register_with_django() -> None:
    """Teach Django's LANG_INFO the languages it lacks (Maltese, Montenegrin, Pashto)."""
    from django.conf.locale import LANG_INFO

    for code in ("mt", "cnr", "ps"):
        language = BY_CODE[code]
        LANG_INFO.setdefault(
            code,
            {
                "bidi": code in RTL,
                "code": code,
                "name": language.english,
                "name_local": own_name(code),
            },
        )
