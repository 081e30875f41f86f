"""How a visitor's language is chosen, kept and shown; staff pages keep to staff languages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from hotline import languages


def test_region_languages_are_all_shipped() -> None:
    eu = {
        "bg", "hr", "cs", "da", "nl", "en", "et", "fi", "fr", "de", "el", "hu",
        "ga", "it", "lv", "lt", "mt", "pl", "pt", "ro", "sk", "sl", "es", "sv",
    }  # fmt: skip
    region = {
        "sq", "hy", "az", "be", "bs", "ka", "is", "kk", "ky", "mk", "cnr", "sr", "sr-latn",
        "nb", "ru", "tg", "tr", "tk", "uk", "uz",
    }  # fmt: skip

    assert set(languages.BY_CODE) == eu | region | {"ar", "fa", "ps"}
    assert [language.code for language in languages.LANGUAGES] == settings.PUBLIC_LANGUAGES


@pytest.mark.parametrize(
    ("tag", "chain"),
    [
        ("sr-Latn-RS", ["sr-latn-rs", "sr-latn", "sr"]),
        ("sr_Latn", ["sr-latn", "sr"]),
        ("nn-NO", ["nn-no", "nn", "nb"]),
        ("fa-AF", ["fa-af", "fa"]),
        ("de", ["de"]),
    ],
)
def test_fallback_chain_drops_one_subtag_at_a_time(tag: str, chain: list[str]) -> None:
    assert languages.fallback_chain(tag) == chain


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("sr-Latn-RS,sr;q=0.9,en;q=0.5", "sr-latn"),
        ("sr-RS, en;q=0.5", "sr"),
        ("sr-ME", "cnr"),
        ("nn", "nb"),
        ("prs", "fa"),
        ("xx-YY, de;q=0.1", "de"),
        ("de;q=0, fr", "fr"),
        ("uk;q=0.4, kk;q=0.8", "kk"),
        ("*", "en"),
        ("", "en"),
        ("q=1;;,,", "en"),
    ],
)
def test_accept_language_picks_the_first_language_we_speak(header: str, expected: str) -> None:
    assert languages.choose(header, settings.PUBLIC_LANGUAGES) == expected


def test_an_unknown_configured_language_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown language code\(s\) xx; known: bg, hr"):
        languages.codes(["de", "xx"])


def _html(response: Any) -> str:
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "direction"), [("ar", "rtl"), ("fa", "rtl"), ("ps", "rtl"), ("uk", "ltr")]
)
def test_public_page_is_served_in_the_language_asked_for_with_its_direction(
    code: str, direction: str
) -> None:
    response = Client().get(reverse("intake:report_online"), HTTP_ACCEPT_LANGUAGE=code)

    assert response["Content-Language"] == code
    assert f'<html lang="{code}" dir="{direction}">' in _html(response)
    assert "Accept-Language" in response["Vary"]


@pytest.mark.django_db
def test_staff_pages_keep_to_the_staff_languages() -> None:
    login = reverse("accounts:login")

    arabic_only = Client().get(login, HTTP_ACCEPT_LANGUAGE="ar")
    arabic_then_russian = Client().get(login, HTTP_ACCEPT_LANGUAGE="ar, ru;q=0.5")

    assert arabic_only["Content-Language"] == "en"
    assert arabic_then_russian["Content-Language"] == "ru"


@pytest.mark.django_db
def test_switcher_lists_each_language_by_its_own_name_and_only_where_it_is_spoken() -> None:
    public = _html(Client().get(reverse("home")))
    staff = _html(Client().get(reverse("accounts:login")))

    def offered(html: str) -> list[str]:
        return re.findall(r'<option value="([a-z-]+)" lang="\1"', html)

    assert offered(public) == settings.PUBLIC_LANGUAGES
    assert offered(staff) == settings.STAFF_LANGUAGES
    assert '<option value="ar" lang="ar">العربية</option>' in public
    assert '<option value="sr-latn" lang="sr-latn">Srpski (latinica)</option>' in public
    assert '<option value="cnr" lang="cnr">Crnogorski</option>' in public


@pytest.mark.django_db
def test_choice_is_kept_in_a_cookie_that_ends_with_the_browser_session() -> None:
    client = Client()

    answer = client.post(reverse("set_language"), {"language": "kk", "next": "/report/online/"})
    page = client.get(reverse("intake:report_online"), HTTP_ACCEPT_LANGUAGE="fr")

    cookie = answer.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert (cookie.value, cookie["expires"], cookie["max-age"], cookie["httponly"]) == (
        "kk", "", "", True,
    )  # fmt: skip
    assert page["Content-Language"] == "kk"
    assert "sessionid" not in answer.cookies  # no session for an anonymous visitor


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "thailand"), [("ar", "تايلاند"), ("sr-latn", "Tajland"), ("kk", "Таиланд")]
)
def test_country_names_are_in_the_reporters_language(code: str, thailand: str) -> None:
    html = _html(Client().get(reverse("tourism:report"), HTTP_ACCEPT_LANGUAGE=code))

    assert f'<option value="TH">{thailand}</option>' in html
