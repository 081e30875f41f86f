"""Live Hotline instances for tests: each with its own SQLite file, key, port and processes.

An ``Instance`` is one hotline as its administrator would run it, on 127.0.0.1 only: its own
``HOTLINE_*`` environment (country, name, base URL, database, federation key file), its own
``hotline`` commands (``migrate``, ``federation ...``, scripts through ``hotline shell -c``),
and a web server plus a worker that deliver its outbox. Tests drive it through commands and
HTTP, and read its database directly (SQLite) to poll cheaply for what they wait on.

Every process started here is stopped by ``Instance.stop`` (call it in ``finally``).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from hotline.routing.federation.keys import (
    generate_private_key,
    key_id_for,
    private_key_to_pem,
    public_key_to_text,
)
from tests.processes import wait_for

ROOT = Path(__file__).resolve().parent.parent
COMMAND_TIMEOUT = 60


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Instance:
    """One Hotline instance under ``directory``; nothing of it lives anywhere else."""

    name: str
    country: str
    directory: Path
    port: int = field(default_factory=free_port)
    extra_env: dict[str, str] = field(default_factory=dict)
    key_id: str = field(init=False)
    public_key: str = field(init=False)
    _processes: list[subprocess.Popen[bytes]] = field(default_factory=list, init=False)
    _logs: list[IO[bytes]] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        key = generate_private_key()
        descriptor = os.open(self.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(private_key_to_pem(key))
        self.key_id = key_id_for(key.public_key())
        self.public_key = public_key_to_text(key.public_key())

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database(self) -> Path:
        return self.directory / "hotline.sqlite3"

    @property
    def key_file(self) -> Path:
        return self.directory / "federation-key.pem"

    def env(self) -> dict[str, str]:
        """The instance's environment: ours, minus any HOTLINE_* of the test process."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
        env.update(
            {
                "PYTHONPATH": str(ROOT),
                "DJANGO_SETTINGS_MODULE": "hotline.settings",
                "HOTLINE_VAR_DIR": str(self.directory),
                "HOTLINE_DATABASE_URL": f"sqlite:///{self.database}",
                "HOTLINE_COUNTRY": self.country,
                "HOTLINE_INSTANCE_NAME": self.name,
                "HOTLINE_BASE_URL": self.base_url,
                "HOTLINE_FEDERATION_PRIVATE_KEY_FILE": str(self.key_file),
                "HOTLINE_HOSTING_STATIC_TABLES": "demo",
                "HOTLINE_LOG_LEVEL": "WARNING",
                **self.extra_env,
            }
        )
        return env

    # --- commands ---------------------------------------------------------------------------

    def popen(self, *args: str) -> subprocess.Popen[bytes]:
        """Start ``hotline <args>`` for this instance, its output collected in a pipe."""
        return subprocess.Popen(
            [sys.executable, "-m", "hotline.cli", *args],
            cwd=ROOT,
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )

    def command(self, *args: str) -> str:
        """Run ``hotline <args>`` to the end; its output, or an AssertionError showing it."""
        return finish(self.popen(*args), f"{self.name}: hotline {' '.join(args[:2])}")

    def script(self, code: str, **values: Any) -> Any:
        """Run Python in the instance (``hotline shell -c``) with ``values`` bound as JSON.

        The script's last printed line is parsed as JSON and returned (None if it printed
        nothing).
        """
        return parse_script_output(self.command(*script_args(code, **values)))

    # --- processes --------------------------------------------------------------------------

    def start(self, *, worker_interval: float = 0.1) -> None:
        """Start the web server and one worker; return once the web server answers."""
        self._spawn("run", "--bind", f"127.0.0.1:{self.port}", "--no-worker", "--no-scheduler")
        self._spawn("worker", "--interval", str(worker_interval))
        wait_for(self._healthy, timeout=30, what=f"{self.name} to answer on {self.base_url}")

    def _spawn(self, *args: str) -> None:
        log = (self.directory / f"{args[0]}.log").open("ab")
        self._logs.append(log)
        self._processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "hotline.cli", *args],
                cwd=ROOT,
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )

    def _healthy(self) -> bool:
        for process in self._processes:
            if process.poll() is not None:
                raise AssertionError(f"{self.name}: a process exited early\n{self.logs()}")
        try:
            with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        """Stop the web server and worker (gracefully, then by force); logs stay on disk."""
        for process in self._processes:
            if process.poll() is None:
                process.terminate()
        for process in self._processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._processes.clear()
        for log in self._logs:
            log.close()
        self._logs.clear()

    def logs(self) -> str:
        """What the web server and worker printed, for failure messages."""
        parts = []
        for path in sorted(self.directory.glob("*.log")):
            text = path.read_text(encoding="utf-8", errors="replace")
            parts.append(f"--- {self.name} {path.name}\n{text[-6000:]}")
        return "\n".join(parts)

    # --- reading its database ---------------------------------------------------------------

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Rows of a read-only SQL query on the instance's database (it may be running)."""
        with contextlib.closing(sqlite3.connect(self.database, timeout=10)) as connection:
            return connection.execute(sql, params).fetchall()

    def value(self, sql: str, *params: Any) -> Any:
        """The first column of the first row, or None."""
        rows = self.query(sql, *params)
        return rows[0][0] if rows else None


def script_args(code: str, **values: Any) -> list[str]:
    """``hotline`` arguments that run ``code`` with ``values`` bound (given as JSON)."""
    prelude = "".join(
        f"{name} = json.loads({json.dumps(json.dumps(v))})\n" for name, v in values.items()
    )
    return [
        "shell",
        "--verbosity",
        "0",
        "--command",
        "import json\n" + prelude + textwrap.dedent(code),
    ]


def parse_script_output(output: str) -> Any:
    lines = output.strip().splitlines()
    return json.loads(lines[-1]) if lines else None


def finish(process: subprocess.Popen[bytes], what: str) -> str:
    """Wait for a command; its output, or an AssertionError that shows it."""
    try:
        output, _ = process.communicate(timeout=COMMAND_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        raise AssertionError(
            f"{what} took longer than {COMMAND_TIMEOUT}s:\n{output.decode()}"
        ) from None
    text = output.decode(errors="replace")
    if process.returncode != 0:
        raise AssertionError(f"{what} failed ({process.returncode}):\n{text}")
    return text


def in_parallel(*runs: tuple[Instance, list[str]]) -> list[str]:
    """Run one ``hotline`` command per instance at the same time; their outputs, in order."""
    started = [(instance, args, instance.popen(*args)) for instance, args in runs]
    outputs: list[str] = []
    failures: list[str] = []
    for instance, args, process in started:  # wait for all before judging any
        try:
            outputs.append(finish(process, f"{instance.name}: hotline {' '.join(args[:2])}"))
        except AssertionError as failure:
            failures.append(str(failure))
    if failures:
        raise AssertionError("\n".join(failures))
    return outputs
