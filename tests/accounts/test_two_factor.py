from __future__ import annotations

import pyotp
import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts import actions
from hotline.accounts.models import TOTPDevice
from tests.conftest import PASSWORD, World, signed_in


def _login(client: Client, username: str, password: str = PASSWORD) -> object:
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_login_without_2fa_redirects_to_enrolment_before_case_data(world: World) -> None:
    client = Client()
    _login(client, "alice")

    response = client.get(reverse("cases:queue"))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:totp_setup") + "?next=%2Fstaff%2Fcases%2F"


def test_enrolment_with_valid_code_unlocks_case_data(world: World) -> None:
    client = Client()
    _login(client, "alice")
    page = client.get(reverse("accounts:totp_setup"))
    secret = page.context["secret"]

    response = client.post(reverse("accounts:totp_setup"), {"code": pyotp.TOTP(secret).now()})

    assert response.status_code == 302
    assert TOTPDevice.objects.get(user=world.alice).confirmed
    assert client.get(reverse("cases:queue")).status_code == 200


def test_enrolment_with_wrong_code_shows_field_error(world: World) -> None:
    client = Client()
    _login(client, "alice")
    client.get(reverse("accounts:totp_setup"))

    response = client.post(reverse("accounts:totp_setup"), {"code": "000000"})

    assert response.status_code == 200
    assert response.context["form"].errors["code"] == [
        "That code is not valid. Check the time on your phone and try again."
    ]
    assert not TOTPDevice.objects.get(user=world.alice).confirmed


def test_enrolled_user_must_verify_at_each_login(world: World) -> None:
    device = actions.start_totp_enrolment(world.alice)
    assert actions.confirm_totp(world.alice, pyotp.TOTP(device.secret).now())
    client = Client()
    _login(client, "alice")

    assert (
        client.get(reverse("cases:queue"))["Location"]
        == reverse("accounts:totp_verify") + "?next=%2Fstaff%2Fcases%2F"
    )
    assert client.get(reverse("staff_home"))["Location"] == reverse("accounts:totp_verify")


def test_totp_code_cannot_be_replayed(world: World) -> None:
    device = actions.start_totp_enrolment(world.alice)
    code = pyotp.TOTP(device.secret).now()
    assert actions.confirm_totp(world.alice, code)

    assert actions.verify_totp(world.alice, code) is False


def test_demo_mode_relaxes_2fa_and_says_so(world: World, settings: object) -> None:
    settings.DEMO = True  # type: ignore[attr-defined]
    client = signed_in(world.alice, verified=False)

    response = client.get(reverse("cases:queue"))

    assert response.status_code == 200
    assert "DEMO MODE: two-factor authentication is relaxed" in response.content.decode()


def test_login_is_throttled_after_repeated_failures(world: World, settings: object) -> None:
    settings.LOGIN_MAX_FAILURES = 3  # type: ignore[attr-defined]
    client = Client()
    for _ in range(3):
        _login(client, "alice", "wrong password")

    response = _login(client, "alice")  # the right password, but locked

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Too many failed sign-ins. Wait a quarter of an hour, or ask an administrator to help."
    ]


def test_idle_session_expires(world: World, settings: object) -> None:
    client = signed_in(world.alice)
    session = client.session
    session["hotline_last_seen"] = 0  # long ago
    session.save()

    response = client.get(reverse("cases:queue"))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login") + "?expired=1"


@pytest.mark.parametrize("code", ["", "12345", "abcdef", "1234567", " "])
def test_malformed_codes_are_refused(world: World, code: str) -> None:
    device = actions.start_totp_enrolment(world.alice)
    assert actions.confirm_totp(world.alice, pyotp.TOTP(device.secret).now())

    assert actions.verify_totp(world.alice, code) is False
