"""The planted-secret matrix: every secret location, every encoding, every content type.

One loopback server and one project serve every cell. Each cell plants its own secret; the
module records every cell through ``use_cassette``, refreshes (report), accepts, refreshes again
with ``--update all`` (report), renders both reports in every format and replays every cassette.
Each cell then checks that its secret's bytes are nowhere on disk, in any file of the project,
after decoding what was written (YAML and JSON parsed, bodies decompressed, base64 undone,
percent-escapes and HTML entities resolved). Secrets a server echoes at refresh time come from
``[tool.cassettes.auth]`` (the injected value); recorded ones from the cells' requests and
responses. The ``path`` cells put a token of a known format in a URL path segment (no name
around it); the ``echo`` cells send a credential the request filter removes and get it back in
the response (as is, compressed, percent-encoded, base64, JSON-escaped, in the reason phrase).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import gzip
import html
import json
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, unquote_plus, urlencode

import brotli
import pytest
import requests
import yaml

from cassettes_tool import use_cassette
from cassettes_tool.core.bodies import decode_content
from cassettes_tool.review.render import FORMATS
from tests.helpers.cli import run_cli
from tests.helpers.server import LoopbackServer, ReceivedRequest

RESPONSE_BODY = ("json_deep", "json_in_string", "escaped_key", "form_response", "xml_response")
REQUEST_BODY = ("json_request", "form_request", "multipart_request", "graphql_inline", "graphql_variables")
NOT_BODY = ("request_header", "response_header", "location", "location_fragment", "link",
            "content_location_userinfo", "query", "reason")
BODY_ENCODINGS = ("identity", "gzip", "deflate", "br", "percent")
CONTENT_TYPES = ("correct", "text/plain", "missing")
INJECTED_PLACES = ("body", "gzip_body", "br_body", "header", "percent_header", "reason")
# Token formats recognised in a URL path segment (the encoding of a ``path`` cell).
PATH_TOKENS = ("github", "github_pat", "telegram", "telegram_percent", "slack_webhook", "stripe", "jwt",
               "aws", "google", "gitlab", "npm", "openai")
# How the server echoes the credential of an ``echo`` cell (and which credential it is, see _send).
ECHO_FORMS = ("identity", "gzip", "percent", "base64", "json", "reason")
INJECTED = "inj_Tk8Xq2Lm7Vb1Nz9Wc4Tf3Hs6Pd0Gy"
BOUNDARY = "matrixBoundary0451"


@dataclass(frozen=True)
class Cell:
    location: str
    encoding: str
    content_type: str
    number: int

    @property
    def name(self) -> str:
        return f"c{self.number:03d}-{self.location}-{self.encoding}-{self.content_type.replace('/', '_')}"

    @property
    def secret(self) -> str:
        # Unique per cell; the percent cells carry characters that URLs and forms must escape,
        # the json echo cell characters JSON must escape.
        base = f"Zq{self.number:03d}Lm2Xr9Vk4Nb1Wc8Tf5Hs3Pd"
        if self.location == "path":
            return _path_token(self.encoding, self.number)
        if self.encoding == "json":
            return base + '"\\q'
        return base + "/+:=" if self.encoding == "percent" else base

    @property
    def injected(self) -> bool:
        return self.location.startswith("injected-")


def _path_token(kind: str, number: int) -> str:
    """A token of format ``kind``, unique to the cell (its number in it)."""
    n = f"{number:03d}"
    alnum = f"R8kQz2LmV7xWc4Tn9PbJ5sYh3GdA6fKe1Uo{n}"  # 38 characters
    if kind == "github":
        return f"ghp_{alnum[:36]}"
    if kind == "github_pat":
        return f"github_pat_11AB{n}_{alnum}{alnum[:20]}"
    if kind in ("telegram", "telegram_percent"):
        return f"123{n}789:AAH{alnum[:32]}"
    if kind == "slack_webhook":
        return f"Xw{alnum[:22]}"
    if kind == "stripe":
        return f"sk_live_{alnum[:30]}"
    if kind == "jwt":
        header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
        payload = base64.urlsafe_b64encode(f'{{"sub":"{n}","name":"ada"}}'.encode()).decode().rstrip("=")
        return f"{header}.{payload}.{alnum}"
    if kind == "aws":
        return f"AKIA{n}ZQ7MK2VX4B9NP"
    if kind == "google":
        return f"AIza{alnum[:35]}"
    if kind == "gitlab":
        return f"glpat-{alnum[:20]}"
    if kind == "npm":
        return f"npm_{alnum[:36]}"
    return f"sk-proj-{alnum}"


def _path_of(cell: Cell) -> str:
    """The URL path of a ``path`` cell: its token in a segment, as an API puts it there."""
    token = cell.secret
    if cell.encoding in ("telegram", "telegram_percent"):
        return f"/bot{quote(token, safe='') if cell.encoding == 'telegram_percent' else token}/getMe"
    if cell.encoding == "slack_webhook":
        return f"/services/T0{cell.number:03d}ABCD/B0{cell.number:03d}ABCD/{token}"
    return f"/v1/hooks/{token}/deliveries"


def _cells() -> list[Cell]:
    cells: list[Cell] = []
    for location in RESPONSE_BODY + REQUEST_BODY:
        for encoding in BODY_ENCODINGS:
            for content_type in CONTENT_TYPES:
                cells.append(Cell(location, encoding, content_type, len(cells)))
    for location in NOT_BODY:
        for encoding in ("identity", "percent"):
            cells.append(Cell(location, encoding, "correct", len(cells)))
    for place in INJECTED_PLACES:
        cells.append(Cell(f"injected-{place}", "identity", "correct", len(cells)))
    for kind in PATH_TOKENS:
        cells.append(Cell("path", kind, "correct", len(cells)))
    for form in ECHO_FORMS:
        cells.append(Cell("echo", form, "correct", len(cells)))
    return cells


CELLS = _cells()
BY_NAME = {cell.name: cell for cell in CELLS}


def _compress(body: bytes, encoding: str) -> tuple[bytes, dict[str, str]]:
    if encoding == "gzip":
        return gzip.compress(body), {"Content-Encoding": "gzip"}
    if encoding == "deflate":
        return zlib.compress(body), {"Content-Encoding": "deflate"}
    if encoding == "br":
        return brotli.compress(body), {"Content-Encoding": "br"}
    return body, {}


def _typed(content_type: str, correct: str) -> dict[str, str]:
    if content_type == "missing":
        return {}
    return {"Content-Type": correct if content_type == "correct" else content_type}


def _response_body(cell: Cell, drifted: bool) -> tuple[bytes, str]:
    s = cell.secret
    extra = {"added": 1} if drifted else {}
    if cell.location == "json_deep":
        return json.dumps({"data": {"items": [{"auth": {"password": s}}]}, **extra}).encode(), "application/json"
    if cell.location == "json_in_string":
        return json.dumps({"payload": json.dumps({"user": {"password": s}}), **extra}).encode(), "application/json"
    if cell.location == "escaped_key":
        added = ', "added": 1' if drifted else ""
        return f'{{"access\\u005ftoken": "{s}", "n": 1{added}}}'.encode(), "application/json"
    if cell.location == "form_response":
        return f"access_token={quote(s, safe='')}&token_type=bearer".encode(), "application/x-www-form-urlencoded"
    if cell.location == "xml_response":
        return f"<auth><token>{html.escape(s)}</token><user>ada</user></auth>".encode(), "application/xml"
    return json.dumps({"ok": True, **extra}).encode(), "application/json"


def _handler(state: dict[str, bool]) -> Any:
    def handle(received: ReceivedRequest) -> tuple[Any, ...]:
        cell = BY_NAME[received.path.rsplit("/", 1)[-1]]
        drifted = state["drifted"]
        s = cell.secret
        if cell.injected:
            seen = received.header("Authorization") or ""
            place = cell.location.removeprefix("injected-")
            raw = json.dumps({"seen": seen, **({"added": 1} if drifted else {})}).encode()
            headers = {"Content-Type": "application/json"}
            if place in ("gzip_body", "br_body"):
                raw, extra = _compress(raw, place.removesuffix("_body"))
                headers.update(extra)
            if place == "header":
                headers["X-Seen"] = seen
            if place == "percent_header":
                headers["X-Seen"] = quote(seen, safe="")
            return 200, headers, raw, f"OK {seen}" if place == "reason" else None
        if cell.location == "echo":
            return _echo(cell, received, drifted)
        body, correct = _response_body(cell, drifted)
        headers = _typed(cell.content_type, correct) if cell.location in RESPONSE_BODY else \
            {"Content-Type": "application/json"}
        if cell.location in RESPONSE_BODY:
            body, extra = _compress(body, cell.encoding)
            headers.update(extra)
        reason = None
        status = 200
        quoted = quote(s, safe="")
        if cell.location == "response_header":
            headers["X-Api-Key"] = s
        elif cell.location == "location":
            status, headers["Location"] = 201, f"/next?code={quoted}&page=2"
        elif cell.location == "location_fragment":
            status, headers["Location"] = 201, f"https://app.test/callback#access_token={quoted}&token_type=bearer"
        elif cell.location == "link":
            headers["Link"] = f'<https://api.test/items?page=2&access_token={quoted}>; rel="next"'
        elif cell.location == "content_location_userinfo":
            headers["Content-Location"] = f"https://ada:{quoted}@files.test/report.csv"
        elif cell.location == "reason":
            reason = f"OK access_token={s}"
        return status, headers, body, reason

    return handle


def _echo(cell: Cell, received: ReceivedRequest, drifted: bool) -> tuple[Any, ...]:
    """An echo endpoint: the credential the request carried (see _send), back in the response."""
    form = cell.encoding
    if form in ("identity", "reason"):
        seen = (received.header("Authorization") or "").removeprefix("Bearer ")
    elif form == "gzip":
        seen = parse_qs(received.query).get("api_key", [""])[0]
    elif form == "percent":
        seen = parse_qs(received.body.decode()).get("password", [""])[0]
    elif form == "base64":
        seen = received.header("X-Api-Key") or ""
    else:
        seen = str(json.loads(received.body or b"{}").get("password", ""))
    extra = {"added": 1} if drifted else {}
    headers = {"Content-Type": "application/json"}
    reason = None
    body = json.dumps({"seen": seen, **extra}).encode()
    if form == "gzip":
        body, encoded = _compress(body, "gzip")
        headers.update(encoded)
    elif form == "percent":
        headers["Location"] = f"/next?echo={quote(seen, safe='')}&page=2"
        body = json.dumps({"ok": True, **extra}).encode()
    elif form == "base64":
        headers["Content-Type"] = "text/plain"
        body = base64.b64encode(seen.encode())
    elif form == "json":
        body = json.dumps({"error": f"wrong password {seen}", **extra}).encode()
    elif form == "reason":
        reason = f"Rejected {seen}"
        body = json.dumps({"ok": False, **extra}).encode()
    return 200, headers, body, reason


def _send_echo(url: str, cell: Cell) -> requests.Response:
    s = cell.secret
    form = cell.encoding
    if form in ("identity", "reason"):
        return requests.get(url, headers={"Authorization": f"Bearer {s}"}, timeout=10)
    if form == "gzip":
        return requests.get(url, params={"api_key": s, "page": "2"}, timeout=10)
    if form == "percent":
        return requests.post(url, data={"user": "ada", "password": s}, timeout=10)
    if form == "base64":
        return requests.get(url, headers={"X-Api-Key": s}, timeout=10)
    return requests.post(url, json={"user": "ada", "password": s}, timeout=10)


def _send(base_url: str, cell: Cell) -> requests.Response:
    if cell.location == "path":
        return requests.get(f"{base_url}{_path_of(cell)}/{cell.name}", timeout=10)
    url = f"{base_url}/cell/{cell.name}"
    if cell.location == "echo":
        return _send_echo(url, cell)
    s = cell.secret
    if cell.location == "request_header":
        return requests.get(url, headers={"Authorization": f"Bearer {s}"}, timeout=10)
    if cell.location == "query":
        return requests.get(url, params={"access_token": s, "page": "2"}, timeout=10)
    if cell.location not in REQUEST_BODY:
        return requests.get(url, timeout=10)
    if cell.location == "json_request":
        body, correct = json.dumps({"user": "ada", "password": s}).encode(), "application/json"
    elif cell.location == "form_request":
        body, correct = urlencode({"user": "ada", "password": s}).encode(), "application/x-www-form-urlencoded"
    elif cell.location == "multipart_request":
        body = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"user\"\r\n\r\nada\r\n"
                f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\n{s}\r\n"
                f"--{BOUNDARY}--\r\n").encode()
        correct = f"multipart/form-data; boundary={BOUNDARY}"
    elif cell.location == "graphql_inline":
        query = f'mutation {{ login(user: "ada", password: "{s}") {{ ok }} }}'
        body, correct = json.dumps({"query": query}).encode(), "application/json"
    else:
        query = "mutation Login($password: String!) { login(password: $password) { ok } }"
        body = json.dumps({"query": query, "variables": {"password": s}}).encode()
        correct = "application/json"
    body, headers = _compress(body, cell.encoding)
    headers.update(_typed(cell.content_type, correct))
    return requests.post(url, data=body, headers=headers, timeout=10)


@dataclass
class MatrixRun:
    root: Path
    results: dict[str, CliResultLike]
    replayed: dict[str, str]  # cell name -> why its replay failed (absent when it replayed)
    injected_sent: int  # live calls that carried the injected credential
    live_secret: dict[str, bool]  # path and echo cells: the real secret went out (path) or came back (echo)
    haystacks: dict[str, str]  # file -> every decoded reading of it


@dataclass(frozen=True)
class CliResultLike:
    exit_code: int
    output: str


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MatrixRun]:
    root = tmp_path_factory.mktemp("matrix")
    server = LoopbackServer(dated=False).start()
    state = {"drifted": False}
    server.route("*", "*", handler=_handler(state))
    host = f"127.0.0.1:{server.port}"
    (root / "pyproject.toml").write_text(
        '[tool.cassettes]\ncassette_dir = "cassettes"\n\n'
        f'[tool.cassettes.auth."{host}"]\nenv = "MATRIX_TOKEN"\nformat = "Bearer {{}}"\n')
    saved = {k: os.environ.get(k) for k in ("MATRIX_TOKEN", "CASSETTES_CACHE_DIR", "CASSETTES_CONFIG")}
    os.environ["MATRIX_TOKEN"] = INJECTED
    os.environ["CASSETTES_CACHE_DIR"] = str(root / ".parse-cache")
    os.environ.pop("CASSETTES_CONFIG", None)
    previous = Path.cwd()
    os.chdir(root)
    results: dict[str, CliResultLike] = {}
    replayed: dict[str, str] = {}
    try:
        live_secret: dict[str, bool] = {}
        for cell in CELLS:
            with use_cassette(cell.name, record_mode="once"):
                reply = _send(server.base_url, cell)
            if cell.location == "path":
                live_secret[cell.name] = cell.secret in unquote(server.requests[-1].path)
            elif cell.location == "echo":
                seen = "\n".join([reply.reason, *reply.headers.values(), reply.text])
                live_secret[cell.name] = any(form in seen for form in (
                    cell.secret, quote(cell.secret, safe=""), base64.b64encode(cell.secret.encode()).decode(),
                    json.dumps(cell.secret)[1:-1]))
        state["drifted"] = True

        def cli(key: str, *args: str) -> None:
            result = run_cli(list(args))
            results[key] = CliResultLike(result.exit_code, result.output)

        cli("refresh", "refresh", "cassettes", "--report", "first.json", "--fail-on", "never", "--retries", "0")
        cli("accept", "accept", "first.json")
        cli("update", "refresh", "cassettes", "--update", "all", "--report", "second.json", "--fail-on", "never",
            "--retries", "0")
        for report in ("first", "second"):
            for fmt in FORMATS:
                cli(f"{report}-{fmt}", "report", f"{report}.json", "--format", fmt, "-o",
                    f"{report}-rendered.{fmt}", "--fail-on", "never")
        state["drifted"] = False
        for cell in CELLS:
            try:
                with use_cassette(cell.name, record_mode="none"):
                    _send(server.base_url, cell)
            except Exception as exc:  # the reason is what the cell reports
                replayed[cell.name] = f"{type(exc).__name__}: {exc}"
        injected_sent = sum(1 for r in server.requests if r.header("Authorization") == f"Bearer {INJECTED}")
        haystacks = {str(path.relative_to(root)): "\n".join(_views(path.read_bytes()))
                     for path in sorted(root.rglob("*"))
                     if path.is_file() and ".parse-cache" not in path.parts}
        yield MatrixRun(root, results, replayed, injected_sent, live_secret, haystacks)
    finally:
        os.chdir(previous)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        server.stop()


# -- decoding what was written --------------------------------------------------------------------

def _strings(value: Any) -> Iterator[str | bytes]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _strings(key)
            yield from _strings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _strings(inner)
    elif isinstance(value, str | bytes):
        yield value


def _views(data: bytes) -> Iterator[str]:
    """Every reading of a file's bytes a secret could hide behind."""
    text = data.decode("utf-8", "replace")
    yield text
    yield unquote(text)
    yield unquote_plus(text)
    yield html.unescape(text)
    parsed: Any = None
    try:
        parsed = json.loads(data)
    except ValueError:
        try:
            parsed = yaml.load(data, Loader=yaml.UnsafeLoader)  # our own test files: !!binary and !!python
        except yaml.YAMLError:
            parsed = None
    for value in _strings(parsed):
        raw = value if isinstance(value, bytes) else value.encode("utf-8", "replace")
        candidates = [raw]
        if isinstance(value, str) and len(value) >= 8:
            with contextlib.suppress(binascii.Error, ValueError):
                candidates.append(base64.b64decode(value, validate=True))
        for candidate in candidates:
            for encoding in ("gzip", "deflate", "br"):
                decoded = decode_content(candidate, encoding)
                if decoded != candidate:
                    candidates.append(decoded)
                    break
        for candidate in candidates:
            inner = candidate.decode("utf-8", "replace")
            yield inner
            yield unquote(inner)
            yield unquote_plus(inner)
            yield html.unescape(inner)
            with contextlib.suppress(ValueError, RecursionError):
                decoded_json = json.loads(inner)
                yield json.dumps(decoded_json, ensure_ascii=False)
                # JSON's own escapes undone: a secret with a quote is found as it was sent
                yield "\n".join(str(text) for text in _strings(decoded_json))


