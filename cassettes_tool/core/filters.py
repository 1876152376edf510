"""Secret filtering (docs/recording.md): the same rules when recording, updating and accepting.

One implementation: :func:`filter_request_parts` and :func:`filter_response_parts` work on a
neutral :class:`RequestParts` / :class:`ResponseParts` (URI, ``{name: [values]}`` headers, body
bytes). :func:`filter_request` and :func:`filter_response` adapt the cassette model to them;
:mod:`cassettes_tool.recording.filtering` adapts vcrpy's request objects and response mappings.

Filtered values are replaced by the placeholder, never dropped, so a reader sees that a
credential was there. The names come from :mod:`.secrets` (via the config's defaults); user lists
extend them. Header filters apply to request and response headers (``Set-Cookie`` always in
responses); query filters to the URI and to form bodies; body-field filters to JSON at any depth.
A body that changes gets a true ``Content-Length``; a compressed response body that needs
filtering is stored decoded.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from cassettes_tool.core.bodies import decode_content, is_json_media, media_type
from cassettes_tool.core.cassette import Headers, Request, Response
from cassettes_tool.core.config import Config
from cassettes_tool.core.secrets import (
    FILTER_BODY_FIELDS,
    FILTER_HEADERS,
    FILTER_QUERY_PARAMETERS,
    FILTER_RESPONSE_HEADERS,
)
from cassettes_tool.core.secrets import PLACEHOLDER as PLACEHOLDER


@dataclass(frozen=True)
class FilterRules:
    """Lower-cased names to filter; build with :meth:`from_config`."""

    headers: frozenset[str] = frozenset(FILTER_HEADERS)
    response_headers: frozenset[str] = frozenset(FILTER_HEADERS + FILTER_RESPONSE_HEADERS)
    query_parameters: frozenset[str] = frozenset(FILTER_QUERY_PARAMETERS)
    body_fields: frozenset[str] = frozenset(FILTER_BODY_FIELDS)

    @classmethod
    def from_config(cls, config: Config | None = None, *, headers: Iterable[str] = (),
                    query_parameters: Iterable[str] = (), body_fields: Iterable[str] = ()) -> FilterRules:
        """Defaults + the config's lists + extra names (e.g. vcrpy-style overrides)."""
        base_headers = set(config.all_filter_headers if config else FILTER_HEADERS)
        base_headers |= {h.lower() for h in headers}
        query = set(config.all_filter_query_parameters if config else FILTER_QUERY_PARAMETERS)
        query |= {q.lower() for q in query_parameters}
        fields = set(config.all_filter_body_fields if config else FILTER_BODY_FIELDS)
        fields |= {f.lower() for f in body_fields}
        return cls(
            headers=frozenset(base_headers),
            response_headers=frozenset(base_headers | set(FILTER_RESPONSE_HEADERS)),
            query_parameters=frozenset(query),
            body_fields=frozenset(fields),
        )


def filter_headers(headers: Headers, names: frozenset[str]) -> Headers:
    """Headers with the values of ``names`` (case-insensitive) replaced by the placeholder."""
    return {
        name: ([PLACEHOLDER] * max(1, len(values)) if name.lower() in names else list(values))
        for name, values in headers.items()
    }


def filter_uri(uri: str, names: frozenset[str]) -> str:
    """The URI with the values of query parameters in ``names`` replaced (order kept)."""
    if "?" not in uri:
        return uri
    parts = urlsplit(uri)
    if not parts.query:
        return uri
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if not any(k.lower() in names for k, _ in pairs):
        return uri
    query = "&".join(
        f"{_quote(k)}={PLACEHOLDER}" if k.lower() in names else urlencode([(k, v)])
        for k, v in pairs
    )
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _quote(key: str) -> str:
    return urlencode([(key, "")])[:-1]


def filter_json(value: Any, fields: frozenset[str]) -> tuple[Any, bool]:
    """JSON with every key in ``fields`` (any depth) replaced by the placeholder; (value, changed)."""
    if isinstance(value, dict):
        changed = False
        out: dict[str, Any] = {}
        for key, inner in value.items():
            if isinstance(key, str) and key.lower() in fields and inner is not None:
                out[key] = PLACEHOLDER
                changed = changed or inner != PLACEHOLDER
            else:
                out[key], sub = filter_json(inner, fields)
                changed = changed or sub
        return out, changed
    if isinstance(value, list):
        results = [filter_json(v, fields) for v in value]
        return [v for v, _ in results], any(c for _, c in results)
    return value, False


