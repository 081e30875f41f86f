"""Every redirect whose target comes from the request stays on this site.

The places: the 2FA check and the 2FA enrolment (``next``), the staff sign-in (Django's
LoginView, ``next``), the language switch (Django's set_language, ``next``), and the 2FA
middleware that hands the wanted page on as ``next``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pyotp
import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts import actions
from tests.conftest import PASSWORD, World

HOSTILE = [
    "https://evil.example.test/phish",
    "//evil.example.test/phish",
    "/\\evil.example.test/phish",
    "\\\\evil.example.test/phish",
    "javascript:alert(1)",
    "https:evil.example.test",
    " https://evil.example.test/",
]


def _enrolled(world: World) -> pyotp.TOTP:
    device = actions.start_totp_enrolment(world.alice)
    totp = pyotp.TOTP(device.secret)
    assert actions.confirm_totp(world.alice, totp.at(datetime.now(UTC) - timedelta(seconds=30)))
    return totp


def _signed_in_by_password() -> Client:
    client = Client()
    client.post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD})
    return client


@pytest.mark.parametrize("target", HOSTILE)
def test_2fa_check_ignores_a_next_on_another_site(world: World, target: str) -> None:
    totp = _enrolled(world)
    client = _signed_in_by_password()

    response = client.post(
        f"{reverse('accounts:totp_verify')}?{urlencode({'next': target})}", {"code": totp.now()}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("staff_home")


def test_2fa_check_follows_a_next_on_this_site(world: World) -> None:
    totp = _enrolled(world)
    client = _signed_in_by_password()

    response = client.post(
        f"{reverse('accounts:totp_verify')}?next=/staff/cases/%3Fx%3D1", {"code": totp.now()}
    )

    assert response["Location"] == "/staff/cases/?x=1"


def test_2fa_check_refuses_plain_http_next_on_a_secure_request(world: World) -> None:
    totp = _enrolled(world)
    client = _signed_in_by_password()

    response = client.post(
        f"{reverse('accounts:totp_verify')}?next=http://testserver/staff/cases/",
        {"code": totp.now()},
        secure=True,
    )

    assert response["Location"] == reverse("staff_home")


@pytest.mark.parametrize("target", HOSTILE)
def test_2fa_enrolment_ignores_a_next_on_another_site(world: World, target: str) -> None:
    client = _signed_in_by_password()
    setup = f"{reverse('accounts:totp_setup')}?{urlencode({'next': target})}"
    secret = client.get(setup).context["secret"]

    response = client.post(setup, {"code": pyotp.TOTP(secret).now()})

    assert response.status_code == 302
    assert response["Location"] == reverse("staff_home")


def test_2fa_enrolment_follows_a_next_on_this_site(world: World) -> None:
    client = _signed_in_by_password()
    setup = f"{reverse('accounts:totp_setup')}?next=/staff/cases/"
    secret = client.get(setup).context["secret"]

    response = client.post(setup, {"code": pyotp.TOTP(secret).now()})

    assert response["Location"] == "/staff/cases/"


@pytest.mark.parametrize("target", HOSTILE)
def test_sign_in_ignores_a_next_on_another_site(world: World, target: str) -> None:
    response = Client().post(
        f"{reverse('accounts:login')}?{urlencode({'next': target})}",
        {"username": "alice", "password": PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("staff_home")


@pytest.mark.parametrize("target", HOSTILE)
def test_language_switch_ignores_a_next_on_another_site(db: None, target: str) -> None:
    response = Client().post(reverse("set_language"), {"language": "fr", "next": target})

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_language_switch_follows_a_next_on_this_site(db: None) -> None:
    response = Client().post(reverse("set_language"), {"language": "fr", "next": "/report/online/"})

    assert response["Location"] == "/report/online/"


def test_2fa_middleware_hands_on_the_wanted_page_and_the_check_returns_there(
    world: World,
) -> None:
    totp = _enrolled(world)
    client = _signed_in_by_password()

    to_check = client.get("/staff/cases/?sort=age")["Location"]
    response = client.post(to_check, {"code": totp.now()})

    assert to_check == f"{reverse('accounts:totp_verify')}?next=%2Fstaff%2Fcases%2F%3Fsort%3Dage"
    assert response["Location"] == "/staff/cases/?sort=age"
