"""One HTTP request over a connection pinned to an IP address the checker has already checked.

The TCP connection goes to that address (or to the proxy, which is asked to ``CONNECT`` to
that address), never to a name the HTTP library would resolve again, so a DNS answer that
changes between the check and the connection (DNS rebinding) changes nothing. The ``Host``
header, the TLS server name (SNI) and certificate verification use the host name of the URL.

A ``Deadline`` bounds the whole check: every connect and read waits at most the smaller of its
own timeout and the time left, and a watchdog shuts the socket down when the time is up, so a
server that answers one byte at a time cannot hold the checker either.

A GET response body is read up to ``max_body_bytes`` and dropped; nothing of it is returned.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass

from hotline.takedown.liveness.addresses import IPAddress
from hotline.takedown.liveness.policy import FetchPolicy, Proxy
from hotline.takedown.liveness.results import Reason
from hotline.takedown.liveness.targets import Target

__all__ = ["Deadline", "ResponseHead", "TransportError", "request_once"]

MAX_PROXY_HEAD_BYTES = 16 * 1024
MAX_HEADER_VALUE = 255


class TransportError(Exception):
    """The request got no HTTP response; ``reason`` and ``detail`` say why.

    ``before_sending`` is true when the TCP connection to the address itself failed, so
    another address of the same host may be tried.
    """

    def __init__(self, reason: Reason, detail: str, *, before_sending: bool = False) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.before_sending = before_sending


@dataclass(frozen=True)
class ResponseHead:
    """What the checker keeps of a response: its status and three header values."""

    status: int
    location: str | None
    content_type: str | None
    content_length: int | None


class Deadline:
    """The end of the time allowed for a whole check."""

    def __init__(self, seconds: float) -> None:
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left, 0 when the time is up."""
        return max(0.0, self._end - time.monotonic())

    def cap(self, seconds: float) -> float:
        """``seconds`` or the time left, whichever is less; ``TransportError`` when none is."""
        remaining = self.remaining()
        if remaining <= 0:
            raise TransportError(Reason.DEADLINE, "The check ran out of time.")
        return min(seconds, remaining)


class _Watchdog:
    """Shuts the current socket down when the deadline passes, waking any blocked read."""

    def __init__(self, sock: socket.socket, seconds: float) -> None:
        self._sock = sock
        self._lock = threading.Lock()
        self.fired = False
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sock = sock

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            # The plain-socket shutdown, also for an SSLSocket: it acts on the descriptor and
            # leaves the TLS state to the thread that is reading.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(self._sock, socket.SHUT_RDWR)

    def stop(self) -> None:
        """Cancel, and wait for a shutdown in progress, before the socket may be closed."""
        self._timer.cancel()
        self._timer.join()


def request_once(
    target: Target,
    address: IPAddress,
    method: str,
    *,
    policy: FetchPolicy,
    deadline: Deadline,
    ssl_context: ssl.SSLContext,
) -> ResponseHead:
    """Send one ``method`` request for ``target`` to ``address``; the response head, or
    ``TransportError``. Redirects are not followed here."""
    proxy = policy.proxy_endpoint
    sock = _connect(target, address, proxy, policy, deadline)
    watchdog = _Watchdog(sock, deadline.remaining())
    connection: http.client.HTTPConnection | None = None
    response: http.client.HTTPResponse | None = None
    try:
        try:
            if proxy is not None:
                _open_tunnel(sock, address, target.port, proxy, policy, deadline)
            if target.scheme == "https":
                sock = ssl_context.wrap_socket(
                    sock, server_hostname=target.host, do_handshake_on_connect=False
                )
                watchdog.watch(sock)
                sock.settimeout(deadline.cap(policy.read_timeout))
                sock.do_handshake()
            sock.settimeout(deadline.cap(policy.read_timeout))
            connection = http.client.HTTPConnection(str(address), target.port)
            connection.sock = sock
            connection.putrequest(
                method, target.request_target, skip_host=True, skip_accept_encoding=True
            )
            for name, value in (
                ("Host", target.host_header),
                ("User-Agent", policy.user_agent),
                ("Accept", "*/*"),
                ("Accept-Encoding", "identity"),
                ("Connection", "close"),
            ):
                connection.putheader(name, value)
            connection.endheaders()
            response = connection.getresponse()
            if watchdog.fired:  # http.client takes a head cut short by the shutdown as whole
                raise TransportError(Reason.DEADLINE, "The check ran out of time.")
            head = _head(response)
            if method == "GET" and policy.max_body_bytes:
                _drain(response, policy.max_body_bytes)
            return head
        except (TransportError, OSError, http.client.HTTPException) as exc:
            if watchdog.fired:
                raise TransportError(Reason.DEADLINE, "The check ran out of time.") from None
            if isinstance(exc, TransportError):
                raise
            raise _classify(exc) from None
    finally:
        watchdog.stop()
        if response is not None:
            response.close()
        if connection is not None:
            connection.close()
        sock.close()


