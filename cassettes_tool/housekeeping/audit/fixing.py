"""Scrub audit findings in place: the standard placeholder, through the cassette model, atomically.

Only the interactions that hold a finding are rewritten; every other interaction keeps the
mapping it was stored as. A compressed body that needs scrubbing is stored decoded (and its
``Content-Encoding`` removed, ``Content-Length`` corrected), like the recording filters do. The
metadata is not stamped: scrubbing a secret is not a re-recording, the cassette's age stays.
Every form of a value scrubbed from a request is scrubbed from its response too (an echo).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import quote, quote_plus

from cassettes_tool.core.bodies import decode_content, parse_json
from cassettes_tool.core.body_filters import multipart_fields
from cassettes_tool.core.cassette import Cassette, Headers, Interaction, Request, Response
from cassettes_tool.core.config import FILTERED_PLACEHOLDER
from cassettes_tool.core.echoes import scrub_echoes
from cassettes_tool.core.filters import (
    FilterRules,
    filter_body,
    filter_request,
    filter_response,
    filter_uri,
)
from cassettes_tool.housekeeping.audit.filtered import KIND
from cassettes_tool.housekeeping.audit.findings import Locator, SecretFinding

_REQUEST_KEYS = {"method", "uri", "url", "body", "parsed_body", "headers", "host", "port", "path", "protocol"}
_RESPONSE_KEYS = {"status", "status_code", "headers", "body", "content", "parsed_body"}


def scrub_cassette(cassette: Cassette, findings: Iterable[SecretFinding], rules: FilterRules | None = None) -> int:
    """Apply every finding's scrub to ``cassette`` in memory; return how many were applied.

    Writing it back (and refusing read-only variants) is the cassette transaction's job.
    """
    by_interaction: dict[int, list[Locator]] = {}
    count = 0
    for finding in findings:
        by_interaction.setdefault(finding.interaction, []).append(finding.locator)
        count += 1
    for index, locators in sorted(by_interaction.items()):
        interaction = cassette.interactions[index]
        request, response = interaction.request, interaction.response
        for locator in locators:
            if locator.kind == KIND:  # the recording filter on the whole side (audit/filtered.py)
                if locator.side == "request":
                    request = filter_request(request, locator.key[1])
                else:
                    response = filter_response(response, locator.key[1])
            elif locator.side == "request":
                request = _scrub_request(request, locator)
            else:
                response = _scrub_response(response, locator)
        if rules is not None:  # then the recording filter, so nothing it would change is left behind
            if any(locator.side == "request" for locator in locators):
                request = filter_request(request, rules)
            if any(locator.side == "response" for locator in locators):
                response = filter_response(response, rules)
        # What left the request leaves the response too, in any form a server echoes it.
        response = scrub_echoes(interaction.request, request, response)
        cassette.interactions[index] = _rebuilt(interaction, request, response)
    return count


def _rebuilt(old: Interaction, request: Request, response: Response) -> Interaction:
    raw: dict[str, Any] = dict(old.raw) if old.raw is not None else {}
    if request != old.request or "request" not in raw:
        raw["request"] = _merge(raw.get("request"), request.to_raw(), _REQUEST_KEYS)
    if response != old.response or "response" not in raw:
        raw["response"] = _merge(raw.get("response"), response.to_raw(), _RESPONSE_KEYS)
    return Interaction(request=request, response=response, raw=raw)


def _merge(old: Any, new: dict[str, Any], replaced: set[str]) -> dict[str, Any]:
    # Keep keys vcrpy stubs add (aiohttp's ``url``, httpx's ``http_version``); drop the old
    # spellings of what is rewritten (``content``, ``status_code``, ``parsed_body``).
    base = {k: v for k, v in old.items() if k not in replaced} if isinstance(old, Mapping) else {}
    base.update(new)
    return base


def _scrub_request(request: Request, locator: Locator) -> Request:
    kind = locator.kind
    if kind == "header":
        return replace(request, headers=_scrub_header(request.headers, locator))
    if kind == "header-query":
        return replace(request, headers=_scrub_header_query(request.headers, locator))
    if kind == "query":
        return replace(request, uri=_scrub_query(request.uri, str(locator.key), locator))
    if kind == "uri":
        return replace(request, uri=_replace(request.uri, locator))
    encoding = request.header("content-encoding")
    body = decode_content(request.body or b"", encoding)
    new_body = _scrub_body(body, request.header("content-type"), locator)
    if new_body == body:
        return request
    headers = _decoded_headers(request.headers, new_body) if encoding else _with_length(request.headers, new_body)
    return replace(request, body=new_body, headers=headers)


def _scrub_response(response: Response, locator: Locator) -> Response:
    kind = locator.kind
    if kind == "header":
        return replace(response, headers=_scrub_header(response.headers, locator))
    if kind == "header-query":
        return replace(response, headers=_scrub_header_query(response.headers, locator))
    body = response.decoded_body()
    new_body = _scrub_body(body, response.header("content-type"), locator)
    if new_body == body:
        return response
    headers = _decoded_headers(response.headers, new_body) if response.header("content-encoding") else response.headers
    if not response.header("content-encoding"):
        headers = _with_length(headers, new_body)
    return replace(response, body=new_body, headers=headers)


def _decoded_headers(headers: Headers, body: bytes) -> Headers:
    """The body is now stored decoded: no Content-Encoding, the right Content-Length."""
    return _with_length({k: v for k, v in headers.items() if k.lower() != "content-encoding"}, body)


def _with_length(headers: Headers, body: bytes) -> Headers:
    return {k: ([str(len(body))] if k.lower() == "content-length" else list(v)) for k, v in headers.items()}


def _replace(text: str, locator: Locator) -> str:
    if locator.target is None:
        return FILTERED_PLACEHOLDER
    return text.replace(locator.target, locator.replacement)


def _scrub_header(headers: Headers, locator: Locator) -> Headers:
    name = str(locator.key).lower()
    return {
        key: ([_replace(v, locator) for v in values] if key.lower() == name else list(values))
        for key, values in headers.items()
    }


def _scrub_header_query(headers: Headers, locator: Locator) -> Headers:
    header, param = locator.key
    pattern = re.compile(r"([?&]" + re.escape(quote_plus(str(param))) + r"=)[^&#\s<>,;\"']*", re.IGNORECASE)
    return {
        key: ([pattern.sub(lambda m: m.group(1) + FILTERED_PLACEHOLDER, v) for v in values]
              if key.lower() == str(header).lower() else list(values))
        for key, values in headers.items()
    }


def _scrub_query(uri: str, name: str, locator: Locator) -> str:
    if locator.target is not None:
        for form in (locator.target, quote(locator.target, safe=""), quote_plus(locator.target)):
            if form in uri:
                return uri.replace(form, locator.replacement)
    return filter_uri(uri, frozenset({name.lower()}))


def _scrub_body(body: bytes, content_type: str | None, locator: Locator) -> bytes:
    if locator.kind == "form":
        return filter_body(body, "application/x-www-form-urlencoded", frozenset(), frozenset({str(locator.key).lower()}))
    if locator.kind == "json":
        value = parse_json(body)
        path: tuple[str | int, ...] = tuple(locator.key)
        if not path:
            if not isinstance(value, str):
                return body
            value = _replace(value, locator)
        else:
            _set_at(value, path, locator)
        return json.dumps(value, ensure_ascii=False, separators=_separators(body)).encode("utf-8")
    if locator.kind == "multipart":
        return _scrub_multipart(body, str(locator.key), locator)
    if locator.kind == "text" and locator.target is not None:
        return body.replace(locator.target.encode("utf-8"), locator.replacement.encode("utf-8"))
    return body


def _scrub_multipart(body: bytes, name: str, locator: Locator) -> bytes:
    out = bytearray()
    last = 0
    for match in multipart_fields(body):
        if match.group("name").decode("latin-1") != name:
            continue
        value = match.group("value").decode("latin-1")
        new = _replace(value, locator)
        out += body[last:match.start("value")] + new.encode("latin-1", errors="replace")
        last = match.end("value")
    return bytes(out + body[last:])


def _set_at(value: Any, path: tuple[str | int, ...], locator: Locator) -> None:
    parent = value
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    current = parent[last]
    parent[last] = _replace(current, locator) if isinstance(current, str) else FILTERED_PLACEHOLDER


def _separators(original: bytes) -> tuple[str, str]:
    # Keep compact bodies compact and spaced bodies spaced: smaller diffs.
    return (",", ":") if b'":' in original and b'": ' not in original else (", ", ": ")

