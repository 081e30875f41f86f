"""Second-factor codes cannot be guessed: failures count per account and per client, lock the
step (the right code included) for the window, and every failure and lockout is audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts import actions
from hotline.audit.models import AuditEvent
from tests.conftest import PASSWORD, World

VERIFY = "/staff/2fa/verify/"
LOCKED_MESSAGE = "Too many wrong codes. Wait a quarter of an hour, or ask an administrator to help."


def _enrol(world: World, user: str = "alice") -> pyotp.TOTP:
    account = getattr(world, user)
    device = actions.start_totp_enrolment(account)
    totp = pyotp.TOTP(device.secret)
    # Enrol with the previous step's code, so the current one is still unused for sign-in.
    assert actions.confirm_totp(account, totp.at(datetime.now(UTC) - timedelta(seconds=30)))
    return totp


def _password_step(username: str, address: str = "192.0.2.20") -> Client:
    client = Client(REMOTE_ADDR=address)
    response = client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _wrong(totp: pyotp.TOTP) -> str:
    right = totp.now()
    return "000000" if right != "000000" else "111111"


def _totp_events(action: str) -> list[dict[str, object]]:
    return list(
        AuditEvent.objects.filter(action=action).order_by("pk").values_list("detail", flat=True)
    )


@pytest.fixture
def three_tries(settings: object) -> None:
    settings.LOGIN_MAX_FAILURES = 3  # type: ignore[attr-defined]


def _post_code(client: Client, code: str) -> object:
    return client.post(VERIFY, {"code": code})


def test_right_code_is_refused_once_the_account_is_locked(world: World, three_tries: None) -> None:
    totp = _enrol(world)
    client = _password_step("alice")
    for _ in range(3):
        assert _post_code(client, _wrong(totp)).status_code == 200  # type: ignore[attr-defined]

    response = _post_code(client, totp.now())

    assert response.status_code == 200  # type: ignore[attr-defined]
    assert response.context["form"].errors["code"] == [LOCKED_MESSAGE]  # type: ignore[attr-defined]
    assert client.get(reverse("cases:queue"))["Location"].startswith(VERIFY)


def test_lock_on_the_account_holds_for_another_client(world: World, three_tries: None) -> None:
    totp = _enrol(world)
    attacker = _password_step("alice", "192.0.2.66")
    for _ in range(3):
        _post_code(attacker, _wrong(totp))
    owner = _password_step("alice", "198.51.100.7")

    response = _post_code(owner, totp.now())

    assert response.context["form"].errors["code"] == [LOCKED_MESSAGE]  # type: ignore[attr-defined]


def test_lock_on_the_client_holds_for_another_account(world: World, three_tries: None) -> None:
    alice_totp = _enrol(world, "alice")
    charlie_totp = _enrol(world, "charlie")
    first = _password_step("alice", "192.0.2.66")
    for _ in range(2):
        _post_code(first, _wrong(alice_totp))
    second = _password_step("charlie", "192.0.2.66")
    _post_code(second, _wrong(charlie_totp))  # the client's third failure

    response = _post_code(second, charlie_totp.now())

    assert response.context["form"].errors["code"] == [LOCKED_MESSAGE]  # type: ignore[attr-defined]


def test_failures_below_the_limit_still_let_the_right_code_in(
    world: World, three_tries: None
) -> None:
    totp = _enrol(world)
    client = _password_step("alice")
    for _ in range(2):
        _post_code(client, _wrong(totp))

    response = _post_code(client, totp.now())

    assert response.status_code == 302  # type: ignore[attr-defined]
    assert client.get(reverse("cases:queue")).status_code == 200


def test_every_failure_the_lockout_and_attempts_while_locked_are_audited(
    world: World, three_tries: None
) -> None:
    totp = _enrol(world)
    client = _password_step("alice")
    for _ in range(3):
        _post_code(client, _wrong(totp))
    _post_code(client, totp.now())

    assert _totp_events("user.totp_verify") == [
        {"ok": False},
        {"ok": False},
        {"ok": False},
        {"ok": False, "reason": "locked"},
    ]
    assert _totp_events("user.totp_lockout") == [{"failures": 3, "minutes": 15}]
    assert list(
        AuditEvent.objects.filter(action="user.totp_lockout").values_list("actor", "object_id")
    ) == [("user:alice", str(world.alice.pk))]


def test_password_failures_and_lockout_are_audited_without_the_typed_name(
    world: World, three_tries: None
) -> None:
    client = Client(REMOTE_ADDR="192.0.2.30")
    for _ in range(3):
        client.post(reverse("accounts:login"), {"username": "alice", "password": "wrong guess"})
    client.post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD})
    client.post(reverse("accounts:login"), {"username": "my password 123", "password": "x"})

    assert _totp_events("user.login_failed") == [
        {"known_account": True, "reason": "wrong"},
        {"known_account": True, "reason": "wrong"},
        {"known_account": True, "reason": "wrong"},
        {"known_account": True, "reason": "locked"},
        {"known_account": False, "reason": "locked"},  # the client is locked too
    ]
    assert _totp_events("user.login_lockout") == [
        {"known_account": True, "failures": 3, "minutes": 15}
    ]
    dump = repr(list(AuditEvent.objects.values()))
    assert "my password 123" not in dump
