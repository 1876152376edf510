"""Walk every place of a cassette where a secret can hide and report what the detectors find.

Places: the request URI (path, query parameters, basic-auth user info), request and response
headers (credential names, cookies, URLs in headers, token formats in any value), and bodies —
JSON at any depth (credential keys, credential-like keys with random-looking values, token formats
in any string), form fields, and token formats anywhere in other text bodies. Bodies are decoded
(``Content-Encoding``) first; binary bodies are not scanned.
"""

from __future__ import annotations

from collections.abc import Iterator
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from cassettes_tool.core.bodies import (
    decode_content,
    is_json_media,
    looks_binary,
    media_type,
    parse_json,
)
from cassettes_tool.core.body_filters import looks_like_form, multipart_fields
from cassettes_tool.core.cassette import Cassette, Headers, Request, Response
from cassettes_tool.core.secrets import COOKIE_HEADERS, is_credential_like
from cassettes_tool.housekeeping.audit.detectors import (
    Hit,
    NameRules,
    is_data_value,
    is_high_entropy,
    is_placeholder,
    is_session_cookie_name,
    is_token_name,
    scan_text,
    value_hit,
)
from cassettes_tool.housekeeping.audit.filtered import area_of, filter_findings
from cassettes_tool.housekeeping.audit.findings import Locator, SecretFinding
from cassettes_tool.housekeeping.audit.masking import mask

MAX_SCANNED_BODY = 16 * 1024 * 1024


def scan_cassette(cassette: Cassette, rules: NameRules, display: str) -> list[SecretFinding]:
    """Every finding in ``cassette``, in interaction order."""
    findings: list[SecretFinding] = []
    for index, interaction in enumerate(cassette.interactions):
        for side, scanned in (("request", list(scan_request(interaction.request, rules))),
                              ("response", list(scan_response(interaction.response, rules)))):
            for location, locator, hit in scanned:
                findings.append(_finding(display, index, location, locator, hit))
            covered = {area_of(locator) for _, locator, _ in scanned}
            original = interaction.request if side == "request" else interaction.response
            for location, locator, hit in filter_findings(side, original, rules.filter_rules, covered):
                findings.append(_finding(display, index, location, locator, hit))
    return findings


def unscanned_bodies(cassette: Cassette) -> list[str]:
    """One line per body above the scan limit: it is not fully scanned, and the user is told so."""
    lines = []
    limit = MAX_SCANNED_BODY // (1024 * 1024)
    for index, interaction in enumerate(cassette.interactions):
        request = interaction.request
        bodies = (("request", decode_content(request.body or b"", request.header("content-encoding"))),
                  ("response", interaction.response.decoded_body()))
        for side, body in bodies:
            if len(body) > MAX_SCANNED_BODY:
                lines.append(f"interaction {index}: {side}.body ({len(body)} bytes) not fully scanned: "
                             f"above the {limit} MB scan limit; check it by hand")
    return lines


def _finding(display: str, index: int, location: str, locator: Locator, hit: Hit) -> SecretFinding:
    return SecretFinding(display, index, location, hit.rule, hit.description, mask(hit.secret), locator)


Found = tuple[str, Locator, Hit]


def scan_request(request: Request, rules: NameRules) -> Iterator[Found]:
    yield from _scan_uri(request.uri, rules)
    yield from _scan_headers("request", request.headers, rules)
    body = decode_content(request.body or b"", request.header("content-encoding"))
    yield from _scan_body("request", body, request.header("content-type"), rules)


def scan_response(response: Response, rules: NameRules) -> Iterator[Found]:
    yield from _scan_headers("response", response.headers, rules)
    yield from _scan_body("response", response.decoded_body(), response.header("content-type"), rules)


def _locator(side: str, kind: str, key: Any, hit: Hit) -> Locator:
    return Locator(side=side, kind=kind, key=key, target=hit.target, replacement=hit.replacement)


def _scan_uri(uri: str, rules: NameRules) -> Iterator[Found]:
    parts = urlsplit(uri)
    seen: set[str] = set()
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        for hit in _named_value(name, value, rules.query_parameters, "credential-query-parameter",
                                "credential query parameter"):
            seen.add(hit.secret)
            yield f"request.uri query `{name}`", _locator("request", "query", name, hit), hit
    for hit in scan_text(uri):
        if hit.secret in seen or any(hit.secret in s for s in seen):
            continue
        where = "request.uri" if hit.rule == "basic-auth-credentials" else "request.uri path"
        if hit.rule != "basic-auth-credentials" and hit.secret in parts.query:
            where = "request.uri query"
        yield where, _locator("request", "uri", None, hit), hit


