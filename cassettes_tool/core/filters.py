"""Secret filtering (docs/recording.md): the same rules when recording, updating and accepting.

One implementation: :func:`filter_request_parts` and :func:`filter_response_parts` work on a
neutral :class:`RequestParts` / :class:`ResponseParts` (URI, ``{name: [values]}`` headers, body
bytes). :func:`filter_request` and :func:`filter_response` adapt the cassette model to them;
:mod:`cassettes_tool.recording.filtering` adapts vcrpy's request objects and response mappings.

Filtered values are replaced by the placeholder, never dropped, so a reader sees that a
credential was there. The names come from :mod:`.secrets` (via the config's defaults); user lists
extend them. Header filters apply to request and response headers (``Set-Cookie`` always in
responses); query filters to the URI, to URL headers (``Location``, ``Link``...: query, fragment,
user info; :mod:`.url_filters`) and to form, multipart, XML and GraphQL bodies; body-field filters
to JSON at any depth (:mod:`.body_filters`: bodies are recognised by content, not Content-Type).
The reason phrase is filtered as text. A body that changes gets a true ``Content-Length``; a
compressed body (request or response) that needs filtering is stored decoded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from cassettes_tool.core.bodies import decode_content
from cassettes_tool.core.body_filters import filter_body as filter_body
from cassettes_tool.core.body_filters import filter_json as filter_json
from cassettes_tool.core.cassette import Headers, Request, Response
from cassettes_tool.core.config import Config
from cassettes_tool.core.secrets import (
    FILTER_BODY_FIELDS,
    FILTER_HEADERS,
    FILTER_QUERY_PARAMETERS,
    FILTER_RESPONSE_HEADERS,
    URL_HEADER_QUERY_PARAMETERS,
    URL_HEADERS,
)
from cassettes_tool.core.secrets import PLACEHOLDER as PLACEHOLDER
from cassettes_tool.core.url_filters import filter_link
from cassettes_tool.core.url_filters import filter_text as filter_text
from cassettes_tool.core.url_filters import filter_uri as filter_uri


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


@dataclass(frozen=True)
class RequestParts:
    """What request filtering reads and rewrites; ``body`` None means absent or not filterable (a stream)."""

    uri: str
    headers: Headers
    body: bytes | None


@dataclass(frozen=True)
class ResponseParts:
    """What response filtering reads and rewrites (``reason``: the status line's reason phrase)."""

    headers: Headers
    body: bytes
    reason: str = ""


_URL_HEADER_NAMES = frozenset(URL_HEADER_QUERY_PARAMETERS)


def filter_url_headers(headers: Headers, names: frozenset[str]) -> Headers:
    """``Location``, ``Content-Location``, ``Link``...: credential parameters, fragments and user info filtered."""
    if not any(name.lower() in URL_HEADERS for name in headers):
        return headers
    names = names | _URL_HEADER_NAMES
    out: Headers = {}
    changed = False
    for name, values in headers.items():
        lowered = name.lower()
        if lowered in URL_HEADERS:
            filter_one = filter_link if lowered == "link" else filter_text if lowered == "refresh" else filter_uri
            new = [filter_one(v, names) if isinstance(v, str) else v for v in values]
            changed = changed or new != list(values)
            out[name] = new
        else:
            out[name] = values
    return out if changed else headers


def decoded_body(body: bytes, headers: Headers) -> tuple[bytes, bool]:
    """The body without its Content-Encoding, and whether it was encoded."""
    encoding = header_value(headers, "content-encoding")
    if not encoding or encoding.strip().lower() == "identity":
        return body, False
    return decode_content(body, encoding), True


def stored_decoded(headers: Headers, body: bytes) -> Headers:
    """The body is now stored decoded: no Content-Encoding, a true Content-Length."""
    return with_length({k: v for k, v in headers.items() if k.lower() != "content-encoding"}, len(body))


def filter_request_parts(parts: RequestParts, rules: FilterRules) -> RequestParts:
    """The one request filter: URI, headers, and the body (by content, compressed or not) with a true length.

    Parts with nothing to filter come back as they are (the same objects): vcrpy runs this on
    every request it matches. A compressed body that needs filtering is stored decoded.
    """
    headers = parts.headers
    names = set(map(str.lower, headers))  # once, in C: most requests have nothing to filter
    if not names.isdisjoint(rules.headers):
        headers = filter_headers(headers, rules.headers)
    if not names.isdisjoint(URL_HEADERS):
        headers = filter_url_headers(headers, rules.query_parameters)
    body = parts.body
    if body:
        decoded, encoded = decoded_body(body, parts.headers)
        filtered = filter_body(decoded, header_value(parts.headers, "content-type"), rules.body_fields,
                               rules.query_parameters)
        if filtered is not decoded and filtered != decoded:
            body = filtered
            # Keep the length true to the stored body: requests with other secrets match.
            headers = stored_decoded(headers, body) if encoded else with_length(headers, len(body))
    uri = filter_uri(parts.uri, rules.query_parameters)
    if uri is parts.uri and headers is parts.headers and body is parts.body:
        return parts
    return RequestParts(uri, headers, body)


def filter_response_parts(parts: ResponseParts, rules: FilterRules) -> ResponseParts:
    """The one response filter: headers, reason phrase and the body; a compressed body that changes is stored decoded."""
    headers = filter_headers(parts.headers, rules.response_headers)
    headers = filter_url_headers(headers, rules.query_parameters | rules.body_fields)
    body = parts.body
    decoded, encoded = decoded_body(body, parts.headers)
    filtered = filter_body(decoded, header_value(parts.headers, "content-type"), rules.body_fields,
                           rules.query_parameters)
    if filtered is not decoded and filtered != decoded:
        body = filtered
        headers = stored_decoded(headers, body) if encoded else with_length(headers, len(body))
    reason = filter_text(parts.reason, rules.query_parameters | rules.body_fields)
    return ResponseParts(headers, body, reason)


def header_value(headers: Headers, name: str) -> str | None:
    """The first value of header ``name`` (lower case), when it is text."""
    for key, values in headers.items():
        if key.lower() == name and values:
            return values[0] if isinstance(values[0], str) else None
    return None


def with_length(headers: Headers, length: int) -> Headers:
    """``headers`` with a ``Content-Length`` (if any) of ``length``."""
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
    filtered = filter_response_parts(ResponseParts(response.headers, response.body, response.reason), rules)
    return replace(response, headers=filtered.headers, body=filtered.body, reason=filtered.reason)
