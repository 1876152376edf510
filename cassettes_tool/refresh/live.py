"""Live HTTP calls for refresh: pooled sessions per host, retries, timeouts, auth, redaction.

One ``requests.Session`` per origin (scheme, host, port) keeps connections alive; urllib3's
``Retry`` retries connection errors and 429/502/503/504 with exponential backoff and honours
``Retry-After`` (capped so one answer cannot stall the night). Redirects are never followed:
each hop was recorded as its own interaction, and following one could reach a host outside the
plan. Cookies are never kept between calls and ``.netrc`` is never read: the only credentials
sent are those of ``[tool.cassettes.auth]``, and their values are scrubbed from whatever the
server sends back (an echo endpoint must not leak them into a report or a cassette).
"""

from __future__ import annotations

import contextlib
import heapq
import http.cookiejar
import itertools
import socket
import ssl
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)
from urllib3.exceptions import HTTPError as Urllib3HTTPError
from urllib3.util.retry import Retry

from cassettes_tool.core.cassette import Headers, Response
from cassettes_tool.core.config import DEFAULT_RETRY_AFTER_MAX, RefreshSettings
from cassettes_tool.core.echoes import scrub_bytes, scrub_text
from cassettes_tool.core.secrets import redaction_forms
from cassettes_tool.errors import BodyTooLargeError, LiveFailure
from cassettes_tool.refresh.environment import environment_settings, freeze_environment
from cassettes_tool.refresh.plan import PlannedCall

RETRY_STATUSES = frozenset({429, 502, 503, 504})
# urllib3 2 has a class for a name that does not resolve; 1.26 only says so (see _DNS_MARKERS).
_NAME_RESOLUTION_ERRORS: tuple[type[BaseException], ...] = tuple(
    getattr(urllib3.exceptions, name) for name in ("NameResolutionError",) if hasattr(urllib3.exceptions, name)
)
CHUNK = 64 * 1024
_COMPACT_AFTER = 1000  # cancelled deadlines the watchdog's heap may hold before it is rebuilt


class _CappedRetry(Retry):
    """urllib3's Retry with ``Retry-After`` capped (a 1-hour answer must not stall the job)."""

    cap: float = DEFAULT_RETRY_AFTER_MAX

    def parse_retry_after(self, retry_after: str) -> float:
        return min(super().parse_retry_after(retry_after), self.cap)

    def new(self, **kw: object) -> _CappedRetry:
        retry = super().new(**kw)
        retry.cap = self.cap
        return retry


class _Watchdog:
    """One thread per :class:`LiveClient` that enforces every call's whole-response deadline.

    Starting a thread per attempt (a ``threading.Timer``) cost more CPU than urllib3's whole
    request and made one more thread contend for the GIL per call (docs/benchmarks.md). Here each
    attempt pushes ``(when, ...)`` on a heap and the one thread sleeps until the earliest live
    entry. A cancelled attempt is not removed from the heap (that would need a search): it is
    dropped when it reaches the top, so the thread wakes only for deadlines that may still fire,
    about once per timeout while calls keep finishing in time. With a long ``--timeout`` the
    cancelled entries would pile up (an hour of calls), so once they are most of the heap it is
    rebuilt without them. The thread is a daemon, started by the first attempt and stopped by
    :meth:`close`.
    """

    def __init__(self) -> None:
        self._ready = threading.Condition(threading.Lock())
        self._heap: list[tuple[float, int, _Deadline, int]] = []
        self._order = itertools.count()  # ties on ``when`` never compare two _Deadline objects
        self._thread: threading.Thread | None = None  # the running one; any other thread stops
        self._dropped = 0  # entries of the heap whose attempt is over (cancelled or retried)

    def arm(self, deadline: _Deadline, generation: int, when: float) -> None:
        """Expire ``deadline``'s attempt ``generation`` at ``when`` (``time.monotonic()``)."""
        with self._ready:
            earliest = self._heap[0][0] if self._heap else None
            heapq.heappush(self._heap, (when, next(self._order), deadline, generation))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="cassettes-deadlines", daemon=True)
                try:
                    self._thread.start()
                except BaseException:
                    self._thread = None  # the next attempt tries again
                    raise
            elif earliest is None or when < earliest:
                self._ready.notify()  # it sleeps until a later deadline, or for ever

    def forget(self) -> None:
        """One armed attempt is over; rebuild the heap when such entries are most of it."""
        with self._ready:
            self._dropped += 1
            if self._dropped > _COMPACT_AFTER and self._dropped * 2 > len(self._heap):
                self._heap = [entry for entry in self._heap if entry[2].generation == entry[3]]
                heapq.heapify(self._heap)
                self._dropped = 0

    def close(self) -> None:
        """Stop the thread (pending deadlines are dropped: their calls are over)."""
        with self._ready:
            thread, self._thread = self._thread, None
            self._heap.clear()
            self._dropped = 0
            self._ready.notify_all()
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def _run(self) -> None:
        me = threading.current_thread()
        while True:
            with self._ready:
                while True:
                    if self._thread is not me:
                        return  # closed (and perhaps restarted by a later call: that is another thread)
                    while self._heap and self._heap[0][2].generation != self._heap[0][3]:
                        heapq.heappop(self._heap)  # cancelled or superseded by a retry
                        self._dropped = max(self._dropped - 1, 0)
                    if not self._heap:
                        self._ready.wait()
                        continue
                    delay = self._heap[0][0] - time.monotonic()
                    if delay <= 0:
                        _, _, deadline, generation = heapq.heappop(self._heap)
                        break
                    self._ready.wait(delay)
            deadline.expire(generation)  # outside the heap's lock: expire takes the deadline's own


