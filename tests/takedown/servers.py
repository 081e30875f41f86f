"""Real local servers for the liveness checker tests, all on 127.0.0.1 and nothing else.

- ``Origin``: an HTTP (or, with a certificate, HTTPS) server with the routes the tests need:
  statuses, redirects, slow and dribbling answers, garbage, an endless body.
- ``ConnectProxy``: an HTTP ``CONNECT`` proxy that only tunnels to loopback.
- ``RecordingResolver`` / ``RecordingConnector``: the checker's injection points, recording
  every call; the connector refuses (``AssertionError``) anything but loopback, so no test
  can reach the internet even if the checker were wrong.
- ``TestPki``: a throw-away certificate authority and a certificate for ``site.example.test``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import selectors
import socket
import socketserver
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

PAGE = b"<p>synthetic test page</p>"
BODY_MARKER = b"SYNTHETIC-BODY-MARKER"
ENDLESS_LENGTH = 100 * 1024 * 1024
STREAM_CHUNK = BODY_MARKER * 3000  # about 63 KB


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class Origin:
    """What the origin server saw; ``url`` is its base (``http://127.0.0.1:port``)."""

    url: str = ""
    port: int = 0
    requests: list[Received] = field(default_factory=list)
    server_names: list[str | None] = field(default_factory=list)  # TLS SNI, per handshake
    streamed_bytes: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def seen(self) -> list[tuple[str, str]]:
        """(method, path) of every request, in order."""
        with self.lock:
            return [(r.method, r.path) for r in self.requests]


class _OriginHandler(BaseHTTPRequestHandler):
    origin: Origin  # set on the subclass made per server

    def do_HEAD(self) -> None:
        self._route()

    def do_GET(self) -> None:
        self._route()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _route(self) -> None:
        with self.origin.lock:
            self.origin.requests.append(Received(self.command, self.path, dict(self.headers)))
        parts = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        segments = parts.path.strip("/").split("/")
        # The checker hangs up, as it should, after a few KB or at its deadline.
        with contextlib.suppress(OSError):
            self._answer(segments, query)

    def _answer(self, segments: list[str], query: dict[str, str]) -> None:
        name = segments[0]
        if name == "ok":
            self._send(200, PAGE)
        elif name == "status":
            self._send(int(segments[1]), b"synthetic status page")
        elif name == "no-head":
            self._send(405 if self.command == "HEAD" else 200, PAGE)
        elif name == "redirect":
            remaining = int(segments[1])
            if remaining == 0:
                self._send(200, PAGE)
            else:
                self._send(302, b"", location=f"/redirect/{remaining - 1}")
        elif name == "to":
            self._send(int(query.get("status", "302")), b"", location=query["location"])
        elif name == "no-location":
            self._send(302, b"")
        elif name == "slow":
            self.origin.stop.wait(5)
            self._send(200, PAGE)
        elif name == "dribble":
            self.wfile.write(b"HTTP/1.0 200 OK\r\nX-Slow: ")
            while not self.origin.stop.wait(0.05):
                self.wfile.write(b"a")
                self.wfile.flush()
        elif name == "garbage":
            self.wfile.write(b"this is not HTTP\r\n\r\n")
        elif name == "endless":
            self._endless()
        else:
            self._send(404, b"no such route")

    def _send(self, status: int, body: bytes, *, location: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        if location is not None:
            self.send_header("Location", location)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _endless(self) -> None:
        """HEAD is refused, so the checker falls back to GET; GET streams 100 MB."""
        if self.command == "HEAD":
            self._send(405, b"")
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(ENDLESS_LENGTH))
        self.end_headers()
        sent = 0
        while sent < ENDLESS_LENGTH and not self.origin.stop.is_set():
            self.wfile.write(STREAM_CHUNK)
            sent += len(STREAM_CHUNK)
            with self.origin.lock:
                self.origin.streamed_bytes = sent


class _TlsServer(ThreadingHTTPServer):
    """Wraps each accepted connection in TLS; the handshake runs in the handler thread."""

    context: ssl.SSLContext

    def get_request(self) -> tuple[Any, Any]:
        sock, peer = super().get_request()
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), peer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # failed handshakes are what some tests are about


@contextmanager
def running_origin(pki: TestPki | None = None) -> Iterator[Origin]:
    """An origin server on 127.0.0.1, HTTPS when ``pki`` is given, until the block ends."""
    origin = Origin()
    handler = type("Handler", (_OriginHandler,), {"origin": origin})
    if pki is None:
        httpd: ThreadingHTTPServer = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        scheme = "http"
    else:
        tls = _TlsServer(("127.0.0.1", 0), handler)
        tls.context = pki.server_context(origin.server_names)
        httpd, scheme = tls, "https"
    httpd.daemon_threads = True
    origin.port = httpd.server_address[1]
    origin.url = f"{scheme}://127.0.0.1:{origin.port}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01})
    thread.daemon = True
    thread.start()
    try:
        yield origin
    finally:
        origin.stop.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@dataclass
