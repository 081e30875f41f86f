"""Every page a person sees, in French and Russian, has no English left in it.

Each page is rendered in English, French and Russian; a text node (or a label-like
attribute) of the French or Russian page that is exactly a text of the English page, and
reads as English words, is a string that did not go through gettext (or has no
translation). Proper nouns, codes and the test data are allowed explicitly below.
"""

from __future__ import annotations

import gettext
import re
from functools import lru_cache
from html.parser import HTMLParser

import pycountry
import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.models import ClientKind, Scope, User
from hotline.core import emergency
from hotline.site.navigation import staff_menus
from tests.conftest import World, signed_in

# Names and codes that read the same in every language, and the synthetic test data.
ALLOWED = {
    "Hotline",
    "Hotline A",
    "Hotline B",
    "Police unit",
    "ISP",
    "English",
    "Français",
    "Русский",
    "english",
    "français",
    "русский",
    "Take It Down (NCMEC)",
    "StopNCII.org",
    "Child Helpline International",
    "3018 (e-Enfance)",
    "119 Allô Enfance en Danger",
    "Report Remove (Childline and IWF)",
    "The Code",  # the programme's own name
    "INHOPE",
    "XARF",
    "RPZ",
    "STIX",
    "TAXII",
    "CSV",
    "PDF",
    "JSON",
    "UTC",
    "API",
    "URL",
    "IP",
    "ASN",
    "RDAP",
    "TLP",
    "VICS",
    "PDQ",
    "MD5",
    "SHA-1",
    "SHA-256",
    "NCMEC",
    "INTERPOL",
    "CyberTipline",
    "Prometheus",
    "Django",
    # Third-party admin sections (django-tasks' database backend).
    "Tasks Database Backend",
    "Task Results",
    # Identifiers an operator types or greps for: outbox channels, feed lists, message and
    # task states as the health page lists them, credential scopes, the audit's actor.
    "email",
    "http",
    "blocklist",
    "hashes",
    "self_reported",
    "payment",
    "phone",
    "rpz",
    "pending",
    "delivered",
    "failed",
    "system",
    "feed",  # the scope family of feed:rpz, feed:urls...
    *(scope.value for scope in Scope),
    *(kind.value for kind in ClientKind),
}
ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
WORDS = re.compile(r"[A-Za-z]{3,}")


# French words spelt as in English, as the French interface uses them.
SAME_IN_FRENCH = {
    "Administration",
    "Organisations",
    "Verdict",
    "Workers",
    "Pages",
    "Confirmations",
    "Type",
    "Total",
    "Sections",
    "Destinations",
    "Destination",
    "Police",
    "Notes",
    "Source",
    "Date",
    "Organisation",
    "Message",
    "Messages",
    "Action",
    "Actions",
    "Statut",
    "Code",
    "Description",
    "Position",
    "Transmissions",
    "Options",
    "Contact",
    "Contact :",
    "Service",
    "Article",
    "Condition",
    "Indicateur",
    "Minimum",
    "Maximum",
    "Médiane",
}


def _code_option(value: str | None) -> bool:
    """An option naming a country (FR) or a time zone (Europe/Paris): data from pycountry
    and the tz database, translated there or not at all."""
    return bool(value and (re.fullmatch(r"[A-Z]{2}", value) or "/" in value))


class _Texts(HTMLParser):
    """Text nodes and user-visible attributes, leaving out code, scripts, and anything marked
    as written in another language (``lang`` on an element: the switcher's own names)."""

    VOID = frozenset({"br", "img", "input", "meta", "link", "hr", "source", "wbr"})

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if self._skipping and tag not in self.VOID:
            self._skipping.append(tag)
            return
        if (
            tag in ("script", "style", "svg")
            or (tag == "option" and _code_option(values.get("value")))
            or (tag != "html" and values.get("lang"))
        ):
            if tag not in self.VOID:
                self._skipping.append(tag)
            return
        for name, value in attrs:
            if name in ATTRIBUTES and value:
                self.texts.append(value.strip())
            if tag == "input" and name == "value" and ("type", "submit") in attrs and value:
                self.texts.append(value.strip())

    def handle_endtag(self, tag: str) -> None:
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text and not self._skipping:
            self.texts.append(text)


def _texts(html: str) -> set[str]:
    parser = _Texts()
    parser.feed(html)
    return set(parser.texts)