class _Deadline:
    """The whole-response deadline of one call: status line, headers and body within ``seconds``.

    A socket timeout only bounds each read, so a server dribbling a header line every few seconds
    would hold a worker forever. Each attempt (urllib3 retries are attempts too) arms the client's
    watchdog when its request is sent; when the deadline passes, the connection's socket is shut
    down, which wakes the blocked read at once. A call therefore ends within
    ``(retries + 1) * seconds`` plus the backoff waits.
    """

    def __init__(self, seconds: float, watchdog: _Watchdog) -> None:
        self.seconds = seconds
        self.expired = False
        self.generation = 0  # the attempt the watchdog may expire; bumped by each attempt and by cancel
        self._watchdog = watchdog
        self._armed = False  # an entry of this call is in the watchdog's heap
        self._connection: Any = None
        self._lock = threading.Lock()

    def attempt(self, connection: Any) -> None:
        with self._lock:
            self._connection = connection
            connection.cassettes_deadline = self  # a pooled connection belongs to one call at a time
            self.generation += 1  # the previous attempt's deadline no longer applies
            self.expired = False  # each attempt has the whole timeout (a Retry-After wait is not counted)
            generation = self.generation
            superseded, self._armed = self._armed, True
        if superseded:
            self._watchdog.forget()
        self._watchdog.arm(self, generation, time.monotonic() + self.seconds)

    def expire(self, generation: int) -> None:
        """The watchdog's call: attempt ``generation`` ran out of time, unless it is over."""
        with self._lock:
            if generation != self.generation:
                return
            self.expired = True
            self._cut()

    def _cut(self) -> None:
        if getattr(self._connection, "cassettes_deadline", None) is not self:
            return  # back in the pool and taken by another call: not ours to cut
        sock = getattr(self._connection, "sock", None)
        if sock is not None:
            # the plain socket's shutdown: an SSLSocket's own would unwrap under the reader
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def cancel(self) -> None:
        with self._lock:
            self.generation += 1
            self._connection = None
            armed, self._armed = self._armed, False
        if armed:
            self._watchdog.forget()


_attempts = threading.local()  # the _Deadline of the call this thread is sending, if any


def _start_attempt(connection: Any) -> None:
    deadline: _Deadline | None = getattr(_attempts, "deadline", None)
    if deadline is not None:
        deadline.attempt(connection)