# -- the tests ------------------------------------------------------------------------------------

def test_every_command_of_the_matrix_run_finished_without_an_internal_error(matrix: MatrixRun) -> None:
    for key, result in matrix.results.items():
        assert result.exit_code in (0, 1, 3), f"{key}: exit {result.exit_code}\n{result.output}"
        assert "internal error" not in result.output, f"{key}: {result.output}"
        assert "Traceback" not in result.output, f"{key}: {result.output}"


def test_the_matrix_run_wrote_both_reports_and_every_format(matrix: MatrixRun) -> None:
    for report in ("first", "second"):
        assert (matrix.root / f"{report}.json").stat().st_size > 0
        for fmt in FORMATS:
            assert (matrix.root / f"{report}-rendered.{fmt}").stat().st_size > 0


def test_the_live_server_really_echoed_the_injected_credential_at_refresh(matrix: MatrixRun) -> None:
    # Otherwise the injected cells would pass without proving anything.
    assert matrix.injected_sent >= 2 * len(INJECTED_PLACES)
    assert any(name.endswith(".yaml") for name in matrix.haystacks)


LIVE_CELLS = [cell for cell in CELLS if cell.location in ("path", "echo")]


@pytest.mark.parametrize("cell", LIVE_CELLS, ids=[cell.name for cell in LIVE_CELLS])
def test_the_real_secret_went_to_the_server_in_the_path_and_came_back_in_the_echo(
        matrix: MatrixRun, cell: Cell) -> None:
    # Otherwise the path and echo cells would pass without proving anything.
    assert matrix.live_secret[cell.name]


