"""Real local servers for the hosting tests: a UDP DNS server and an HTTP server for RDAP JSON.

Both listen on 127.0.0.1 on a free port, run in a daemon thread and stop when the test ends.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import dns.message
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype


@dataclass
class DnsServer:
    """Answers A/AAAA from ``records``; NXDOMAIN for other names; never answers ``silent`` names;
    SERVFAIL for ``failing`` names."""

    records: dict[str, list[str]]
    silent: set[str] = field(default_factory=set)
    failing: set[str] = field(default_factory=set)
    queries: Counter[str] = field(default_factory=Counter)
    address: str = ""

    def serve(self, sock: socket.socket, stop: threading.Event) -> None:
        sock.settimeout(0.05)
        while not stop.is_set():
            try:
                data, peer = sock.recvfrom(4096)
            except TimeoutError:
                continue
            query = dns.message.from_wire(data)
            question = query.question[0]
            name = question.name.to_text(omit_final_dot=True).lower()
            self.queries[f"{name} {dns.rdatatype.to_text(question.rdtype)}"] += 1
            if name in self.silent:
                continue
            response = dns.message.make_response(query)
            if name in self.failing:
                response.set_rcode(dns.rcode.SERVFAIL)
            elif name not in self.records:
                response.set_rcode(dns.rcode.NXDOMAIN)
            else:
                for text in self.records[name]:
                    rdtype = (
                        dns.rdatatype.A
                        if ipaddress.ip_address(text).version == 4
                        else dns.rdatatype.AAAA
                    )
                    if rdtype != question.rdtype:
                        continue
                    rrset = response.find_rrset(
                        response.answer,
                        question.name,
                        dns.rdataclass.IN,
                        rdtype,
                        create=True,
                    )
                    rrset.add(dns.rdata.from_text(dns.rdataclass.IN, rdtype, text), ttl=60)
            sock.sendto(response.to_wire(), peer)


@contextmanager
def running_dns_server(server: DnsServer) -> Iterator[DnsServer]:
    """Serve ``server`` on 127.0.0.1 (UDP) until the block ends; ``server.address`` is ip:port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    server.address = f"127.0.0.1:{sock.getsockname()[1]}"
    stop = threading.Event()
    thread = threading.Thread(target=server.serve, args=(sock, stop), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        stop.set()
        thread.join(timeout=5)
        sock.close()


@dataclass
class RdapServer:
    """Serves ``routes`` (path → (status, body)); a body that is a dict is sent as RDAP JSON.
    Paths in ``slow`` wait until the server stops before answering."""

    routes: dict[str, tuple[int, Any]] = field(default_factory=dict)
    slow: set[str] = field(default_factory=set)
    hits: Counter[str] = field(default_factory=Counter)
    url: str = ""
    released: threading.Event = field(default_factory=threading.Event)


@contextmanager
def running_rdap_server(server: RdapServer) -> Iterator[RdapServer]:
    """Serve ``server`` over HTTP on 127.0.0.1 until the block ends; ``server.url`` is its base."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server.hits[self.path] += 1
            if self.path in server.slow:
                server.released.wait(timeout=10)
            status, body = server.routes.get(self.path, (404, {"errorCode": 404}))
            payload = json.dumps(body).encode() if isinstance(body, dict) else body
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/rdap+json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the client gave up (timeout tests)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    server.url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server
    finally:
        server.released.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def rdap_entity(
    handle: str, roles: list[str], name: str, email: str = "", **extra: Any
) -> dict[str, Any]:
    """An RFC 9083 entity with a jCard (RFC 7095) carrying a name and, if given, an e-mail."""
    card: list[list[Any]] = [["version", {}, "text", "4.0"], ["fn", {}, "text", name]]
    if email:
        card.append(["email", {"type": "work"}, "text", email])
    return {
        "objectClassName": "entity",
        "handle": handle,
        "roles": roles,
        "vcardArray": ["vcard", card],
        **extra,
    }


def rdap_ip_network(start: str, end: str, abuse_email: str) -> dict[str, Any]:
    """An RFC 9083 IP network whose abuse contact is nested in the registrant, as RIRs do."""
    return {
        "rdapConformance": ["rdap_level_0"],
        "objectClassName": "ip network",
        "handle": f"NET-{start}",
        "startAddress": start,
        "endAddress": end,
        "ipVersion": "v6" if ":" in start else "v4",
        "name": "EXAMPLE-HOSTING-NET",
        "entities": [
            rdap_entity(
                "EH-1",
                ["registrant"],
                "Example Hosting B.V.",
                entities=[rdap_entity("EH-ABUSE", ["abuse"], "Abuse desk", abuse_email)],
            )
        ],
    }


def rdap_domain(name: str, abuse_email: str) -> dict[str, Any]:
    """An RFC 9083 domain whose registrar entity carries the abuse contact."""
    return {
        "rdapConformance": ["rdap_level_0"],
        "objectClassName": "domain",
        "handle": f"DOM-{name}",
        "ldhName": name,
        "entities": [
            rdap_entity(
                "REG-1",
                ["registrar"],
                "Example Registrar",
                entities=[rdap_entity("REG-ABUSE", ["abuse"], "Registrar abuse", abuse_email)],
            )
        ],
    }