class _DeadlineHTTPConnection(HTTPConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        _start_attempt(self)
        super().request(*args, **kwargs)


class _DeadlineHTTPSConnection(HTTPSConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        _start_attempt(self)
        super().request(*args, **kwargs)


class _DeadlineHTTPPool(HTTPConnectionPool):
    ConnectionCls = _DeadlineHTTPConnection


class _DeadlineHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _DeadlineHTTPSConnection


class _DeadlineAdapter(HTTPAdapter):
    """requests' adapter whose connections report each attempt to the calling thread's deadline."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _DeadlineHTTPPool, "https": _DeadlineHTTPSPool}


class _NoAuth(requests.auth.AuthBase):
    """Set as the session's auth so requests never falls back to ``~/.netrc`` credentials."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request


class LiveClient:
    """Sends planned calls; thread-safe; at most ``settings.host_limit`` calls at once to one origin."""

    def __init__(self, settings: RefreshSettings, credentials: Mapping[str, str],
                 allowed_origins: Iterable[str], secrets: Iterable[str] = ()) -> None:
        self.settings = settings
        self._credentials = dict(credentials)
        self._allowed = frozenset(allowed_origins)
        # Each value in every encoding an echo can use (percent-encoded, JSON-escaped, base64...).
        self._secrets = redaction_forms((*self._credentials.values(), *secrets))
        self._sessions: dict[str, requests.Session] = {}
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()
        self._watchdog = _Watchdog()

    def __enter__(self) -> LiveClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            for session in self._sessions.values():
                session.close()
            self._sessions.clear()
        self._watchdog.close()

    def _session(self, origin: str) -> tuple[requests.Session, threading.BoundedSemaphore]:
        with self._lock:
            session = self._sessions.get(origin)
            if session is None:
                session = requests.Session()
                session.auth = _NoAuth()
                session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
                session.headers.clear()  # no requests/x.y User-Agent unless recorded
                retry = _CappedRetry(
                    total=self.settings.retries, connect=self.settings.retries,
                    read=self.settings.retries, status=self.settings.retries, redirect=0,
                    status_forcelist=RETRY_STATUSES, backoff_factor=self.settings.backoff_factor,
                    respect_retry_after_header=True, raise_on_status=False, raise_on_redirect=False,
                )
                retry.cap = self.settings.retry_after_max
                adapter = _DeadlineAdapter(pool_connections=1, pool_maxsize=self.settings.host_limit,
                                      max_retries=retry)
                session.mount("http://", adapter)
                session.mount("https://", adapter)
                freeze_environment(session, origin)
                self._sessions[origin] = session
                self._slots[origin] = threading.BoundedSemaphore(self.settings.host_limit)
            return session, self._slots[origin]

    def send(self, call: PlannedCall) -> Response:
        """One live call for ``call``; raises :class:`LiveFailure` with a helpful reason."""
        if not call.sent or call.url is None or call.origin is None:
            raise LiveFailure("not sendable")
        if call.origin not in self._allowed:  # defence in depth: the plan is the allow-list
            raise LiveFailure(f"{call.origin} is not a host of the selected cassettes; not contacted")
        headers = dict(call.headers)
        if call.auth is not None and call.host in self._credentials:
            headers[call.auth.header] = self._credentials[call.host]
        session, slot = self._session(call.origin)
        adapter = session.get_adapter(call.origin)
        timeout = self.settings.timeout
        deadline = _Deadline(timeout, self._watchdog)
        with slot:
            _attempts.deadline = deadline
            try:
                try:
                    live = adapter.send(_prepare(call.method, call.url, headers, call.body), stream=True,
                                        timeout=(timeout, timeout), **environment_settings(session))
                except requests.exceptions.RequestException as exc:
                    if deadline.expired:
                        raise self._too_slow(call.origin) from None
                    reason, unreachable = self._describe(exc, call.origin, call.method)
                    raise LiveFailure(self._scrub(reason), unreachable=unreachable) from None
                try:
                    body = self._read_body(live, call.origin, deadline)
                finally:
                    live.close()
            finally:
                _attempts.deadline = None
                deadline.cancel()
        return self._response(live, body, call.origin)

    def _too_slow(self, origin: str) -> LiveFailure:
        return LiveFailure(f"timed out: no complete response from {origin} within {self.settings.timeout:g}s "
                           "(the status line, headers and body took longer and were cut off); "
                           "raise --timeout if the API is slow")

    def _read_body(self, live: requests.Response, origin: str, deadline: _Deadline) -> bytes:
        chunks: list[bytes] = []
        size = 0
        try:
            # read1 returns whatever has arrived (up to CHUNK); the deadline's timer cuts the
            # socket, so a server dribbling a byte at a time ends the loop too.
            while chunk := _read1(live.raw, CHUNK):
                size += len(chunk)
                if size > self.settings.max_body:
                    raise LiveFailure(f"the response from {origin} is larger than "
                                      f"{_megabytes(self.settings.max_body)}; not checked")
                chunks.append(chunk)
        except (Urllib3HTTPError, OSError, requests.exceptions.RequestException) as exc:
            if deadline.expired:
                raise self._too_slow(origin) from None
            raise LiveFailure(f"the connection to {origin} broke while reading the response body "
                              f"({_innermost(exc)})") from None
        if deadline.expired:  # the cut socket reads as the end of the body
            raise self._too_slow(origin)
        return b"".join(chunks)

    def _response(self, live: requests.Response, raw_body: bytes, origin: str) -> Response:
        headers: Headers = {}
        for name, value in live.raw.headers.items():
            headers.setdefault(name, []).append(self._scrub(value))
        # Stored decoded (readable diffs), like every live response a report keeps; the decoded
        # size is capped like the wire size (a 1 MB gzip bomb must not inflate to gigabytes).
        try:
            response = Response(status=live.status_code, reason=self._scrub(live.reason or ""), headers=headers,
                                body=raw_body).decoded(limit=self.settings.max_body)
        except BodyTooLargeError:
            raise LiveFailure(f"the response from {origin} decompresses to more than "
                              f"{_megabytes(self.settings.max_body)}; not checked") from None
        response.body = self._scrub_bytes(response.body)
        return response

    def _scrub(self, text: str) -> str:
        return scrub_text(text, self._secrets) if self._secrets else text

    def _scrub_bytes(self, data: bytes) -> bytes:
        return scrub_bytes(data, self._secrets) if self._secrets else data

    def _describe(self, exc: requests.exceptions.RequestException, origin: str, method: str) -> tuple[str, bool]:
        """The reason of a failed call, and whether the host itself is unreachable.

        Connection failures are retried for every method (nothing was sent); failures after the
        request went out only for idempotent ones, so only those say "after N retries".
        """
        retries = self.settings.retries
        after = _after_retries(retries)
        read_after = _after_retries(retries if _resent(method) else 0)
        inner = _innermost(exc)
        lowered = inner.lower()
        chain = _chain(exc)
        if any(isinstance(e, _NAME_RESOLUTION_ERRORS) for e in chain) or any(m in lowered for m in _DNS_MARKERS):
            return (f"unknown host {origin}: the name does not resolve{after}; check the recorded URI, "
                    "or point it at a reachable base URL with --rewrite-host"), True
        if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in lowered:
            return (f"cannot connect to {origin}: connection refused{after}; is the API up? "
                    "(use --rewrite-host to point at a stand-in)"), True
        # urllib3's NewConnectionError (refused, DNS) subclasses ConnectTimeoutError.
        if any(isinstance(e, requests.exceptions.ConnectTimeout)
               or (isinstance(e, ConnectTimeoutError) and not isinstance(e, NewConnectionError))
               for e in chain):
            return (f"timed out connecting to {origin} ({self.settings.timeout:g}s{after}); is the host "
                    "reachable? raise --timeout if it is slow"), True
        if any(isinstance(e, requests.exceptions.ReadTimeout | ReadTimeoutError | TimeoutError) for e in chain):
            return (f"no response from {origin} within {self.settings.timeout:g}s{read_after}; raise --timeout "
                    "if the API is slow"), False
        if any(isinstance(e, requests.exceptions.SSLError | ssl.SSLError) for e in chain):
            return f"TLS error talking to {origin}: {inner}", True
        if isinstance(exc, requests.exceptions.ConnectionError):
            return f"cannot talk to {origin}{read_after}: {inner}", False
        return f"request to {origin} failed: {inner}", False


def _prepare(method: str, url: str, headers: Mapping[str, str], body: bytes | None) -> requests.PreparedRequest:
    """The request ``Session.request`` would prepare for these sessions, without its per-call merging.

    The sessions add nothing to a request: no headers (cleared), no cookies (none are ever kept),
    no auth (``_NoAuth`` changes nothing), no params, no hooks, and their environment settings
    are frozen (environment.py). So requests' own steps for the method, URL (requoting, IDNA),
    headers (validation) and body (``Content-Length``) give the same request, and the session's
    merging of seven settings, its cookie jar look-ups and its ``send`` wrapper (hooks, cookie
    extraction, redirect bookkeeping for a call that never follows one) are skipped: about a
    sixth of a call's CPU, 0.25 of 1.4 ms (docs/benchmarks.md, Refresh).
    """
    prepared = requests.PreparedRequest()
    prepared.prepare_method(method)
    prepared.prepare_url(url, None)
    prepared.prepare_headers(headers)
    prepared.prepare_body(body, None)
    return prepared


def _megabytes(size: int) -> str:
    return f"{size // (1024 * 1024)} MB" if size >= 1024 * 1024 else f"{size} bytes"


_DNS_MARKERS = ("name or service not known", "nodename nor servname", "getaddrinfo failed",
                "temporary failure in name resolution", "failed to resolve", "no address associated")


def _root(exc: BaseException) -> BaseException:
    """The innermost cause of ``exc`` (requests wraps urllib3, which wraps socket errors)."""
    seen: set[int] = set()
    current: BaseException = exc
    while id(current) not in seen:
        seen.add(id(current))
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            current = reason
        elif current.args and isinstance(current.args[0], BaseException):
            current = current.args[0]
        elif current.__cause__ is not None:
            current = current.__cause__
        else:
            break
    return current


def _read1(raw: Any, size: int) -> bytes:
    """Whatever part of the body has arrived (up to ``size`` bytes), undecoded.

    urllib3 2 has ``HTTPResponse.read1``. urllib3 1.26 has none, and its ``read(size)`` waits for
    all ``size`` bytes (a dribbling server would outlast the deadline), so the same comes from
    the standard library's response it wraps; a body cut short of its Content-Length raises
    there as urllib3 2 raises it.
    """
    read1 = getattr(raw, "read1", None)
    if read1 is not None:
        return bytes(read1(size, decode_content=False))
    wrapped = raw._fp  # http.client.HTTPResponse; urllib3 1.26 has not read from it yet
    if wrapped is None:
        return b""
    chunk = bytes(wrapped.read1(size))
    missing = getattr(wrapped, "length", None)
    if not chunk and missing:
        raise ProtocolError(f"Connection broken: IncompleteRead({missing} bytes missing)")
    return chunk


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and every exception it wraps, outermost first."""
    found: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not f for f in found):
        found.append(current)
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            current = reason
        elif current.args and isinstance(current.args[0], BaseException):
            current = current.args[0]
        else:
            current = current.__cause__
    return found


def _innermost(exc: BaseException) -> str:
    """A short, one-line description of the root cause of ``exc`` (no object reprs)."""
    current = _root(exc)
    text = " ".join(str(current).split()) or type(current).__name__
    # urllib3 prefixes its messages with the connection object's repr; keep the cause.
    if "): " in text and text.startswith(("HTTPConnection(", "HTTPSConnection(", "<urllib3")):
        text = text.split("): ", 1)[1]
    return text[:300]


def _resent(method: str) -> bool:
    """Does urllib3 send ``method`` again after the request went out? Only idempotent ones."""
    return method.upper() in Retry.DEFAULT_ALLOWED_METHODS


def _after_retries(retries: int) -> str:
    return f" after {retries} retr{'y' if retries == 1 else 'ies'}" if retries else ""


def unusable_status(recorded_status: int, live: Response, host: str, retries: int, method: str) -> str | None:
    """Why a live status means "could not check" (401/403/429/5xx), or None when it is checkable.

    When the cassette recorded that very status (a test of an error path), it is compared. The
    reason says "after N retries" only when urllib3 did retry: one of :data:`RETRY_STATUSES`, and
    an idempotent method (a POST is never re-sent).
    """
    status = live.status
    if status == recorded_status:
        return None
    label = f"live {status}{' ' + live.reason if live.reason else ''}"
    after = _after_retries(retries if status in RETRY_STATUSES and _resent(method) else 0)
    if status in (401, 403):
        return f"{label}: check the credentials for host {host} ([tool.cassettes.auth])"
    if status == 429:
        return f"{label} from {host}{after}: rate limited; lower --workers or run later"
    if status >= 500:
        return f"{label} from {host}{after}: server error, could not check"
    return None
