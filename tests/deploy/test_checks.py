"""`hotline check --deploy --fail-level WARNING` refuses what would break or weaken a release."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.deploy.conftest import hotline, install_static, production_env

pytestmark = pytest.mark.slow

PROXIED = {"HOTLINE_BEHIND_PROXY": "1", "HOTLINE_TRUSTED_PROXIES": "127.0.0.1"}


def _check(env: dict[str, str]) -> tuple[int, list[str]]:
    done = hotline("check", "--deploy", "--fail-level", "WARNING", env=env)
    ids = sorted(
        {word.strip("():") for word in done.stderr.split() if word.startswith("(hotline.")}
    )
    return done.returncode, ids


def test_a_complete_release_passes(tmp_path: Path, collected_static: Path) -> None:
    install_static(collected_static, tmp_path)

    assert _check(production_env(tmp_path, **PROXIED)) == (0, [])
    done = hotline("check", "--deploy", "--fail-level", "WARNING", env=production_env(tmp_path))
    assert done.stdout == "System check identified no issues (0 silenced).\n", done.stderr


def test_missing_collectstatic_fails(tmp_path: Path) -> None:
    assert _check(production_env(tmp_path, **PROXIED)) == (1, ["hotline.E010"])


def test_collectstatic_of_an_older_release_fails(tmp_path: Path, collected_static: Path) -> None:
    static = install_static(collected_static, tmp_path)
    manifest = json.loads((static / "staticfiles.json").read_text())
    del manifest["paths"]["hotline/hotline.css"]
    (static / "staticfiles.json").write_text(json.dumps(manifest))

    assert _check(production_env(tmp_path, **PROXIED)) == (1, ["hotline.E011"])


def test_any_host_fails(tmp_path: Path, collected_static: Path) -> None:
    install_static(collected_static, tmp_path)
    env = production_env(tmp_path, HOTLINE_ALLOWED_HOSTS="hotline.example.test,*", **PROXIED)

    assert _check(env) == (1, ["hotline.E012"])


def test_proxy_without_trusted_proxy_addresses_fails(
    tmp_path: Path, collected_static: Path
) -> None:
    install_static(collected_static, tmp_path)

    assert _check(production_env(tmp_path, HOTLINE_BEHIND_PROXY="1")) == (1, ["hotline.E013"])


def test_trusting_every_address_is_a_failing_warning(
    tmp_path: Path, collected_static: Path
) -> None:
    install_static(collected_static, tmp_path)
    env = production_env(tmp_path, HOTLINE_BEHIND_PROXY="1", HOTLINE_TRUSTED_PROXIES="0.0.0.0/0")

    assert _check(env) == (1, ["hotline.W014"])


def test_an_audit_origin_no_checkpoint_can_carry_is_a_failing_warning(
    tmp_path: Path, collected_static: Path
) -> None:
    install_static(collected_static, tmp_path)
    env = production_env(
        tmp_path, HOTLINE_AUDIT_LOG_ORIGIN="https://hotline.example.test/audit+log", **PROXIED
    )

    assert _check(env) == (1, ["hotline.W015"])


def test_a_bad_trusted_proxy_is_named(tmp_path: Path) -> None:
    done = hotline("check", env=production_env(tmp_path, HOTLINE_TRUSTED_PROXIES="lb.example.test"))

    assert done.returncode == 2
    assert done.stderr.strip() == (
        "hotline: configuration error: HOTLINE_TRUSTED_PROXIES: expected IP addresses or "
        "networks such as 127.0.0.1 or 10.0.0.0/8, got 'lb.example.test'"
    )
