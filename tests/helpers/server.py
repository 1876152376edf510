"""The one loopback HTTP server of the test suite: a real threaded stdlib server on 127.0.0.1.

Use the ``loopback_server`` fixture (``tests/conftest.py``) for a fresh server per test, or
``LoopbackServer().start()`` / ``.stop()`` for a longer-lived one::

    def test_something(loopback_server):
        loopback_server.route("GET", "/users/1", json={"id": 1, "name": "Ada"})
        loopback_server.route("GET", "/slow", json={}, latency=0.2)
        loopback_server.route("GET", "/flaky", status=503, times=2)   # then falls through
        loopback_server.route("GET", "/boom", fault="reset")          # connection reset
        loopback_server.route("*", "/busy", json={}, fail_times=1, fail_status=503)
        url = loopback_server.url("/users/1")
        ...
        assert loopback_server.requests[0].header("authorization") == "Bearer x"

Routes match on method (``"*"`` for any) and path (the query string is ignored unless the route's
path has one). A route may be given ``body`` (bytes/str), ``json``, ``headers``, ``status``, a
``handler`` ``(ReceivedRequest) -> (status, headers, body)``, ``echo_headers`` (answer with the
request headers as JSON), ``latency`` seconds, ``times`` (serve it that many times, then fall
through to the next matching route) and ``fail_times`` (its first N calls answer ``fail_status``
with ``fail_headers`` and the body ``try again``; ``route.served`` counts every call).

Faults (``fault=``): ``"reset"`` closes the socket with a reset and no response; ``"hang"``
sleeps ``latency`` then closes; ``"reset-mid-body"`` sends the headers and part of the body, then
resets.

Unrouted requests get ``404`` with a JSON body. Every request is kept in ``.requests``;
``.requests_to(path)`` filters them; ``.in_flight`` / ``.max_in_flight`` count requests being
answered at once. ``LoopbackServer(dated=False)`` sends no ``Date``/``Server`` headers (for
recordings compared byte for byte).
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

FAULTS = ("reset", "hang", "reset-mid-body")


@dataclass
class ReceivedRequest:
    """A request the loopback server received."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    @property
    def target(self) -> str:
        """The path with its query string, as the client sent it."""
        return f"{self.path}?{self.query}" if self.query else self.path

    def header(self, name: str) -> str | None:
        """A header value by case-insensitive name."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)


#: A handler answers (status, headers, body), or (status, headers, body, reason phrase).
Handler = Callable[[ReceivedRequest], tuple[Any, ...]]


@dataclass
class Route:
    """How the server answers one method and path (see the module doc)."""

    method: str
    path: str
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    handler: Handler | None = None
    latency: float = 0.0
    fault: str | None = None
    times: int | None = None
    fail_times: int = 0
    fail_status: int = 503
    fail_headers: dict[str, str] = field(default_factory=dict)
    echo_headers: bool = False
    served: int = 0

    def matches(self, request: ReceivedRequest) -> bool:
        if self.method not in ("*", request.method):
            return False
        if "?" in self.path:
            return self.path == f"{request.path}?{request.query}"
        return self.path in ("*", request.path)


def _reset(connection: socket.socket) -> None:
    """Close with RST instead of FIN: the client sees a broken connection."""
    with contextlib.suppress(OSError):
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.close()


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 with routes, latency, faults and counters (module doc)."""

    def __init__(self, *, dated: bool = True) -> None:
        self.routes: list[Route] = []
        self.requests: list[ReceivedRequest] = []
        self.in_flight = 0
        self.max_in_flight = 0
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
                route, call = server._take_route(received)
                self._counted = True
                try:
                    self._answer(route, call, received)
                finally:
                    self._leave()

            def _leave(self) -> None:
                """No longer in flight: before the answer is written, because a client may send its
                next request (on a new connection) as soon as it has read this answer."""
                if getattr(self, "_counted", False):
                    self._counted = False
                    with server._lock:
                        server.in_flight -= 1

            def _answer(self, route: Route | None, call: int, received: ReceivedRequest) -> None:
                if route is not None and route.latency:
                    time.sleep(route.latency)
                self._leave()
                if route is not None and route.fault in ("reset", "hang"):
                    self.close_connection = True
                    _reset(self.connection)
                    return
                if route is None:
                    self._send(404, {"Content-Type": "application/json"}, b'{"error": "no route"}')
                elif call <= route.fail_times:
                    self._send(route.fail_status, route.fail_headers, b"try again")
                elif route.fault == "reset-mid-body":
                    self._send_status(route.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", "100000")
                    self.end_headers()
                    self.wfile.write(b'{"partial": "' + b"x" * 100)
                    self.wfile.flush()
                    self.close_connection = True
                    _reset(self.connection)
                elif route.handler is not None:
                    self._send(*route.handler(received))
                elif route.echo_headers:
                    self._send(route.status, route.headers, json.dumps({"headers": received.headers}).encode())
                else:
                    self._send(route.status, route.headers, route.body)

            def _send_status(self, status: int, reason: str | None = None) -> None:
                if dated:
                    self.send_response(status, reason)
                else:  # no Date/Server headers: a recording must not depend on the second
                    self.send_response_only(status, reason)

            def _send(self, status: int, headers: dict[str, str], payload: bytes, reason: str | None = None) -> None:
                self._send_status(status, reason)
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
              times: int | None = None, fail_times: int = 0, fail_status: int = 503,
              fail_headers: dict[str, str] | None = None, echo_headers: bool = False) -> Route:
        """Add a route (later routes for the same path are used after earlier ones run out)."""
        if fault is not None and fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; one of {', '.join(FAULTS)}")
        route_headers = dict(headers or {})
        payload = b""
        if json is not None:
            payload = _json_bytes(json)
            route_headers.setdefault("Content-Type", "application/json")
        elif body is not None:
            payload = body.encode("utf-8") if isinstance(body, str) else body
        if echo_headers:
            route_headers.setdefault("Content-Type", "application/json")
        route = Route(method.upper(), path, status, route_headers, payload, handler, latency, fault, times,
                      fail_times, fail_status, dict(fail_headers or {}), echo_headers)
        with self._lock:
            self.routes.append(route)
        return route

    def requests_to(self, path: str) -> list[ReceivedRequest]:
        """The requests received for ``path`` (any query string)."""
        with self._lock:
            return [request for request in self.requests if request.path == path]

    def _take_route(self, received: ReceivedRequest) -> tuple[Route | None, int]:
        with self._lock:
            self.requests.append(received)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            for route in self.routes:
                if route.matches(received) and (route.times is None or route.served < route.times):
                    route.served += 1
                    return route, route.served
        return None, 0


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that timed out or was killed resets its connection: expected in these tests


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value).encode("utf-8")
