"""A real HTTP server on loopback for tests that deliver to, or fetch from, "the outside"."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Recorder:
    """What the server received; ``respond`` decides each answer (status, body)."""

    requests: list[Received] = field(default_factory=list)
    respond: Callable[[Received], tuple[int, bytes]] = lambda r: (200, b"{}")
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def serve(recorder: Recorder | None = None) -> Iterator[tuple[str, Recorder]]:
    """Serve on 127.0.0.1 on a free port; yields (base URL, recorder)."""
    rec = recorder or Recorder()

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            received = Received(
                self.command, self.path, dict(self.headers), self.rfile.read(length)
            )
            with rec.lock:
                rec.requests.append(received)
            status, body = rec.respond(received)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_HEAD = do_PUT = _handle

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", rec
    finally:
        server.shutdown()
        server.server_close()
