"""Shared pieces for the refresh tests: a real loopback HTTP API and cassette builders.

No test functions live here; the other ``test_refresh*`` modules import from it.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from cassettes_tool.core.cassette import Cassette, Interaction, Request, Response
from cassettes_tool.core.transaction import save_cassette


@dataclass
class Route:
    """How the loopback API answers one path."""

    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    delay: float = 0.0
    fail_times: int = 0  # the first N calls answer fail_status instead
    fail_status: int = 503
    fail_headers: dict[str, str] = field(default_factory=dict)
    reset_mid_body: bool = False
    echo_headers: bool = False  # answer with the request headers as JSON
    calls: int = 0


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class LiveAPI:
    """A threaded stdlib HTTP server on 127.0.0.1 with per-path routes; records what it got."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # no 40 ms delayed-ACK stall between headers and body

            def log_message(self, format: str, *args: Any) -> None:  # quiet test output
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path
                with api.lock:
                    api.seen.append(Seen(self.command, path, dict(self.headers.items()), body))
                    route = api.routes.get(path.split("?")[0])
                    if route is not None:
                        route.calls += 1
                        call = route.calls
                    api.in_flight += 1
                    api.max_in_flight = max(api.max_in_flight, api.in_flight)
                try:
                    if route is None:
                        self._send(404, {"Content-Type": "application/json"}, b'{"error": "no route"}')
                        return
                    if route.delay:
                        time.sleep(route.delay)
                    if call <= route.fail_times:
                        self._send(route.fail_status, route.fail_headers, b"try again")
                        return
                    if route.reset_mid_body:
                        self.send_response(route.status)
                        self.send_header("Content-Type", "application/json")
                        self.send_header("Content-Length", "100000")
                        self.end_headers()
                        self.wfile.write(b'{"partial": "' + b"x" * 100)
                        self.wfile.flush()
                        # RST instead of FIN: the client sees a broken connection mid-body.
                        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                        self.connection.close()
                        self.close_connection = True
                        return
                    payload = route.body
                    if route.echo_headers:
                        payload = json.dumps({"headers": dict(self.headers.items())}).encode()
                    self._send(route.status, route.headers, payload)
                finally:
                    with api.lock:
                        api.in_flight -= 1

            def _send(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, path: str, **kwargs: Any) -> Route:
        route = Route(**kwargs)
        self.routes[path] = route
        return route

    def json_route(self, path: str, value: Any, **kwargs: Any) -> Route:
        return self.route(path, body=json.dumps(value).encode(), **kwargs)

    def requests_to(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path.split("?")[0] == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def live_api() -> Iterator[LiveAPI]:
    api = LiveAPI()
    try:
        yield api
    finally:
        api.close()


def interaction(method: str, uri: str, body: Any = None, *, status: int = 200,
                content_type: str = "application/json", headers: Mapping[str, list[str]] | None = None,
                request_body: bytes | None = None,
                response_headers: Mapping[str, list[str]] | None = None) -> Interaction:
    """A recorded interaction; ``body`` is JSON-encoded unless it is bytes."""
    raw = body if isinstance(body, bytes) else json.dumps(body if body is not None else {}).encode()
    response_h = {"Content-Type": [content_type], **(response_headers or {})}
    return Interaction(
        request=Request(method=method, uri=uri, headers=dict(headers or {}), body=request_body),
        response=Response(status=status, reason="OK", headers=response_h, body=raw),
    )


def write_cassette(path: Path, interactions: list[Interaction], *,
                   recorded_at: str | None = "2026-01-01T00:00:00Z") -> Path:
    """Save a vcrpy-format cassette (YAML, or JSON for a .json name) at ``path``."""
    metadata = {"recorded_at": recorded_at} if recorded_at else {}
    cassette = Cassette(path=path, format="json" if path.suffix == ".json" else "yaml",
                        interactions=interactions, metadata=metadata)
    save_cassette(cassette, record=False)
    return path