@pytest.mark.parametrize("cell", CELLS, ids=[cell.name for cell in CELLS])
def test_the_cells_secret_is_nowhere_on_disk_after_record_refresh_accept_and_every_report(
        matrix: MatrixRun, cell: Cell) -> None:
    secret = INJECTED if cell.injected else cell.secret
    assert [name for name, text in matrix.haystacks.items() if secret in text] == []


@pytest.mark.parametrize("cell", CELLS, ids=[cell.name for cell in CELLS])
def test_the_cells_cassette_still_replays_after_filtering_refresh_and_accept(matrix: MatrixRun, cell: Cell) -> None:
    assert (matrix.root / "cassettes" / f"{cell.name}.yaml").is_file()
    assert matrix.replayed.get(cell.name) is None, matrix.replayed.get(cell.name)


# -- what slipped through: cassettes recorded by plain vcrpy (no filters), then audit --fix ------

AUDITED = [cell for cell in CELLS if not cell.injected]


@dataclass
class AuditRun:
    root: Path
    before: CliResultLike
    fixed: CliResultLike
    after: CliResultLike
    replayed: dict[str, str]
    haystacks: dict[str, str]


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuditRun]:
    import vcr

    root = tmp_path_factory.mktemp("audited")
    server = LoopbackServer(dated=False).start()
    server.route("*", "*", handler=_handler({"drifted": False}))
    (root / "pyproject.toml").write_text('[tool.cassettes]\ncassette_dir = "cassettes"\n')
    saved = {k: os.environ.get(k) for k in ("CASSETTES_CACHE_DIR", "CASSETTES_CONFIG")}
    os.environ["CASSETTES_CACHE_DIR"] = str(root / ".parse-cache")
    os.environ.pop("CASSETTES_CONFIG", None)
    previous = Path.cwd()
    os.chdir(root)
    replayed: dict[str, str] = {}
    try:
        plain = vcr.VCR(cassette_library_dir=str(root / "cassettes"), record_mode="once")
        for cell in AUDITED:
            with plain.use_cassette(f"{cell.name}.yaml"):
                _send(server.base_url, cell)
        before = run_cli(["audit", "cassettes"])
        fixed = run_cli(["audit", "cassettes", "--fix"])
        after = run_cli(["audit", "cassettes"])
        for cell in AUDITED:
            try:
                with use_cassette(cell.name, record_mode="none"):
                    _send(server.base_url, cell)
            except Exception as exc:  # the reason is what the cell reports
                replayed[cell.name] = f"{type(exc).__name__}: {exc}"
        haystacks = {str(path.relative_to(root)): "\n".join(_views(path.read_bytes()))
                     for path in sorted((root / "cassettes").rglob("*")) if path.is_file()}
        yield AuditRun(root, CliResultLike(before.exit_code, before.output), CliResultLike(fixed.exit_code, fixed.output),
                       CliResultLike(after.exit_code, after.output), replayed, haystacks)
    finally:
        os.chdir(previous)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        server.stop()


def test_plain_vcrpy_really_wrote_the_secrets_the_audit_must_find(audited: AuditRun) -> None:
    assert audited.before.exit_code == 1, audited.before.output
    assert audited.after.exit_code == 0, audited.after.output
    assert "internal error" not in audited.fixed.output + audited.before.output


@pytest.mark.parametrize("cell", AUDITED, ids=[cell.name for cell in AUDITED])
def test_audit_finds_the_cells_secret_and_fix_removes_it_so_the_cassette_still_replays(
        audited: AuditRun, cell: Cell) -> None:
    assert f"{cell.name}.yaml" in audited.before.output
    assert [name for name, text in audited.haystacks.items() if cell.secret in text] == []
    assert audited.replayed.get(cell.name) is None, audited.replayed.get(cell.name)