def _connect(
    target: Target, address: IPAddress, proxy: Proxy | None, policy: FetchPolicy, deadline: Deadline
) -> socket.socket:
    timeout = deadline.cap(policy.connect_timeout)
    if proxy is not None:
        try:
            return policy.connector(proxy.host, proxy.port, timeout)
        except OSError as exc:
            raise TransportError(
                Reason.PROXY_ERROR, f"The proxy cannot be reached ({_describe(exc)})."
            ) from None
    try:
        return policy.connector(str(address), target.port, timeout)
    except TimeoutError:
        if deadline.remaining() <= 0:
            raise TransportError(Reason.DEADLINE, "The check ran out of time.") from None
        raise TransportError(
            Reason.TIMEOUT, f"Connecting to {address} timed out.", before_sending=True
        ) from None
    except ConnectionRefusedError:
        raise TransportError(
            Reason.CONNECTION_REFUSED, f"{address} refused the connection.", before_sending=True
        ) from None
    except OSError as exc:
        raise TransportError(
            Reason.CONNECTION_FAILED,
            f"Connecting to {address} failed ({_describe(exc)}).",
            before_sending=True,
        ) from None


def _open_tunnel(
    sock: socket.socket,
    address: IPAddress,
    port: int,
    proxy: Proxy,
    policy: FetchPolicy,
    deadline: Deadline,
) -> None:
    """Ask the proxy for a tunnel to the checked address (never to the name)."""
    authority = f"[{address}]:{port}" if address.version == 6 else f"{address}:{port}"
    lines = [f"CONNECT {authority} HTTP/1.1", f"Host: {authority}"]
    if proxy.authorization is not None:
        lines.append(f"Proxy-Authorization: {proxy.authorization}")
    try:
        sock.settimeout(deadline.cap(policy.read_timeout))
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("ascii"))
        head = _read_proxy_head(sock)
    except OSError as exc:
        raise TransportError(
            Reason.PROXY_ERROR, f"The proxy tunnel failed ({_describe(exc)})."
        ) from None
    status_line = head.split(b"\r\n", 1)[0].split(None, 2)
    if len(status_line) < 2 or not status_line[0].startswith(b"HTTP/"):
        raise TransportError(Reason.PROXY_ERROR, "The proxy did not answer in HTTP.")
    status = status_line[1]
    if not (status.isdigit() and len(status) == 3 and status.startswith(b"2")):
        raise TransportError(
            Reason.PROXY_ERROR,
            f"The proxy refused the tunnel ({status[:3].decode('ascii', 'replace')}).",
        )


def _read_proxy_head(sock: socket.socket) -> bytes:
    """The proxy's answer up to the blank line, byte by byte so no tunnelled byte is taken."""
    head = bytearray()
    while not head.endswith(b"\r\n\r\n"):
        byte = sock.recv(1)
        if not byte:
            raise ConnectionResetError("the proxy closed the connection")
        head += byte
        if len(head) > MAX_PROXY_HEAD_BYTES:
            raise ConnectionResetError("the proxy's answer is too long")
    return bytes(head)


def _head(response: http.client.HTTPResponse) -> ResponseHead:
    locations = response.msg.get_all("Location") or []
    return ResponseHead(
        status=response.status,
        location=str(locations[0]).strip() if locations else None,
        content_type=_clip(response.getheader("Content-Type")),
        content_length=_whole_number(response.getheader("Content-Length")),
    )


def _drain(response: http.client.HTTPResponse, limit: int) -> None:
    """Read at most ``limit`` body bytes and drop them; a body error changes nothing."""
    with contextlib.suppress(OSError, http.client.HTTPException):
        response.read(limit)


def _clip(value: str | None) -> str | None:
    if value is None:
        return None
    printable = "".join(char for char in value if char.isprintable()).strip()
    return printable[:MAX_HEADER_VALUE] or None


def _whole_number(value: str | None) -> int | None:
    if value is None:
        return None
    value = value.strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 19:
        return None
    return int(value)


def _classify(exc: OSError | http.client.HTTPException) -> TransportError:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return TransportError(
            Reason.TLS_ERROR, f"The certificate does not verify ({exc.verify_message})."
        )
    if isinstance(exc, ssl.SSLError):
        return TransportError(Reason.TLS_ERROR, f"The TLS handshake failed ({exc.reason}).")
    if isinstance(exc, http.client.HTTPException):
        return TransportError(
            Reason.PROTOCOL_ERROR, f"The answer is not valid HTTP ({type(exc).__name__})."
        )
    if isinstance(exc, TimeoutError):
        return TransportError(Reason.TIMEOUT, "The server did not answer in time.")
    return TransportError(Reason.CONNECTION_FAILED, f"The connection failed ({_describe(exc)}).")


def _describe(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__
