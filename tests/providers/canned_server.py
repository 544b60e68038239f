"""A loopback HTTP server that replays canned API replies, for testing the SDK-based providers.

Each test queues replies in order, and every request takes the next one. The server records
what it received (path, headers, JSON body) so tests can check what the provider sent. Streams
go out with chunked transfer encoding, one SSE event per chunk, so a reply can be cut off
mid-stream by closing the socket before the final chunk: the client then sees an incomplete
body, as it would when a connection drops.
"""

from __future__ import annotations

import json
import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

CANNED_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "providers" / "canned"


def canned(name: str) -> str:
    """Return the text of a canned reply, e.g. ``canned("anthropic/text-reply.sse")``."""
    return (CANNED_DIR / name).read_text(encoding="utf-8")


@dataclass
class Reply:
    """One scripted reply: a JSON body, or an SSE stream, optionally cut after some events."""

    status: int = 200
    json_body: str | None = None
    sse: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    drop_after_events: int | None = None
    delay_seconds: float = 0.0

    @classmethod
    def error(cls, status: int, fixture: str, **headers: str) -> Reply:
        return cls(status=status, json_body=canned(fixture), headers=headers)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class CannedServer:
    """Serve queued replies on 127.0.0.1 from a background thread."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.received: list[Received] = []
        self._lock = threading.Lock()
        # Set on stop, so a delayed reply does not hold up shutdown.
        self.closing = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def queue(self, *replies: Reply) -> None:
        with self._lock:
            self.replies.extend(replies)

    def next_reply(self, request: Received) -> Reply | None:
        with self._lock:
            self.received.append(request)
            return self.replies.popleft() if self.replies else None

    def start(self) -> CannedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _handler_for(server: CannedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            return

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            request = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            reply = server.next_reply(request)
            if reply is None:
                reply = Reply(500, json_body='{"error": {"type": "api_error", "message": "no canned reply queued"}}')
            if reply.delay_seconds:
                server.closing.wait(reply.delay_seconds)
            try:
                if reply.sse is not None:
                    self._send_stream(reply)
                else:
                    self._send_json(reply)
            except (BrokenPipeError, ConnectionResetError):
                return  # the client gave up first, as in the timeout tests

        def _send_json(self, reply: Reply) -> None:
            payload = (reply.json_body or "{}").encode("utf-8")
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def _send_stream(self, reply: Reply) -> None:
            self.send_response(reply.status)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Cache-Control", "no-cache")
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            events = [event for event in (reply.sse or "").split("\n\n") if event.strip()]
            for index, event in enumerate(events):
                if reply.drop_after_events is not None and index >= reply.drop_after_events:
                    self._drop()
                    return
                data = (event + "\n\n").encode("utf-8")
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

        def _drop(self) -> None:
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)

    return Handler