def filter_body(body: bytes, content_type: str | None, fields: frozenset[str],
                form_fields: frozenset[str] = frozenset()) -> bytes:
    """Filter a (decoded) body: JSON fields at any depth, form fields; other bodies unchanged."""
    if not body:
        return body
    media = media_type(content_type)
    stripped = body.lstrip()[:1]
    if is_json_media(media) or (media is None and stripped in (b"{", b"[")):
        try:
            value = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return body
        filtered, changed = filter_json(value, fields)
        if not changed:
            return body
        return json.dumps(filtered, ensure_ascii=False, separators=_separators(body)).encode("utf-8")
    if media == "application/x-www-form-urlencoded":
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            return body
        names = fields | form_fields
        if not any(k.lower() in names for k, _ in pairs):
            return body
        return "&".join(
            f"{_quote(k)}={PLACEHOLDER}" if k.lower() in names else urlencode([(k, v)]) for k, v in pairs
        ).encode("utf-8")
    return body


def _separators(original: bytes) -> tuple[str, str]:
    # Keep compact bodies compact, spaced bodies spaced: smaller diffs.
    return (",", ":") if b'":' in original and b'": ' not in original else (", ", ": ")


@dataclass(frozen=True)
class RequestParts:
    """What request filtering reads and rewrites; ``body`` None means absent or not filterable (a stream)."""

    uri: str
    headers: Headers
    body: bytes | None


@dataclass(frozen=True)
class ResponseParts:
    """What response filtering reads and rewrites."""

    headers: Headers
    body: bytes


def filter_request_parts(parts: RequestParts, rules: FilterRules) -> RequestParts:
    """The one request filter: URI query, headers, and the body (JSON, form) with a true length.

    Parts with nothing to filter come back as they are (the same objects): vcrpy runs this on
    every request it matches.
    """
    headers = parts.headers
    if any(name.lower() in rules.headers for name in headers):
        headers = filter_headers(headers, rules.headers)
    body = parts.body
    if body:
        filtered = filter_body(body, _header(parts.headers, "content-type"), rules.body_fields,
                               rules.query_parameters)
        if filtered != body:
            body = filtered
            # Keep the length true to the stored body: requests with other secrets match.
            headers = _with_length(headers, len(body))
    uri = filter_uri(parts.uri, rules.query_parameters)
    if uri is parts.uri and headers is parts.headers and body is parts.body:
        return parts
    return RequestParts(uri, headers, body)


def filter_response_parts(parts: ResponseParts, rules: FilterRules) -> ResponseParts:
    """The one response filter: headers and the body; a compressed body that changes is stored decoded."""
    headers = filter_headers(parts.headers, rules.response_headers)
    body = parts.body
    encoding = _header(parts.headers, "content-encoding")
    decoded = decode_content(body, encoding) if encoding else body
    filtered = filter_body(decoded, _header(parts.headers, "content-type"), rules.body_fields)
    if filtered is not decoded and filtered != decoded:
        body = filtered
        headers = _with_length({k: v for k, v in headers.items() if k.lower() != "content-encoding"}, len(body))
    return ResponseParts(headers, body)


def _header(headers: Headers, name: str) -> str | None:
    for key, values in headers.items():
        if key.lower() == name and values:
            return values[0] if isinstance(values[0], str) else None
    return None


def _with_length(headers: Headers, length: int) -> Headers:
    return {k: ([str(length)] if k.lower() == "content-length" else v) for k, v in headers.items()}


def filter_request(request: Request, rules: FilterRules) -> Request:
    """A filtered copy of ``request`` (the model's adapter of :func:`filter_request_parts`)."""
    filtered = filter_request_parts(RequestParts(request.uri, request.headers, request.body), rules)
    headers = filtered.headers
    if headers is request.headers:  # a copy shares nothing with the original
        headers = {name: list(values) for name, values in headers.items()}
    return replace(request, uri=filtered.uri, headers=headers, body=filtered.body)


def filter_response(response: Response, rules: FilterRules) -> Response:
    """A filtered copy of ``response`` (the model's adapter of :func:`filter_response_parts`)."""
    filtered = filter_response_parts(ResponseParts(response.headers, response.body), rules)
    return replace(response, headers=filtered.headers, body=filtered.body)
