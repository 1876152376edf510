"""Live faults matrix: `cassettes refresh` against a misbehaving API on loopback.

A raw-socket server (one request per connection, so every fault is exact) plays each fault the
nightly job meets in the wild: refused connections, unknown hosts, TLS to a plain port, silence
before the headers or mid-body, resets, a dribbling server, 5xx/429 with and without
``Retry-After``, redirect loops and redirects to another host, a 20 MB body, invalid JSON, a
wrong ``Content-Length`` and gzip that does not decompress. For each fault the test checks the
interaction's status and reason in the JSON report, the exit code, and that every cassette is
byte-identical afterwards (also with ``--update all``) unless the live answer was a real
answer that ``--update all`` is asked to write. Timeouts are 0.5 s on a quiet machine and there
is one retry; on a loaded one they grow with a 20 MB transfer measured at the start of the run
(``PACE``), so the 20 MB answer still arrives in time and every bound scales with the load.
"""

from __future__ import annotations

import contextlib
import functools
import json
import socket
import subprocess
import sys
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import yaml

from cassettes_tool.core.reader import load_cassette
from cassettes_tool.errors import CassetteError, ExitCode
from tests.helpers.cassettes import interaction, write_cassette
from tests.helpers.cli import run_cli
from tests.helpers.timing import bound, measure, time_limit

TIMEOUT = 0.5  # seconds, the floor of PACE.timeout
RECORDED = {"id": 1, "name": "Ada", "tags": ["a", "b"]}
RECORDED_BYTES = json.dumps(RECORDED).encode()
RUN_LIMIT = 15.0  # seconds for one refresh run (0.5 s timeouts); a run stuck on a fault fails instead of hanging


@dataclass
class Pace:
    """This run's ``--timeout`` and the bounds derived from it (set by the ``servers`` fixture)."""

    timeout: float = TIMEOUT

    @property
    def arg(self) -> str:
        return f"{self.timeout:g}"

    def limit(self, quiet: float) -> float:
        """A bound of ``quiet`` seconds at 0.5 s timeouts, scaled with this run's timeout."""
        return bound(self.timeout, quiet / TIMEOUT, quiet)


PACE = Pace()


class FaultServer:
    """A raw TCP server on 127.0.0.1: each path is a fault (see ``FAULTS``)."""

    def __init__(self, faults: dict[str, Callable[[FaultServer, socket.socket, str], None]]) -> None:
        self.faults = faults
        self.calls: Counter[str] = Counter()
        self.stopped = threading.Event()
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(128)
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self._conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError), conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
                if data.startswith(b"\x16"):  # a TLS ClientHello: answer like any plain HTTP server
                    respond(conn, 400, b"not HTTP")
                    return
            target = data.split(b"\r\n", 1)[0].split(b" ")[1].decode()
            path = urlsplit(target).path
            with self._lock:
                self.calls[path] += 1
            fault = self.faults.get(path.split("/")[1] if path.count("/") > 1 else path.strip("/"))
            if fault is None:
                respond(conn, 404, b'{"error": "no route"}')
            else:
                fault(self, conn, path)

    def wait(self, seconds: float) -> None:
        """Sleep, but return at once when the server stops (no thread outlives a test)."""
        self.stopped.wait(seconds)

    def stop(self) -> None:
        self.stopped.set()
        self._listener.close()
        with self._lock:
            for conn in self._conns:
                with contextlib.suppress(OSError):
                    conn.close()


def respond(conn: socket.socket, status: int, body: bytes, headers: dict[str, str] | None = None,
            *, length: int | None = None) -> None:
    head = {"Content-Type": "application/json", "Connection": "close",
            "Content-Length": str(len(body) if length is None else length), **(headers or {})}
    lines = [f"HTTP/1.1 {status} Whatever"] + [f"{k}: {v}" for k, v in head.items()]
    conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)


def reset(conn: socket.socket) -> None:
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    conn.close()


def status_fault(server: FaultServer, conn: socket.socket, path: str) -> None:
    # /status/<code>[/<retry-after>]
    parts = path.split("/")
    headers = {"Retry-After": parts[3]} if len(parts) > 3 else {}
    respond(conn, int(parts[2]), b'{"error": "try later"}', headers)


