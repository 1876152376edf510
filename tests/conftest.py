"""Shared test fixtures: a real HTTP server on 127.0.0.1 and nested pytest runs.

``loopback_server`` (function scope) is a threaded stdlib HTTP server with configurable routes,
latency and faults, for any test that needs a live API without the internet::

    def test_something(loopback_server):
        loopback_server.route("GET", "/users/1", json={"id": 1, "name": "Ada"})
        loopback_server.route("GET", "/slow", json={}, latency=0.2)
        loopback_server.route("GET", "/flaky", status=503, times=2)   # then falls through
        loopback_server.route("GET", "/boom", fault="reset")          # connection reset
        url = loopback_server.url("/users/1")
        ...
        assert loopback_server.requests[0].header("authorization") == "Bearer x"

Routes match on method and path (the query string is ignored unless the route's path has one).
A route may be given ``body`` (bytes/str), ``json``, ``headers``, ``status``, a ``handler``
``(ReceivedRequest) -> (status, headers, body)``, ``latency`` seconds, ``fault`` (``"reset"``:
close the socket without a response; ``"hang"``: sleep ``latency`` then close), and ``times``
(serve it that many times, then fall through to the next matching route). Unrouted requests get
``404`` with a JSON body. Every request is kept in ``.requests``. ``LoopbackServer(dated=False)``
sends no ``Date``/``Server`` headers (for recordings compared byte for byte).
"""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest

pytest_plugins = ["pytester"]


@dataclass
class ReceivedRequest:
    """A request the loopback server received."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        """A header value by case-insensitive name."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)


Handler = Callable[[ReceivedRequest], tuple[int, dict[str, str], bytes]]


@dataclass
class Route:
    method: str
    path: str
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    handler: Handler | None = None
    latency: float = 0.0
    fault: str | None = None
    times: int | None = None
    served: int = 0

    def matches(self, request: ReceivedRequest) -> bool:
        if self.method not in ("*", request.method):
            return False
        if "?" in self.path:
            return self.path == f"{request.path}?{request.query}"
        return self.path in ("*", request.path)


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 with routes, latency and faults (see module doc)."""

    def __init__(self, *, dated: bool = True) -> None:
        self.routes: list[Route] = []
        self.requests: list[ReceivedRequest] = []
        self._lock = threading.Lock()
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else delayed ACKs add 40 ms per keep-alive request

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                received = ReceivedRequest(self.command, parts.path, parts.query,
                                           dict(self.headers.items()), body)
                route = server._take_route(received)
                if route is not None and route.latency:
                    time.sleep(route.latency)
                if route is not None and route.fault in ("reset", "hang"):
                    self.close_connection = True
                    with contextlib.suppress(OSError):
                        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    self.connection.close()
                    return
                if route is None:
                    status, headers, payload = 404, {"Content-Type": "application/json"}, b'{"error": "no route"}'
                elif route.handler is not None:
                    status, headers, payload = route.handler(received)
                else:
                    status, headers, payload = route.status, dict(route.headers), route.body
                if dated:
                    self.send_response(status)
                else:  # no Date/Server headers: a recording must not depend on the second
                    self.send_response_only(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if not any(k.lower() == "content-length" for k in headers):
                    self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

        self._server = _QuietServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def route(self, method: str, path: str, *, status: int = 200, json: Any = None,
              body: bytes | str | None = None, headers: dict[str, str] | None = None,
              handler: Handler | None = None, latency: float = 0.0, fault: str | None = None,
              times: int | None = None) -> Route:
        """Add a route (later routes for the same path are used after earlier ones run out)."""
        route_headers = dict(headers or {})
        payload = b""
        if json is not None:
            payload = _json_bytes(json)
            route_headers.setdefault("Content-Type", "application/json")
        elif body is not None:
            payload = body.encode("utf-8") if isinstance(body, str) else body
        route = Route(method.upper(), path, status, route_headers, payload, handler, latency, fault, times)
        with self._lock:
            self.routes.append(route)
        return route

    def _take_route(self, received: ReceivedRequest) -> Route | None:
        with self._lock:
            self.requests.append(received)
            for route in self.routes:
                if route.matches(received) and (route.times is None or route.served < route.times):
                    route.served += 1
                    return route
        return None


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that timed out or was killed resets its connection: expected in these tests


class Hang(BaseException):
    """Raised by :func:`time_limit` (a BaseException: code under test cannot swallow it)."""


@contextlib.contextmanager
def time_limit(seconds: float, what: str) -> Iterator[None]:
    """Raise :class:`Hang` ("``what`` after N s") if the block runs longer than ``seconds``."""

    def fire(signum: int, frame: object) -> None:
        raise Hang(f"{what} after {seconds}s")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value).encode("utf-8")


@pytest.fixture
def loopback_server() -> Iterator[LoopbackServer]:
    """A fresh :class:`LoopbackServer` on 127.0.0.1, stopped after the test."""
    server = LoopbackServer().start()
    try:
        yield server
    finally:
        server.stop()
