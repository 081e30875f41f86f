"""A production-mode Hotline as docs/production.md sets it up, for the deployment tests."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hotline.routing.federation.keys import generate_private_key, private_key_to_pem

ROOT = Path(__file__).resolve().parents[2]
SERVER_NAME = "hotline.example.test"


def production_env(directory: Path, **extra: str) -> dict[str, str]:
    """The environment of a production instance under ``directory`` (SQLite, own key files)."""
    directory.mkdir(parents=True, exist_ok=True)
    key_file = directory / "federation-key.pem"
    if not key_file.exists():
        key_file.write_text(private_key_to_pem(generate_private_key()), encoding="ascii")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "HOTLINE_MODE": "production",
            "HOTLINE_SECRET_KEY": secrets.token_urlsafe(48),
            "HOTLINE_ALLOWED_HOSTS": SERVER_NAME,
            "HOTLINE_VAR_DIR": str(directory),
            "HOTLINE_DATABASE_URL": f"sqlite:///{directory / 'hotline.sqlite3'}",
            "HOTLINE_FEDERATION_PRIVATE_KEY_FILE": str(key_file),
            # One Ed25519 key serves both here; a real instance keeps two.
            "HOTLINE_AUDIT_SIGNING_KEY_FILE": str(key_file),
            "HOTLINE_LOG_LEVEL": "WARNING",
            **extra,
        }
    )
    return env


def hotline(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hotline.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``hotline collectstatic`` output of this release, made once (it takes a while)."""
    directory = tmp_path_factory.mktemp("collected")
    done = hotline("collectstatic", "--noinput", "--verbosity", "0", env=production_env(directory))
    assert done.returncode == 0, done.stderr
    return directory / "static"


def install_static(collected: Path, directory: Path) -> Path:
    """Put the collected files where the instance under ``directory`` serves them from."""
    target = directory / "static"
    shutil.copytree(collected, target)
    return target