def dribble(interval: float | None) -> Callable[[FaultServer, socket.socket, str], None]:
    """A byte every ``interval`` seconds (None: every two timeouts of this run, 1 s at least)."""

    def fault(server: FaultServer, conn: socket.socket, path: str) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
        pause = interval if interval is not None else max(1.0, 2 * PACE.timeout)
        while not server.stopped.is_set():
            conn.sendall(b" ")
            server.wait(pause)

    return fault


def dribble_headers(server: FaultServer, conn: socket.socket, path: str) -> None:
    """A status line, then one header line a byte every 50 ms, forever: each read is quick, the
    headers never end. One line, not a line per read: http.client stops at 100 header lines,
    which a slow machine's longer timeout would reach before the deadline."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: ")
    while not server.stopped.is_set():
        conn.sendall(b"a")
        server.wait(0.05)


BOMB_SIZE = 1024 * 1024 * 1024  # 1 GiB once inflated


@functools.cache
def gzip_bomb() -> bytes:
    """1 GiB of zeros, gzipped (about 1 MB on the wire), built in steps so the test itself stays small."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = b"\0" * (1024 * 1024)
    parts = [packer.compress(zeros) for _ in range(BOMB_SIZE // len(zeros))]
    return b"".join([*parts, packer.flush()])


@functools.cache
def big_body() -> bytes:
    """20 MB with the recorded shape (a long array of strings): the answer is ``ok``."""
    tag = "x" * 1000
    return json.dumps({"id": 1, "name": "Ada", "tags": [tag] * (20 * 1024 * 1024 // 1004)}).encode()


FAULTS: dict[str, Callable[[FaultServer, socket.socket, str], None]] = {
    "ok": lambda s, c, p: respond(c, 200, RECORDED_BYTES),
    "before-headers": lambda s, c, p: s.wait(30),
    "mid-body": lambda s, c, p: (c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                           b"Content-Length: 200\r\n\r\n{\"id\": 1, "), s.wait(30)),
    "reset-before": lambda s, c, p: reset(c),
    "reset-mid": lambda s, c, p: (c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 200\r\n\r\n{\"id\": 1"),
                                  reset(c)),
    "dribble-slow": dribble(None),  # a byte per 2 timeouts (1 s at least): every read outlasts the timeout
    "dribble-fast": dribble(0.05),  # each read within the timeout: only a whole-body bound stops it
    "dribble-headers": dribble_headers,  # header lines within each read timeout: only a whole-response bound stops it
    "gzip-bomb": lambda s, c, p: respond(c, 200, gzip_bomb(), {"Content-Encoding": "gzip"}),
    "status": status_fault,
    "redirect-loop": lambda s, c, p: respond(c, 302, b"", {"Location": "/redirect-loop"}),
    "big": lambda s, c, p: respond(c, 200, big_body()),
    "invalid-json": lambda s, c, p: respond(c, 200, b'{"id": 1, "name": '),
    "short-length": lambda s, c, p: respond(c, 200, RECORDED_BYTES, length=len(RECORDED_BYTES) + 500),
    "long-length": lambda s, c, p: respond(c, 200, RECORDED_BYTES, length=5),
    "bad-gzip": lambda s, c, p: respond(c, 200, b"\x1f\x8b\x08\x00 this is not a gzip stream",
                                        {"Content-Encoding": "gzip"}),
}


@dataclass(frozen=True)
class Case:
    """One fault: where it is recorded, what the report must say, how many calls may reach it."""

    name: str
    uri: str
    status: str | tuple[str, ...]  # interaction status(es) accepted in the report
    reason: str | None = None      # a word the report's reason must contain (error/skipped)
    calls: int | None = None       # requests the server must have seen for this path
    writes: bool = False           # a real answer: --update all may write it


def status_cases() -> list[Case]:
    cases = []
    for code in (500, 502, 503, 504, 429):
        retried = code != 500  # documented: retries on connection errors, 429, 502, 503, 504
        for retry_after in (None, "1"):
            suffix = f"/{retry_after}" if retry_after else ""
            cases.append(Case(f"{code}{' retry-after' if retry_after else ''}",
                              f"https://api.example.com/status/{code}{suffix}", "error", str(code),
                              calls=2 if retried else 1))
    return cases


CASES = [
    Case("connection refused", "https://down.example.com/x", "error", "refused"),
    Case("unknown host", "https://api.nothing-here.invalid/x", "error", "unknown host"),
    Case("tls to a plain http port", "https://tls.example.com/ok/x", "error", "TLS"),
    # Accepted by the kernel (listen backlog) but never read: the TLS handshake gets no answer.
    Case("tls handshake with a silent server", "https://silent.example.com/x", "error", "{timeout}s"),
    Case("timeout before headers", "https://api.example.com/before-headers", "error", "within"),
    Case("timeout mid-body", "https://api.example.com/mid-body", "error", "timed out"),
    Case("reset before the response", "https://api.example.com/reset-before", "error", "reset"),
    Case("reset mid-body", "https://api.example.com/reset-mid", "error", "broke"),
    Case("one byte per second", "https://api.example.com/dribble-slow", "error", "timed out"),
    Case("header lines dribbled", "https://api.example.com/dribble-headers", "error", "took longer"),
    Case("1 GiB gzip bomb", "https://api.example.com/gzip-bomb", "error", "decompresses to more than 64 MB",
         calls=1),
    *status_cases(),
    # Redirects are not followed: the 302 itself is the live answer (status_changed).
    Case("redirect loop", "https://api.example.com/redirect-loop", "drift", calls=1, writes=True),
    Case("20 MB body", "https://api.example.com/big", "ok", calls=1, writes=True),
    Case("invalid json", "https://api.example.com/invalid-json", "drift", calls=1, writes=True),
    Case("content-length too long", "https://api.example.com/short-length", "error", "broke", calls=1),
    Case("content-length too short", "https://api.example.com/long-length", "drift", calls=1, writes=True),
    Case("gzip that does not decompress", "https://api.example.com/bad-gzip", "drift", calls=1, writes=True),
]


# Only alone: the second host's call counter must belong to this one case.
REDIRECT_AWAY = Case("redirect to another host", "https://api.example.com/redirect-away", "drift",
                     calls=1, writes=True)


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[FaultServer, FaultServer]]:
    """The faulty API and a second host that a redirect might (but must not) reach."""
    big_body()  # built before the clock of --timeout starts: the 20 MB case is a big body, not a slow server
    gzip_bomb()
    api, elsewhere = FaultServer(FAULTS), FaultServer({"steal": lambda s, c, p: respond(c, 200, RECORDED_BYTES)})
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    SILENT_PORT[:] = [listener.getsockname()[1]]
    api.faults["redirect-away"] = lambda s, c, p: respond(c, 302, b"", {"Location": f"http://localhost:{elsewhere.port}/steal"})
    # The baseline: the 20 MB answer fetched once, plainly. Eight times that (0.5 s at least,
    # which a quiet machine never exceeds) is the timeout every refresh of this module uses.
    with requests.Session() as plain:
        plain.trust_env = False  # no proxy from the environment: loopback only
        baseline = measure(lambda: plain.get(f"{api.url}/big", timeout=120).content)
    PACE.timeout = round(bound(baseline, 8, TIMEOUT), 1)
    yield api, elsewhere
    listener.close()
    api.stop()
    elsewhere.stop()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])




SILENT_PORT: list[int] = []


def refresh(folder: Path, api: FaultServer, update: str, *extra: str,
            limit: float = RUN_LIMIT) -> tuple[int, dict[str, object], str]:
    """Refresh ``folder`` against the faulty API (``limit``: seconds at 0.5 s timeouts, scaled)."""
    report = folder.parent / f"{folder.name}-report.json"
    with time_limit(PACE.limit(limit), "refresh still running (a fault not bounded by --timeout?)"):
        result = run_cli([
            "-q", "refresh", str(folder), "--timeout", PACE.arg, "--retries", "1", "--workers", "8",
            "--update", update, "--report", str(report), "--format", "json",
            "--rewrite-host", f"api.example.com={api.url}",
            "--rewrite-host", f"tls.example.com=https://127.0.0.1:{api.port}",
            "--rewrite-host", f"down.example.com=http://127.0.0.1:{closed_port()}",
            "--rewrite-host", f"silent.example.com=https://127.0.0.1:{SILENT_PORT[0]}", *extra,
        ])
    assert report.exists(), f"no report (exit {result.exit_code}): {result.stderr.strip()}"
    return result.exit_code, json.loads(report.read_text()), result.stderr


def cassette_for(folder: Path, case: Case, index: int) -> Path:
    path = folder / f"case{index:02d}.yaml"
    write_cassette(path, [interaction("GET", case.uri, RECORDED)])
    return path


def accepted(case: Case) -> tuple[str, ...]:
    return case.status if isinstance(case.status, tuple) else (case.status,)


@pytest.mark.parametrize("update", ["never", "all"])
@pytest.mark.parametrize("case", [*CASES, REDIRECT_AWAY], ids=lambda c: c.name)
def test_each_fault_is_reported_with_its_reason_exit_code_and_untouched_cassette(
    tmp_path: Path, servers: tuple[FaultServer, FaultServer],
    case: Case, update: str,
) -> None:
    api, elsewhere = servers
    folder = tmp_path / "cassettes"
    folder.mkdir()
    path = cassette_for(folder, case, 0)
    before = path.read_bytes()
    path_key = urlsplit(case.uri).path
    calls_before = api.calls[path_key]
    stolen_before = elsewhere.calls["/steal"]

    code, report, err = refresh(folder, api, update)

    [result] = report["cassettes"]  # type: ignore[index]
    [checked] = result["interactions"]
    assert checked["status"] in accepted(case), checked
    if checked["status"] == "error":
        reason = case.reason and case.reason.format(timeout=PACE.arg)
        assert reason is None or reason in (checked["reason"] or ""), checked["reason"]
        assert "\n" not in checked["reason"]
        assert code == 3
    elif checked["status"] == "drift":
        assert code in (0, 1) and checked["findings"]
    else:
        assert code == 0
    if case.calls is not None:
        assert api.calls[path_key] - calls_before == case.calls
    assert elsewhere.calls["/steal"] == stolen_before, "a redirect was followed to another host"
    assert "Traceback" not in err and "internal error" not in err
    if update == "never" or checked["status"] == "error" or not case.writes:
        assert path.read_bytes() == before
    load_cassette(path)


def test_all_faults_at_once_leave_every_errored_cassette_byte_identical_under_update_all(
    tmp_path: Path, servers: tuple[FaultServer, FaultServer],
) -> None:
    api, _ = servers
    folder = tmp_path / "cassettes"
    folder.mkdir()
    paths = {case.name: cassette_for(folder, case, i) for i, case in enumerate(CASES)}
    control = folder / "zz-control.yaml"
    write_cassette(control, [interaction("GET", "https://api.example.com/ok/1", RECORDED)])
    before = {p: p.read_bytes() for p in [*paths.values(), control]}

    code, report, _ = refresh(folder, api, "all")

    by_path = {Path(c["path"]).name: c for c in report["cassettes"]}  # type: ignore[union-attr]
    for case in CASES:
        path = paths[case.name]
        [checked] = by_path[path.name]["interactions"]
        assert checked["status"] in accepted(case), (case.name, checked)
        if checked["status"] == "error":
            assert path.read_bytes() == before[path], case.name
        load_cassette(path)
    # The healthy interaction went through the update path: the identity above means something.
    assert by_path[control.name]["interactions"][0]["status"] == "ok"
    assert control.read_bytes() != before[control]
    assert load_cassette(control).metadata["recorded_at"] != "2026-01-01T00:00:00Z"
    assert code in (1, 3)
    assert not [p for p in folder.iterdir() if p.name.startswith(".cassettes-tmp-")]



STEADY_DRIBBLE = Case("a steady dribble", "https://api.example.com/dribble-fast", "error", "took longer")


def test_a_steady_dribble_is_cut_off_by_the_timeout_not_read_to_the_end(
    tmp_path: Path, servers: tuple[FaultServer, FaultServer],
) -> None:
    api, _ = servers
    folder = tmp_path / "cassettes"
    folder.mkdir()
    path = cassette_for(folder, STEADY_DRIBBLE, 0)
    before = path.read_bytes()
    code, report, _ = refresh(folder, api, "all", limit=6.0)
    [checked] = report["cassettes"][0]["interactions"]  # type: ignore[index]
    assert checked["status"] == "error" and "took longer" in checked["reason"]
    assert code == 3
    assert path.read_bytes() == before


# ---------------------------------------------------------------------------------------------
# Whatever a cassette recorded, sending it live is an answer or a clear reason, never an
# "internal error" (the runner's last-resort catch).

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests.helpers.strategies import bodies, headers, methods  # noqa: E402

live_requests = st.fixed_dictionaries({
    "method": st.one_of(st.just("GET"), methods),
    "uri": st.builds(lambda p, q: f"https://api.example.com/{p}?{q}", st.text(max_size=20), st.text(max_size=20)),
    "headers": headers,  # any names and values, also outside latin-1 (sent as UTF-8 or skipped)
    "body": bodies,
})


def live_cassette(requests: list[dict[str, Any]]) -> bytes:
    interactions = [{"request": r, "response": {"status": {"code": 200, "message": "OK"},
                                                "headers": {"Content-Type": ["application/json"]},
                                                "body": {"string": '{"id": 1}'}}} for r in requests]
    return yaml.safe_dump({"version": 1, "interactions": interactions}, allow_unicode=True).encode()


def refresh_file(path: Path, api: FaultServer) -> dict[str, Any]:


    report = path.with_suffix(".report.json")
    with time_limit(PACE.limit(RUN_LIMIT), "refresh still running (a fault not bounded by --timeout?)"):
        result = run_cli(["-q", "refresh", str(path), "--timeout", PACE.arg, "--retries", "0",
                                          "--allow-methods", "GET,HEAD,OPTIONS,POST,PUT,DELETE,PATCH",
                                          "--report", str(report), "--format", "json",
                                          "--rewrite-host", f"api.example.com={api.url}"])
    assert result.exit_code != ExitCode.INTERNAL and "internal error" not in result.stderr, result.stderr
    assert result.exit_code in (0, 1, 3), result.stderr
    data: dict[str, Any] = json.loads(report.read_text())
    return data


LIVE_FUZZ = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@settings(max_examples=60, **LIVE_FUZZ)  # type: ignore[arg-type]
@given(requests=st.lists(live_requests, min_size=1, max_size=3))
def test_any_recorded_request_is_sent_or_skipped_with_a_reason_never_an_internal_error(
    tmp_path: Path, servers: tuple[FaultServer, FaultServer], requests: list[dict[str, Any]],
) -> None:
    check_sent_or_reasoned(tmp_path, servers, requests)


@pytest.mark.slow
@settings(max_examples=1500, **LIVE_FUZZ)  # type: ignore[arg-type]
@given(requests=st.lists(live_requests, min_size=1, max_size=3))
def test_slow_many_more_recorded_requests_are_sent_or_skipped_with_a_reason(
    tmp_path: Path, servers: tuple[FaultServer, FaultServer], requests: list[dict[str, Any]],
) -> None:
    check_sent_or_reasoned(tmp_path, servers, requests)


def check_sent_or_reasoned(tmp_path: Path, servers: tuple[FaultServer, FaultServer],
                           requests: list[dict[str, Any]]) -> None:
    api, _ = servers
    path = tmp_path / "live.yaml"
    path.write_bytes(live_cassette(requests))
    try:
        load_cassette(path)
    except CassetteError:
        return  # the reader's refusal is fuzzed in tests/test_fuzz.py
    before = path.read_bytes()
    report = refresh_file(path, api)
    for cassette in report["cassettes"]:
        for checked in cassette["interactions"]:
            assert "internal error" not in (checked["reason"] or ""), checked
    assert path.read_bytes() == before


@pytest.mark.parametrize("recorded", [{"X-Name": ["日本"]}, {"\x80": ["x"]}], ids=["value", "name"])
def test_a_recorded_header_outside_latin1_is_not_an_internal_error(
    tmp_path: Path, servers: tuple[FaultServer, FaultServer], recorded: dict[str, list[str]],
) -> None:
    api, _ = servers
    path = tmp_path / "utf8.yaml"
    path.write_bytes(live_cassette([{"method": "GET", "uri": "https://api.example.com/ok/1",
                                     "headers": recorded, "body": None}]))
    report = refresh_file(path, api)
    [checked] = report["cassettes"][0]["interactions"]
    assert "internal error" not in (checked["reason"] or ""), checked["reason"]


# ---------------------------------------------------------------------------------------------
# Hostile endpoints among healthy ones: each costs its own interaction, within bounds measured
# against a healthy run in the same test (never a fixed number of seconds or bytes).

HOSTILE = ("dribble-headers", "dribble-fast", "gzip-bomb", "reset-before", "reset-mid")

MEASURE_RSS = """
import resource, sys
from cassettes_tool.cli import main
try:
    code = main(sys.argv[1:])
finally:
    print("peak-rss-kb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
sys.exit(code)
"""


def timed_refresh(folder: Path, api: FaultServer) -> tuple[float, int, dict[str, Any]]:
    started = time.monotonic()
    code, report, err = refresh(folder, api, "all", limit=120.0)
    assert "Traceback" not in err and "internal error" not in err, err
    return time.monotonic() - started, code, report


def test_hostile_endpoints_cost_their_own_interaction_and_the_report_is_always_written(
    tmp_path: Path, servers: tuple[FaultServer, FaultServer],
) -> None:
    api, _ = servers
    healthy = tmp_path / "healthy"
    healthy.mkdir()
    write_cassette(healthy / "ok.yaml", [interaction("GET", "https://api.example.com/ok", RECORDED)])
    baseline, code, _ = timed_refresh(healthy, api)
    assert code == 0

    folder = tmp_path / "mixed"
    folder.mkdir()
    paths = {name: folder / f"{name}.yaml" for name in ("ok", *HOSTILE)}
    for name, path in paths.items():
        write_cassette(path, [interaction("GET", f"https://api.example.com/{name}", RECORDED)])
    before = {path: path.read_bytes() for path in paths.values()}

    elapsed, code, report = timed_refresh(folder, api)

    statuses = {Path(c["path"]).stem: c["interactions"][0] for c in report["cassettes"]}
    assert statuses["ok"]["status"] == "ok"
    for name in HOSTILE:
        assert statuses[name]["status"] == "error", (name, statuses[name])
        assert "\n" not in statuses[name]["reason"]
        assert paths[name].read_bytes() == before[paths[name]]
    assert "took longer" in statuses["dribble-headers"]["reason"]
    assert "decompresses to more than 64 MB" in statuses["gzip-bomb"]["reason"]
    assert code == 3
    # Eight workers: every hostile call runs at once, each cut within (retries + 1) timeouts.
    # Today's bound is the healthy run plus that; a dribbling server used to hold the run for minutes.
    per_call = 2 * PACE.timeout * 2  # (1 retry + 1) attempts of this run's timeout each, twice for a loaded machine
    assert elapsed < 2 * baseline + per_call * len(HOSTILE), (elapsed, baseline)


def peak_rss_kb(tmp_path: Path, api: FaultServer, name: str) -> int:
    folder = tmp_path / name
    folder.mkdir()
    write_cassette(folder / "c.yaml", [interaction("GET", f"https://api.example.com/{name}", RECORDED)])
    result = subprocess.run(
        [sys.executable, "-c", MEASURE_RSS, "-q", "refresh", str(folder), "--timeout", "5", "--retries", "0",
         "--report", str(tmp_path / f"{name}.json"), "--rewrite-host", f"api.example.com={api.url}"],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert (tmp_path / f"{name}.json").exists(), result.stderr
    return int(result.stderr.rsplit("peak-rss-kb", 1)[1].split()[0])


def test_a_gzip_bomb_costs_at_most_the_body_limit_in_memory_not_the_inflated_gigabyte(
    tmp_path: Path, servers: tuple[FaultServer, FaultServer],
) -> None:
    api, _ = servers
    baseline = peak_rss_kb(tmp_path, api, "ok")
    bomb = peak_rss_kb(tmp_path, api, "gzip-bomb")
    limit_kb = 64 * 1024  # the documented body limit, 64 MB
    # Reading stops at the limit; the body is held at most twice (chunks and the joined body)
    # plus the 1 MB on the wire. The inflated body alone would be 1024 * 1024 KB.
    assert bomb < baseline + 3 * limit_kb, (baseline, bomb)
    report = json.loads((tmp_path / "gzip-bomb.json").read_text())
    assert report["cassettes"][0]["interactions"][0]["status"] == "error"
