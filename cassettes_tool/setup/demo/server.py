"""A threaded stdlib HTTP server that serves the live demo API on 127.0.0.1.

Only loopback, a free port chosen by the OS, and a clean stop: after :meth:`DemoServer.stop`
the port refuses connections.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

from cassettes_tool.setup.demo.api import finish, respond

LOOPBACK = "127.0.0.1"


class _Handler(BaseHTTPRequestHandler):
    server_version = "acme-edge/2.5"

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        status, reason, headers, payload = finish(
            respond(self.command, parts.path, parts.query, body), self.headers.get("Accept-Encoding")
        )
        self.send_response(status, reason)
        for name, value in headers.items():
            if name.lower() not in ("server", "date"):  # send_response already wrote these
                self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _serve

    def log_message(self, format: str, *args: object) -> None:
        # Quiet: the demo prints its own report; a request log would drown it.
        pass


class DemoServer:
    """The demo API on a free loopback port; use as a context manager or start()/stop()."""

    def __init__(self, host: str = LOOPBACK, port: int = 0) -> None:
        self._httpd = ThreadingHTTPServer((host, port), _Handler)
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """The base URL to rewrite ``api.acme-shop.example`` to."""
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> DemoServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="cassettes-demo-api", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket (idempotent)."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