class ConnectProxy:
    """A ``CONNECT`` proxy; ``refuse`` answers 403 to every tunnel request."""

    url: str = ""
    port: int = 0
    refuse: bool = False
    tunnels: list[str] = field(default_factory=list)  # the authority of each CONNECT
    headers: list[dict[str, str]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)


class _ProxyHandler(socketserver.BaseRequestHandler):
    proxy: ConnectProxy

    def handle(self) -> None:
        client: socket.socket = self.request
        client.settimeout(2)
        head = bytearray()
        while not head.endswith(b"\r\n\r\n"):
            byte = client.recv(1)
            if not byte:
                return
            head += byte
        lines = head.decode("ascii").split("\r\n")
        method, authority, _ = lines[0].split(" ", 2)
        headers = dict(line.split(": ", 1) for line in lines[1:] if line)
        self.proxy.tunnels.append(authority)
        self.proxy.headers.append(headers)
        host, _, port = authority.rpartition(":")
        host = host.strip("[]")
        if method != "CONNECT" or self.proxy.refuse or not ipaddress.ip_address(host).is_loopback:
            client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        with socket.create_connection((host, int(port)), timeout=2) as upstream:
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            _relay(client, upstream, self.proxy.stop)


def _relay(one: socket.socket, other: socket.socket, stop: threading.Event) -> None:
    with selectors.DefaultSelector() as selector:
        selector.register(one, selectors.EVENT_READ, other)
        selector.register(other, selectors.EVENT_READ, one)
        while not stop.is_set():
            for key, _ in selector.select(timeout=0.05):
                source: socket.socket = key.fileobj  # type: ignore[assignment]
                try:
                    data = source.recv(65536)
                    if not data:
                        return
                    key.data.sendall(data)
                except OSError:
                    return


@contextmanager
def running_proxy(proxy: ConnectProxy | None = None) -> Iterator[ConnectProxy]:
    """A ``CONNECT`` proxy on 127.0.0.1 until the block ends."""
    proxy = proxy or ConnectProxy()
    handler = type("Handler", (_ProxyHandler,), {"proxy": proxy})
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    proxy.port = server.server_address[1]
    proxy.url = f"http://127.0.0.1:{proxy.port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01})
    thread.daemon = True
    thread.start()
    try:
        yield proxy
    finally:
        proxy.stop.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class RecordingResolver:
    """Answers from ``table``; an unknown name fails as DNS would. Records every question."""

    table: dict[str, list[str]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def __call__(self, host: str) -> list[str]:
        self.calls.append(host)
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return list(self.table[host])


class CountingSocket(socket.socket):
    """A TCP socket that counts the bytes the process read from it."""

    def __init__(self, family: int = socket.AF_INET, type: int = socket.SOCK_STREAM) -> None:
        super().__init__(family, type)
        self.received = 0

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        data = super().recv(bufsize, flags)
        self.received += len(data)
        return data

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        count = super().recv_into(buffer, nbytes, flags)
        self.received += count
        return count


@dataclass
class RecordingConnector:
    """Connects for the checker and records where it was asked to go.

    ``reroute`` sends every connection to that loopback (host, port) instead, for tests where
    the checker is told a public address. Only loopback is ever connected to.
    """

    calls: list[tuple[str, int]] = field(default_factory=list)
    sockets: list[CountingSocket] = field(default_factory=list)
    reroute: tuple[str, int] | None = None

    def __call__(self, host: str, port: int, timeout: float) -> socket.socket:
        self.calls.append((host, port))
        destination = self.reroute or (host, port)
        assert ipaddress.ip_address(destination[0]).is_loopback, destination
        family = socket.AF_INET6 if ":" in destination[0] else socket.AF_INET
        sock = CountingSocket(family)
        try:
            sock.settimeout(timeout)
            sock.connect(destination)
        except OSError:
            sock.close()
            raise
        self.sockets.append(sock)
        return sock


class TestPki:
    """A certificate authority and a server certificate for ``site.example.test``."""

    __test__ = False  # not a test class, whatever its name
    server_name = "site.example.test"

    def __init__(self, directory: Path) -> None:
        now = dt.datetime.now(tz=dt.UTC)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Hotline test CA")])
        ca = (
            x509.CertificateBuilder()
            .subject_name(ca_name)
            .issuer_name(ca_name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )
        key = ec.generate_private_key(ec.SECP256R1())
        leaf = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, self.server_name)]))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(
                x509.SubjectAlternativeName([x509.DNSName(self.server_name)]), critical=False
            )
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                critical=False,
            )
            .sign(ca_key, hashes.SHA256())
        )
        self.ca_file = directory / "ca.pem"
        self.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
        self.cert_file = directory / "site.pem"
        self.cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
        self.key_file = directory / "site.key"
        self.key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )

    def server_context(self, server_names: list[str | None]) -> ssl.SSLContext:
        """A server context that records the SNI name of every handshake in ``server_names``."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)

        def record(
            sock: ssl.SSLObject | ssl.SSLSocket, name: str | None, _: ssl.SSLContext
        ) -> None:
            server_names.append(name)

        context.sni_callback = record
        return context