def _named_value(name: str, value: str, names: frozenset[str], rule: str, description: str) -> Iterator[Hit]:
    """Hits for one named value: a credential name, a credential-like name with a random value, a token format."""
    if is_token_name(name) and is_data_value(value):
        return  # a paging or search state named "token", not a credential (known formats excluded)
    if name.lower() in names:
        hit = value_hit(rule, description, value)
        if hit is not None:
            yield hit
        return
    if is_credential_like(name) and is_high_entropy(value) and not is_placeholder(value):
        yield Hit("high-entropy-credential", f"random-looking value in credential-like name {name!r}",
                  value.strip(), target=None)
        return
    yield from scan_text(value)


def _scan_headers(side: str, headers: Headers, rules: NameRules) -> Iterator[Found]:
    for name, values in headers.items():
        lowered = name.lower()
        where = f"{side}.headers.{name}"
        for value in values:
            if lowered in COOKIE_HEADERS:
                hit = _cookie_hit(value)
                if hit is not None:
                    yield where, _locator(side, "header", name, hit), hit
                continue
            if lowered in rules.headers:
                hit = value_hit("credential-header", "credential header", value)
                if hit is not None:
                    yield where, _locator(side, "header", name, hit), hit
                continue
            if is_credential_like(name) and is_high_entropy(value) and not is_placeholder(value):
                hit = Hit("high-entropy-credential", f"random-looking value in credential-like header {name!r}",
                          value.strip(), target=None)
                yield where, _locator(side, "header", name, hit), hit
                continue
            yield from _scan_header_value(side, name, value, rules)


def _scan_header_value(side: str, name: str, value: str, rules: NameRules) -> Iterator[Found]:
    seen: set[str] = set()
    if "://" in value:  # Location, Link, Content-Location: query strings of URLs
        for url in value.replace("<", " ").replace(">", " ").replace(",", " ").split():
            if "://" not in url:
                continue
            for param, param_value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
                if param.lower() not in rules.query_parameters and not is_credential_like(param):
                    continue
                for hit in _named_value(param, param_value, rules.query_parameters,
                                        "credential-query-parameter", "credential query parameter"):
                    seen.add(hit.secret)
                    locator = Locator(side, "header-query", (name, param), hit.target, hit.replacement)
                    yield f"{side}.headers.{name} query `{param}`", locator, hit
    for hit in scan_text(value):
        if any(hit.secret in s for s in seen):
            continue
        yield f"{side}.headers.{name}", _locator(side, "header", name, hit), hit


def _cookie_hit(value: str) -> Hit | None:
    """A cookie header with a session or credential cookie (by name) or a known token format.

    Random values alone do not count: load-balancer, bot-management and A/B cookies are random
    too, and reporting them would bury the real findings.
    """
    pairs = _cookie_pairs(value)
    for cookie_name, cookie_value in pairs:
        if is_placeholder(cookie_value) or not cookie_value:
            continue
        if is_session_cookie_name(cookie_name) or scan_text(cookie_value):
            return Hit("session-cookie", f"cookie {cookie_name!r} holds a session or token value",
                       cookie_value, target=None)
    return None


_COOKIE_ATTRIBUTES = {"path", "domain", "expires", "max-age", "secure", "httponly", "samesite",
                      "priority", "partitioned", "version", "comment"}


def _cookie_pairs(value: str) -> list[tuple[str, str]]:
    cookie: SimpleCookie = SimpleCookie()
    try:
        cookie.load(value)
        pairs = [(k, m.value) for k, m in cookie.items()]
    except CookieError:
        pairs = []
    if pairs:
        return pairs
    # Lenient fallback: real Set-Cookie values break http.cookies (commas in dates, odd names).
    result = []
    for part in value.split(";"):
        key, sep, val = part.strip().partition("=")
        if sep and key.strip().lower() not in _COOKIE_ATTRIBUTES:
            result.append((key.strip(), val.strip().strip('"')))
    return result


