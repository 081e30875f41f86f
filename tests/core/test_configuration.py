from __future__ import annotations

import subprocess
import sys

import pytest

from tests.processes import ROOT, child_env

PRODUCTION_OK = {
    "HOTLINE_MODE": "production",
    "HOTLINE_FEDERATION_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n-----END PRIVATE KEY-----",
    "HOTLINE_AUDIT_SIGNING_KEY": "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n-----END PRIVATE KEY-----",
    "HOTLINE_SECRET_KEY": "s" * 20 + "0123456789abcdefghijklmnopqrstuvwxyz!@#$",
    "HOTLINE_ALLOWED_HOSTS": "hotline.example.test",
}


def _hotline(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = child_env()
    full_env.pop("HOTLINE_DATABASE_URL")
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "hotline.cli", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "HOTLINE_DEBUG",
            "maybe",
            "HOTLINE_DEBUG: expected true or false (1/0, yes/no, on/off), got 'maybe'",
        ),
        (
            "HOTLINE_SESSION_HOURS",
            "eight",
            "HOTLINE_SESSION_HOURS: expected a whole number, got 'eight'",
        ),
        (
            "HOTLINE_SESSION_HOURS",
            "0",
            "HOTLINE_SESSION_HOURS: expected a whole number >= 1, got 0",
        ),
        (
            "HOTLINE_COUNTRY",
            "France",
            "HOTLINE_COUNTRY: expected an ISO 3166-1 alpha-2 country code such as FR, got 'FRANCE'",
        ),
        (
            "HOTLINE_MODE",
            "prod",
            "HOTLINE_MODE: expected one of development, production, test, got 'prod'",
        ),
    ],
)
def test_bad_configuration_is_one_clear_line(variable: str, value: str, message: str) -> None:
    result = _hotline("check", **{variable: value})

    assert result.returncode == 2
    assert result.stderr == f"hotline: configuration error: {message}\n"


def test_secret_from_unreadable_file_names_the_variable() -> None:
    result = _hotline("check", HOTLINE_SECRET_KEY_FILE="/nonexistent/secret")

    assert result.returncode == 2
    assert result.stderr == (
        "hotline: configuration error: HOTLINE_SECRET_KEY_FILE: cannot read /nonexistent/secret "
        "(No such file or directory); expected a readable file\n"
    )


def test_production_refuses_unsafe_configuration() -> None:
    result = _hotline("check", HOTLINE_MODE="production", HOTLINE_DEBUG="1", HOTLINE_DEMO="1")

    assert result.returncode == 1
    for error_id in (
        "hotline.E001",
        "hotline.E002",
        "hotline.E003",
        "hotline.E004",
        "hotline.E005",
        "hotline.E014",
    ):
        assert error_id in result.stderr


# A safe production configuration passing `check --deploy` needs its collected static files:
# tests/deploy/test_checks.py::test_a_complete_release_passes runs collectstatic and checks it.
