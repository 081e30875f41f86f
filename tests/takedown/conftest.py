"""Takedown fixtures, all on 127.0.0.1.

- ``loopback_policy`` and the ``origin``, ``resolver`` and ``connector`` fixtures for the
  liveness checker tests (servers in ``tests/takedown/servers.py``);
- ``smtp_server``: a real SMTP server (aiosmtpd) that keeps every message it receives.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from hotline.takedown.liveness.policy import Connector, FetchPolicy, Resolver
from tests.takedown.servers import Origin, RecordingConnector, RecordingResolver, running_origin

START_ATTEMPTS = 3

# --- liveness checker ------------------------------------------------------------------------


def loopback_policy(
    *ports: int, resolver: Resolver, connector: Connector, **overrides: Any
) -> FetchPolicy:
    """A policy that lets exactly 127.0.0.1 through, on ``ports`` only, with short timeouts."""
    options: dict[str, Any] = {"connect_timeout": 2.0, "read_timeout": 5.0, "deadline": 10.0}
    return FetchPolicy(
        allow_loopback=True,
        allowed_ports=frozenset(ports),
        resolver=resolver,
        connector=connector,
        **(options | overrides),
    )


@pytest.fixture
def origin() -> Iterator[Origin]:
    with running_origin() as server:
        yield server


@pytest.fixture
def resolver() -> RecordingResolver:
    """Knows no name: every lookup fails as DNS would, and is recorded."""
    return RecordingResolver()


@pytest.fixture
def connector() -> RecordingConnector:
    return RecordingConnector()


# --- SMTP ------------------------------------------------------------------------------------


@dataclass
class SmtpServer:
    """Where the server listens, and every message it accepted, parsed, in order.

    ``envelopes`` holds the SMTP envelope of each message (``MAIL FROM``, ``RCPT TO``), which
    shows recipients that are not in the headers (Bcc).
    """

    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    _arrived: threading.Condition = field(default_factory=threading.Condition, repr=False)

    def wait_for_messages(self, count: int, *, timeout: float = 10.0) -> list[EmailMessage]:
        """Wait until at least ``count`` messages arrived (for senders in another thread or
        process); ``AssertionError`` after ``timeout`` seconds."""
        with self._arrived:
            arrived = self._arrived.wait_for(lambda: len(self.messages) >= count, timeout)
        assert arrived, f"expected {count} e-mail(s), received {len(self.messages)}"
        return list(self.messages)

    def _keep(self, message: EmailMessage, mail_from: str, recipients: list[str]) -> None:
        with self._arrived:
            self.messages.append(message)
            self.envelopes.append((mail_from, recipients))
            self._arrived.notify_all()


class _Keeper:
    """The aiosmtpd handler: parse each message with the modern ``email`` policy and keep it."""

    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content
        raw = content if isinstance(content, bytes) else (content or "").encode()
        # SMTP carries CRLF line ends; stored mail uses LF, as a local delivery agent would.
        message = email.message_from_bytes(raw.replace(b"\r\n", b"\n"), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.server._keep(message, envelope.mail_from or "", list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1 and a free port, stopped (socket and loop closed) after
    the test. Point Django at it with ``EMAIL_HOST``/``EMAIL_PORT`` and the SMTP backend."""
    for attempt in range(1, START_ATTEMPTS + 1):
        server = SmtpServer(host="127.0.0.1", port=_free_port())
        # server_hostname: aiosmtpd would otherwise ask DNS for this machine's FQDN.
        controller = Controller(
            _Keeper(server),
            hostname=server.host,
            port=server.port,
            server_hostname="smtp.example.test",
            ready_timeout=5.0,
        )
        try:
            controller.start()
        except OSError:
            # Another process took the port between the probe and the bind: try a new one.
            controller.loop.close()
            if attempt == START_ATTEMPTS:
                raise
            time.sleep(0.1)
            continue
        break
    try:
        yield server
    finally:
        controller.stop()
