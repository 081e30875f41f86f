"""The documented production layout, for real: nginx (deploy/nginx/hotline.conf.template,
rendered as docs/production.md says) terminating TLS in front of `hotline run` in production
mode. HTTPS is served without a redirect loop, HTTP redirects once, HSTS and the security
headers reach the client, static files come from nginx, and the client address the app sees
is the one nginx forwarded, never an X-Forwarded-For the client wrote."""

from __future__ import annotations

import datetime
import http.client
import json
import os
import re
import shutil
import socket
import ssl
import string
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.conftest import skip_unless_ci
from tests.deploy.conftest import ROOT, SERVER_NAME, hotline, install_static, production_env
from tests.instances import Instance, free_port
from tests.processes import wait_for

pytestmark = pytest.mark.slow

TEMPLATE = ROOT / "deploy" / "nginx" / "hotline.conf.template"
LOCKED = "Too many failed sign-ins"


def _certificate(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, SERVER_NAME)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(SERVER_NAME)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def render_site(values: dict[str, str]) -> str:
    """The site file as the docs render it: HOTLINE_* replaced, nginx's own $variables kept."""
    rendered = string.Template(TEMPLATE.read_text()).safe_substitute(values)
    active = "\n".join(line for line in rendered.splitlines() if not line.lstrip().startswith("#"))
    assert "${HOTLINE_" not in active
    return rendered