def _scan_body(side: str, body: bytes, content_type: str | None, rules: NameRules) -> Iterator[Found]:
    if not body or len(body) > MAX_SCANNED_BODY:
        return
    media = media_type(content_type)
    if media == "multipart/form-data":
        yield from _scan_multipart(side, body, rules)
        return
    if looks_binary(body):
        return
    stripped = body.lstrip()[:1]
    if is_json_media(media) or (stripped in (b"{", b"[") and media in (None, "text/plain")):
        try:
            value = parse_json(body)
        except (ValueError, UnicodeDecodeError, RecursionError):
            value = _NOT_JSON
        if value is not _NOT_JSON:
            try:
                found = list(_scan_json(side, value, (), rules))
            except RecursionError:  # absurdly deep JSON: fall back to scanning it as text
                found = None
            if found is not None:
                yield from found
                return
    text = body.decode("utf-8", errors="replace")
    if media == "application/x-www-form-urlencoded" or (media is None and looks_like_form(text)):
        for name, field_value in parse_qsl(text, keep_blank_values=True):
            for hit in _named_value(name, field_value, rules.form_fields,
                                    "credential-field", "credential form field"):
                yield f"{side}.body form `{name}`", _locator(side, "form", name, hit), hit
        return
    for hit in scan_text(text):
        line = text.count("\n", 0, max(text.find(hit.secret), 0)) + 1
        yield f"{side}.body line {line}", _locator(side, "text", None, hit), hit


_NOT_JSON = object()

def _scan_multipart(side: str, body: bytes, rules: NameRules) -> Iterator[Found]:
    for match in multipart_fields(body):
        name = match.group("name").decode("latin-1")
        value = match.group("value").decode("latin-1")
        for hit in _named_value(name, value, rules.form_fields, "credential-field", "credential multipart field"):
            yield f"{side}.body multipart `{name}`", _locator(side, "multipart", name, hit), hit


_NAME_KEYS = ("name", "key")


def _scan_json(side: str, value: Any, path: tuple[str | int, ...], rules: NameRules) -> Iterator[Found]:
    if isinstance(value, dict):
        pair = _name_value_pair(value)
        if pair is not None:
            # {"name": "x-amz-security-token", "value": "..."}: form fields and header lists as JSON.
            name, inner = pair
            child = (*path, "value")
            names = rules.json_fields
            hits = list(_named_value(name, inner, names, "credential-field", f"credential field {name!r}"))
            for hit in hits:
                yield f"{side}.body {json_path(child)}", _locator(side, "json", child, hit), hit
            value = {k: v for k, v in value.items() if k != "value"}
        for key, inner in value.items():
            child = (*path, key)
            if isinstance(key, str) and (isinstance(inner, str) or (isinstance(inner, int) and not isinstance(inner, bool))):
                text = str(inner)
                if is_token_name(key) and is_data_value(text):
                    continue
                if key.lower() in rules.json_fields:
                    named = value_hit("credential-field", "credential JSON field", text)
                    if named is not None:
                        yield f"{side}.body {json_path(child)}", _locator(side, "json", child, named), named
                    continue
                if isinstance(inner, str) and is_credential_like(key) and is_high_entropy(inner) and not is_placeholder(inner):
                    random = Hit("high-entropy-credential", f"random-looking value in credential-like field {key!r}",
                                 inner.strip(), target=None)
                    yield f"{side}.body {json_path(child)}", _locator(side, "json", child, random), random
                    continue
            yield from _scan_json(side, inner, child, rules)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _scan_json(side, inner, (*path, index), rules)
    elif isinstance(value, str):
        for hit in scan_text(value):
            yield f"{side}.body {json_path(path)}", _locator(side, "json", path, hit), hit


def _name_value_pair(value: dict[str, Any]) -> tuple[str, str] | None:
    inner = value.get("value")
    if not isinstance(inner, str):
        return None
    for key in _NAME_KEYS:
        name = value.get(key)
        if isinstance(name, str) and name:
            return name, inner
    return None


def json_path(path: tuple[str | int, ...]) -> str:
    """``('data', 0, 'api key')`` -> ``$.data[0]['api key']`` (the drift report's path style)."""
    out = "$"
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.isidentifier():
            out += f".{part}"
        else:
            escaped = part.replace("\\", "\\\\").replace("'", "\\'")
            out += f"['{escaped}']"
    return out
