"""Real DNS and proxy software from Debian, run for the feeds tests on 127.0.0.1 only.

* ``bind_pair``: a BIND primary that serves our RPZ zone file (and a small ``example.test``
  world), and a second BIND, a recursive resolver, that takes the RPZ as a secondary over
  AXFR/IXFR signed with TSIG and applies it with ``response-policy``. The resolver forwards
  everything to the primary, and its root hints point at loopback: nothing leaves the machine.
* ``squid``: Squid with our ``external_acl_type`` helper.

Each runs unprivileged (as ``nobody`` when the tests run as root), with its configuration in a
temporary directory, on free high ports, and is stopped in a ``finally``.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

TSIG_NAME = "hotline-xfr"
WORLD = {"ok": "192.0.2.10", "shop": "192.0.2.20", "www.shop": "192.0.2.21", "stop": "192.0.2.80"}


def free_port() -> int:
    """A port free for both TCP and UDP on 127.0.0.1 (DNS needs both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = int(tcp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind(("127.0.0.1", port))
                except OSError:
                    continue
            return port
    raise RuntimeError("no free port on 127.0.0.1")


def shared_directory(prefix: str) -> Path:
    """A temporary directory the unprivileged server user can read and write."""
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    directory.chmod(0o777)
    return directory


def _as_unprivileged() -> list[str]:
    return ["-u", "nobody"] if os.geteuid() == 0 else []


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass(frozen=True)
class Answer:
    status: str
    records: list[tuple[str, str, str]]  # (name, type, data)


def dig(port: int, name: str, rdtype: str = "A") -> Answer:
    """Ask a server on 127.0.0.1:``port`` with Debian's dig."""
    output = subprocess.run(
        [
            "dig",
            "@127.0.0.1",
            "-p",
            str(port),
            "+tries=1",
            "+time=2",
            "+noall",
            "+comments",
            "+answer",
            name,
            rdtype,
        ],
        capture_output=True,
        text=True,
        timeout=15,
        check=False,
    ).stdout
    status = re.search(r"status: (\w+)", output)
    records = []
    for line in output.splitlines():
        if line and not line.startswith(";"):
            parts = line.split()
            records.append((parts[0], parts[3], parts[4]))
    return Answer(status.group(1) if status else "NO ANSWER", records)


def wait_until(predicate: object, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


@dataclass
class BindPair:
    directory: Path
    primary_port: int
    resolver_port: int
    control_port: int
    rndc_key: Path

    def reload_command(self, zone: str) -> str:
        return f"rndc -s 127.0.0.1 -p {self.control_port} -k {self.rndc_key} reload {zone}"

    def logs(self) -> str:
        return "\n".join(
            f"--- {log.name}\n{log.read_text(errors='replace')[-4000:]}"
            for log in sorted(self.directory.glob("*.log"))
        )


def _key(name: str) -> str:
    secret = base64.b64encode(secrets.token_bytes(32)).decode()
    return f'key "{name}" {{\n\talgorithm hmac-sha256;\n\tsecret "{secret}";\n}};\n'


@contextmanager
def bind_pair(zone_file: Path, zone: str) -> Iterator[BindPair]:
    """A primary serving ``zone_file`` as ``zone`` and a resolver using it as RPZ over TSIG."""
    directory = shared_directory("hotline-bind-")
    primary_port, resolver_port, control_port = free_port(), free_port(), free_port()
    tsig, rndc_key = directory / "tsig.key", directory / "rndc.key"
    tsig.write_text(_key(TSIG_NAME))
    rndc_key.write_text(_key("hotline-rndc"))
    world = directory / "world.zone"
    world.write_text(
        "$ORIGIN example.test.\n$TTL 5\n"
        "@ IN SOA localhost. hostmaster.example.test. 1 3600 600 604800 5\n@ IN NS localhost.\n"
        + "".join(f"{name} IN A {address}\n" for name, address in WORLD.items())
    )
    hints = directory / "root.hints"
    hints.write_text(". 3600000 NS a.root.invalid.\na.root.invalid. 3600000 A 127.0.0.1\n")
    for name in ("primary", "resolver"):
        (directory / name).mkdir()
        (directory / name).chmod(0o777)
    common = "listen-on-v6 { none; }; dnssec-validation no; pid-file none;"
    (directory / "primary.conf").write_text(
        f'include "{tsig}";\ninclude "{rndc_key}";\n'
        f'options {{ directory "{directory}/primary"; listen-on port {primary_port}'
        f" {{ 127.0.0.1; }}; {common} recursion no; notify explicit; notify-delay 0; }};\n"
        f"controls {{ inet 127.0.0.1 port {control_port} allow {{ 127.0.0.1; }}"
        ' keys { "hotline-rndc"; }; };\n'
        f'zone "{zone}" {{ type primary; file "{zone_file}"; ixfr-from-differences yes;'
        f' allow-transfer {{ key "{TSIG_NAME}"; }}; also-notify {{ 127.0.0.1 port'
        f" {resolver_port}; }}; }};\n"
        f'zone "example.test" {{ type primary; file "{world}"; allow-transfer {{ none; }}; }};\n'
    )
    (directory / "resolver.conf").write_text(
        f'include "{tsig}";\nserver 127.0.0.1 {{ keys {{ "{TSIG_NAME}"; }}; }};\n'
        f'options {{ directory "{directory}/resolver"; listen-on port {resolver_port}'
        f" {{ 127.0.0.1; }}; {common} recursion yes; allow-query {{ 127.0.0.1; }};"
        f" forward only; forwarders {{ 127.0.0.1 port {primary_port}; }};"
        f' response-policy {{ zone "{zone}"; }} qname-wait-recurse no; }};\n'
        "controls { };\n"
        f'zone "." {{ type hint; file "{hints}"; }};\n'
        f'zone "{zone}" {{ type secondary; file "rpz.db"; primaries {{ 127.0.0.1 port'
        f' {primary_port} key "{TSIG_NAME}"; }}; allow-query {{ localhost; }}; }};\n'
    )
    for path in directory.iterdir():
        if path.is_file():
            path.chmod(0o644)
    processes: list[subprocess.Popen[bytes]] = []
    pair = BindPair(directory, primary_port, resolver_port, control_port, rndc_key)
    try:
        for name in ("primary", "resolver"):
            log = (directory / f"{name}.log").open("wb")
            processes.append(
                subprocess.Popen(
                    ["named", "-g", "-c", str(directory / f"{name}.conf"), *_as_unprivileged()],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
            log.close()
        wait_until(
            lambda: (
                dig(resolver_port, zone, "SOA").status == "NOERROR"
                and dig(resolver_port, "ok.example.test").status == "NOERROR"
            ),
            timeout=30,
            what="the resolver to load the response-policy zone",
        )
        yield pair
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{pair.logs()}") from None
    finally:
        for process in processes:
            _stop(process)
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def squid(
    *, helper_command: str, hosts: dict[str, str], deny_info: str
) -> Iterator[tuple[int, Path]]:
    """Squid on a free port with our helper; ``hosts`` is its only name resolution."""
    directory = shared_directory("hotline-squid-")
    port = free_port()
    (directory / "hosts").write_text(
        "".join(f"{address} {name}\n" for name, address in hosts.items())
    )
    user = "cache_effective_user nobody\n" if os.geteuid() == 0 else ""
    (directory / "squid.conf").write_text(
        f"http_port 127.0.0.1:{port}\n"
        f"pid_filename {directory}/squid.pid\n"
        f"cache_log {directory}/cache.log\n"
        f"access_log stdio:{directory}/access.log\n"
        f"coredump_dir {directory}\n"
        f"hosts_file {directory}/hosts\n"
        "dns_nameservers 127.0.0.1\n"
        "cache deny all\ncache_mem 8 MB\npinger_enable off\nshutdown_lifetime 0 seconds\n"
        f"{user}"
        "external_acl_type hotline_block ttl=0 negative_ttl=0 concurrency=20 children-max=1"
        f" children-startup=1 %URI {helper_command}\n"
        "acl hotline_blocked external hotline_block\n"
        f"deny_info {deny_info} hotline_blocked\n"
        "http_access deny hotline_blocked\n"
        "http_access allow localhost\n"
        "http_access deny all\n"
    )
    log = (directory / "squid.out").open("wb")
    process = subprocess.Popen(
        ["squid", "-N", "-f", str(directory / "squid.conf")], stdout=log, stderr=subprocess.STDOUT
    )
    log.close()

    def listening() -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", port)) == 0

    try:
        wait_until(listening, timeout=30, what="squid to listen")
        yield port, directory
    except AssertionError as exc:
        cache_log = (directory / "cache.log").read_text(errors="replace")[-4000:]
        raise AssertionError(f"{exc}\n{cache_log}") from None
    finally:
        _stop(process)
        shutil.rmtree(directory, ignore_errors=True)