@dataclass
class Site:
    https_port: int
    http_port: int
    app: Instance
    cert: Path
    static: Path

    def request(
        self,
        method: str,
        path: str,
        *,
        source: str = "127.0.0.1",
        headers: dict[str, str] | None = None,
        body: str | None = None,
        tls: bool = True,
    ) -> tuple[http.client.HTTPResponse, str]:
        """One request to nginx from ``source`` (a loopback address), by name, with SNI."""
        connection: http.client.HTTPConnection
        if tls:
            context = ssl.create_default_context(cafile=str(self.cert))
            connection = _PinnedHTTPS(SERVER_NAME, self.https_port, context=context, timeout=20)
        else:
            connection = _PinnedHTTP(SERVER_NAME, self.http_port, timeout=20)
        connection.source_address = (source, 0)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response, response.read().decode(errors="replace")
        finally:
            connection.close()


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to 127.0.0.1 whatever the host name (no DNS), keeping the name in Host."""

    def connect(self) -> None:
        self.sock = socket.create_connection(
            ("127.0.0.1", self.port), self.timeout, self.source_address
        )


class _PinnedHTTPS(http.client.HTTPSConnection):
    def connect(self) -> None:
        raw = socket.create_connection(("127.0.0.1", self.port), self.timeout, self.source_address)
        self.sock = self._context.wrap_socket(raw, server_hostname=SERVER_NAME)  # type: ignore[attr-defined]


def _nginx_main_config(directory: Path, site: Path) -> Path:
    """nginx.conf of a private nginx: own prefix, pid, logs and temp paths, the site included."""
    run_as = "user root;\n" if os.geteuid() == 0 else ""
    temp = {name: directory / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir()
    config = directory / "nginx.conf"
    config.write_text(
        f"""daemon off;
{run_as}worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log info;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {directory}/access.log;
    client_body_temp_path {temp["client_body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {site};
}}
"""
    )
    return config


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, collected_static: Path) -> Iterator[Site]:
    tmp_path = tmp_path_factory.mktemp("site")
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if nginx is None:
        skip_unless_ci("nginx is not installed (apt-get install nginx)")
    assert nginx is not None
    https_port, http_port = free_port(), free_port()
    app_dir = tmp_path / "hotline"
    app = Instance("Hotline behind nginx", "FR", app_dir)  # writes the federation key
    env = production_env(
        app_dir,
        HOTLINE_ALLOWED_HOSTS=f"{SERVER_NAME},127.0.0.1",
        HOTLINE_BASE_URL=f"https://{SERVER_NAME}:{https_port}",
        HOTLINE_BEHIND_PROXY="1",
        HOTLINE_TRUSTED_PROXIES="127.0.0.1",
        HOTLINE_LOGIN_MAX_FAILURES="3",
    )
    static = install_static(collected_static, app_dir)
    app.extra_env = {k: v for k, v in env.items() if k.startswith("HOTLINE_")}
    app.extra_env["HOTLINE_FEDERATION_PRIVATE_KEY_FILE"] = str(app.key_file)
    migrated = hotline("migrate", "--verbosity", "0", env=app.env())
    assert migrated.returncode == 0, migrated.stderr
    checked = hotline("check", "--deploy", "--fail-level", "WARNING", env=app.env())
    assert checked.returncode == 0, checked.stderr

    nginx_dir = tmp_path / "nginx"
    nginx_dir.mkdir()
    cert, key = _certificate(nginx_dir)
    site_file = nginx_dir / "hotline.conf"
    site_file.write_text(
        render_site(
            {
                "HOTLINE_SERVER_NAME": SERVER_NAME,
                "HOTLINE_HTTP_PORT": str(http_port),
                "HOTLINE_HTTPS_PORT": str(https_port),
                "HOTLINE_TLS_CERTIFICATE": str(cert),
                "HOTLINE_TLS_CERTIFICATE_KEY": str(key),
                "HOTLINE_STATIC_ROOT": str(static),
                "HOTLINE_UPSTREAM": f"127.0.0.1:{app.port}",
            }
        )
    )
    config = _nginx_main_config(nginx_dir, site_file)
    command = [nginx, "-p", str(nginx_dir), "-c", str(config), "-e", str(nginx_dir / "error.log")]
    tested = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
    assert tested.returncode == 0, tested.stderr
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        app.start()
        wait_for(lambda: _accepts(https_port) and _accepts(http_port), what="nginx to listen")
        yield Site(https_port, http_port, app, cert, static)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        app.stop()


def test_https_is_served_with_hsts_and_security_headers(site: Site) -> None:
    response, body = site.request("GET", "/staff/login/")

    assert response.status == 200, body[-2000:] + site.app.logs()
    assert response.getheader("Strict-Transport-Security") == (
        "max-age=31536000; includeSubDomains; preload"
    )
    assert response.getheader("Content-Security-Policy", "").startswith("default-src 'self'")
    assert response.getheader("X-Frame-Options") == "DENY"
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert response.getheader("Referrer-Policy") == "same-origin"
    assert response.getheader("Server") == "nginx"
    cookie = response.getheader("Set-Cookie", "")
    assert "csrftoken=" in cookie
    assert "Secure" in cookie
    assert "Max-Age" not in cookie


def test_http_redirects_once_to_https(site: Site) -> None:
    response, _body = site.request("GET", "/report/online/?lang=fr", tls=False)
    followed, _ = site.request("GET", "/report/online/?lang=fr")

    assert response.status == 301
    assert response.getheader("Location") == f"https://{SERVER_NAME}/report/online/?lang=fr"
    assert followed.status == 200


def test_static_files_come_from_nginx(site: Site) -> None:
    manifest = json.loads((site.static / "staticfiles.json").read_text())
    hashed = manifest["paths"]["hotline/hotline.css"]
    # A file written after the app started: its static file handler does not know it (no
    # autorefresh in production), so only nginx reading the disk can serve it.
    (site.static / "probe-written-after-start.txt").write_text("served by nginx")

    css, css_body = site.request("GET", f"/static/{hashed}")
    probe, probe_body = site.request("GET", "/static/probe-written-after-start.txt")
    from_app = http.client.HTTPConnection("127.0.0.1", site.app.port, timeout=10)
    from_app.request(
        "GET",
        "/static/probe-written-after-start.txt",
        headers={"Host": SERVER_NAME, "X-Forwarded-Proto": "https"},
    )
    app_status = from_app.getresponse().status
    from_app.close()

    assert (css.status, probe.status, probe_body) == (200, 200, "served by nginx")
    assert ".staff" in css_body or "body" in css_body
    assert css.getheader("Strict-Transport-Security") == (
        "max-age=31536000; includeSubDomains; preload"
    )
    assert css.getheader("X-Content-Type-Options") == "nosniff"
    assert app_status == 404


def _failed_login(site: Site, source: str, username: str, spoofed: str) -> str:
    """A sign-in with a wrong password from ``source`` claiming to be ``spoofed``."""
    page, html = site.request("GET", "/staff/login/", source=source)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    cookie = (page.getheader("Set-Cookie") or "").split(";", 1)[0]
    assert token is not None, html[-2000:]
    assert cookie.startswith("csrftoken=")
    origin = f"https://{SERVER_NAME}:{site.https_port}"
    _response, body = site.request(
        "POST",
        "/staff/login/",
        source=source,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie,
            "Origin": origin,
            "Referer": f"{origin}/staff/login/",
            "X-Forwarded-For": spoofed,
            "X-Real-IP": spoofed,
            "Forwarded": f"for={spoofed}",
        },
        body=urlencode(
            {
                "csrfmiddlewaretoken": token.group(1),
                "username": username,
                "password": "not the password",
            }
        ),
    )
    assert "Please enter a correct" in body or LOCKED in body, body[-3000:]
    return body


def test_the_app_sees_the_client_address_nginx_forwarded_not_a_spoofed_one(site: Site) -> None:
    # Three failures from 127.0.0.2 under three names, each claiming another address: only
    # the per-client counter can lock the fourth, and only if it counts 127.0.0.2.
    for n in range(3):
        _failed_login(site, "127.0.0.2", f"nobody{n}", f"203.0.113.{n + 1}")
    locked = _failed_login(site, "127.0.0.2", "nobody3", "203.0.113.9")
    # Another client is not locked, even claiming to be 127.0.0.2: so the app keys on the
    # address nginx saw, neither on nginx's own 127.0.0.1 nor on what the client wrote.
    other = _failed_login(site, "127.0.0.3", "nobody4", "127.0.0.2")

    assert LOCKED in locked
    assert LOCKED not in other
