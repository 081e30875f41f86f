"""Starting real Hotline processes (workers, servers) against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
_LOGS: dict[int, Any] = {}


def database_url() -> str:
    """The URL of the database the current test runs on, for a child process."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or "postgres"
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{settings['NAME']}"


def child_env(**extra: Any) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env.update(
        {
            "HOTLINE_DATABASE_URL": database_url(),
            "HOTLINE_VAR_DIR": str(ROOT / "var"),
            "HOTLINE_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


def start_hotline(*args: str, **env: Any) -> subprocess.Popen[bytes]:
    """Start ``hotline <args>`` as a separate process on the test database."""
    # A file, not a pipe: a chatty child never blocks on it. Closed by stop().
    log = tempfile.TemporaryFile()  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "hotline.cli", *args],
        cwd=ROOT,
        env=child_env(**env),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    _LOGS[process.pid] = log
    return process


def wait_for(
    predicate: Callable[[], Any], *, timeout: float = 30.0, what: str = "condition"
) -> Any:
    """Poll until ``predicate`` returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def stop(process: subprocess.Popen[bytes]) -> str:
    """Terminate a child and return what it printed (for failure messages)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    log = _LOGS.pop(process.pid, None)
    if log is None:
        return ""
    with log:
        log.seek(0)
        return log.read().decode(errors="replace")