def _english_left(client: Client, url: str) -> dict[str, list[str]]:
    pages = {
        lang: client.get(url, HTTP_ACCEPT_LANGUAGE=lang).content.decode()
        for lang in ("en", "fr", "ru")
    }
    english = _texts(pages["en"])
    left = {}
    for lang in ("fr", "ru"):
        same = sorted(
            text
            for text in _texts(pages[lang]) & english
            if WORDS.search(text)
            and text not in ALLOWED
            and not (lang == "fr" and text in SAME_IN_FRENCH)
            and not _is_data(text, lang)
        )
        if same:
            left[lang] = same
    return left


def _is_data(text: str, lang: str) -> bool:
    """Addresses, identifiers, hashes, keys, country names and people's names: data, not
    interface."""
    return bool(
        text in _country_names(lang)
        or re.fullmatch(r"[0-9a-f]{16,}|[A-Za-z0-9_-]{40,}=*|ed25519:\S+", text)  # hashes, keys
        or re.fullmatch(r"https?://\S+", text)
        or re.fullmatch(r"[{\[].*[}\]]", text)  # the audit log's recorded details
        or re.fullmatch(r"[a-z_]+(\.[a-z_]+)+( \d+)?|user:\w+", text)  # codes, audit objects
        or (lang == "fr" and re.fullmatch(r"Format \d{4}-\d\d-\d\d", text))
        or text in SOURCE_TITLES
        or re.fullmatch(r"(https?://|mailto:)?[\w.+-]+@?[\w.-]*\.(test|invalid|example)\S*", text)
        or re.fullmatch(r"[\w.-]+\.(test|invalid|example)(/\S*)?", text)
        or re.fullmatch(r"(alice|bob|charlie|dave|erin|frank|grace)( · .*)?", text)
        or re.fullmatch(r"[A-Z]{2,}-[A-Z0-9-]+", text)  # references such as HL-4KX9-T2QM
    )


# The emergency-number dataset's sources are cited by their own titles.
SOURCE_TITLES = {entry.source_title for entry in emergency.dataset().values()}


@lru_cache(maxsize=4)
def _country_names(lang: str) -> frozenset[str]:
    translation = gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True
    )
    return frozenset(
        translation.gettext(getattr(c, "common_name", None) or c.name) for c in pycountry.countries
    ) | frozenset(f"{translation.gettext(c.name)} ({c.alpha_2})" for c in pycountry.countries)


PUBLIC = [
    "home",
    "intake:report_online",
    "intake:status",
    "intake:privacy",
    "tourism:report",
    "monitoring:transparency",
]


@pytest.mark.django_db
@pytest.mark.parametrize("name", PUBLIC)
def test_public_page_has_no_english_left(name: str) -> None:
    assert _english_left(Client(), reverse(name)) == {}


@pytest.mark.django_db
def test_public_receipt_has_no_english_left() -> None:
    data = {"urls": "http://example.test/a", "concern": "sextortion"}
    pages = {
        lang: Client()
        .post(reverse("intake:report_online"), data, HTTP_ACCEPT_LANGUAGE=lang)
        .content.decode()
        for lang in ("en", "fr", "ru")
    }
    english = _texts(pages["en"])

    left = {
        lang: sorted(
            t
            for t in _texts(pages[lang]) & english
            if WORDS.search(t)
            and t not in ALLOWED
            and not (lang == "fr" and t in SAME_IN_FRENCH)
            and not _is_data(t, lang)
        )
        for lang in ("fr", "ru")
    }

    assert left == {"fr": [], "ru": []}


def _staff(world: World) -> dict[str, User]:
    return {
        "alice": world.alice,
        "charlie": world.charlie,
        "dave": world.dave,
        "erin": world.erin,
        "frank": world.frank,
    }


@pytest.mark.django_db
def test_every_staff_menu_page_has_no_english_left(world: World) -> None:
    left = {}
    seen = set()
    for user in _staff(world).values():
        client = signed_in(user)
        for menu in staff_menus(user):
            for link in menu.links:
                if link.url in seen:
                    continue
                seen.add(link.url)
                found = _english_left(client, link.url)
                if found:
                    left[link.url] = found

    assert left == {}, "\n".join(f"{url}: {found}" for url, found in left.items())
