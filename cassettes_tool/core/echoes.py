"""Credentials a server echoes back: what the request filter removed, scrubbed from the response.

An echo endpoint (httpbin's ``/anything``), an error message quoting the token, a ``Location``
carrying it: the response repeats a value the request filter replaced. :func:`removed_values`
finds the values one filtering removed (header values, the URI's query, fragment, user-info and
path tokens, and JSON, form, multipart, XML and GraphQL body values) by comparing the request
before and after; :func:`scrub_response_parts` replaces every derived form of them
(:func:`~cassettes_tool.core.secrets.redaction_forms`: as is, percent-encoded, JSON-escaped,
base64, HTML) in the reason phrase, every header value and the body. A compressed body is
decoded first and, when it changes, stored decoded (as every filter of :mod:`.filters` does).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from cassettes_tool.core.body_filters import looks_like_form
from cassettes_tool.core.cassette import Headers, Request, Response
from cassettes_tool.core.filters import (
    RequestParts,
    ResponseParts,
    decoded_body,
    stored_decoded,
    with_length,
)
from cassettes_tool.core.secrets import PLACEHOLDER, redaction_forms

# The placeholder as the XML filter writes it (escaped, so the XML stays well-formed).
_XML_PLACEHOLDER = html.escape(PLACEHOLDER)
_PLACEHOLDERS = re.compile(f"{re.escape(PLACEHOLDER)}|{re.escape(_XML_PLACEHOLDER)}")
_AUTH_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*\s+(?=\S)")
# A cookie value this long is a session or a token; shorter ones are preferences (``lang=en``).
_COOKIE_VALUE_LENGTH = 16


def removed_values(before: RequestParts, after: RequestParts) -> set[str]:
    """The credential values filtering ``before`` into ``after`` replaced (placeholders excluded)."""
    values: set[str] = set()
    for name, old in before.headers.items():
        new = after.headers.get(name)
        if new is None or list(new) == list(old):
            continue
        for old_value, new_value in zip(old, new, strict=False):
            if isinstance(old_value, str) and isinstance(new_value, str) and PLACEHOLDER in new_value:
                values.update(_header_values(old_value, new_value))
    if after.uri != before.uri:
        values.update(_uri_values(before.uri, after.uri))
    if before.body and after.body is not None and after.body is not before.body:
        values.update(_body_values(before.body, before.headers, after.body))
    return {value for value in values if value and PLACEHOLDER not in value}


def _header_values(old: str, new: str) -> Iterator[str]:
    if new.strip() == PLACEHOLDER:  # the whole value was the credential
        yield old
        yield _AUTH_SCHEME.sub("", old.strip())  # "Bearer abc" is echoed as "abc" too
        for pair in old.split(";"):
            _, equals, value = pair.partition("=")
            if equals and len(value.strip()) >= _COOKIE_VALUE_LENGTH:
                yield value.strip()
        return
    anchored = _anchored(old, new)
    yield from anchored if anchored is not None else _uri_values(old, new)


def _uri_values(before: str, after: str) -> Iterator[str]:
    old, new = urlsplit(before), urlsplit(after)
    if old.password and new.password == PLACEHOLDER:
        yield unquote(old.password)
    yield from _pair_values(old.query, new.query)
    yield from _pair_values(old.fragment, new.fragment)
    if old.path != new.path:
        yield from _anchored(unquote(old.path), unquote(new.path)) or ()


def _pair_values(before: str, after: str) -> Iterator[str]:
    if before == after or PLACEHOLDER not in unquote(after):
        return
    old = parse_qsl(before, keep_blank_values=True)
    new = parse_qsl(after, keep_blank_values=True)
    if len(old) != len(new):
        return
    for (_, old_value), (_, new_value) in zip(old, new, strict=True):
        if new_value == PLACEHOLDER and old_value != PLACEHOLDER:
            yield old_value


def _body_values(before: bytes, headers: Headers, after: bytes) -> Iterator[str]:
    decoded, _ = decoded_body(before, headers)
    old, new = decoded.decode("utf-8", "replace"), after.decode("utf-8", "replace")
    if old.lstrip()[:1] in ("{", "["):
        try:
            yield from _json_values(json.loads(old), json.loads(new))
            return
        except (ValueError, RecursionError):
            pass
    if looks_like_form(old.strip()) and looks_like_form(new.strip()):
        yield from _pair_values(old.strip(), new.strip())
        return
    for value in _anchored(old, new) or ():  # multipart, XML, GraphQL: the rest is kept as it was
        yield value
        yield html.unescape(value)


def _json_values(old: Any, new: Any) -> Iterator[str]:
    if new == PLACEHOLDER and old != PLACEHOLDER:
        yield from _scalars(old)
    elif isinstance(old, dict) and isinstance(new, dict):
        for key, value in old.items():
            if key in new:
                yield from _json_values(value, new[key])
    elif isinstance(old, list) and isinstance(new, list):
        for old_item, new_item in zip(old, new, strict=False):
            yield from _json_values(old_item, new_item)
    elif isinstance(old, str) and isinstance(new, str) and old != new:
        try:  # a string holding JSON, filtered as JSON
            yield from _json_values(json.loads(old), json.loads(new))
        except (ValueError, RecursionError):
            yield from _anchored(old, new) or ()  # GraphQL inline arguments


def _scalars(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield str(value)
    elif isinstance(value, dict):
        for inner in value.values():
            yield from _scalars(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _scalars(inner)


def _anchored(before: str, after: str) -> list[str] | None:
    """What stood where ``after`` holds a placeholder, everything else being equal; None if it is not.

    ``a=<FILTERED>; b`` against ``a=xyz; b`` is ``['xyz']``.
    """
    pieces = _PLACEHOLDERS.split(after)
    if len(pieces) == 1:
        return []
    if not before.startswith(pieces[0]):
        return None
    values: list[str] = []
    position = len(pieces[0])
    for number, piece in enumerate(pieces[1:], start=2):
        if number == len(pieces):
            end = len(before) - len(piece)
            if not before.endswith(piece) or end < position:
                return None
        else:
            end = before.find(piece, position)
            if end < 0:
                return None
        values.append(before[position:end])
        position = end + len(piece)
    return values


def scrub_response_parts(parts: ResponseParts, forms: Sequence[str]) -> ResponseParts:
    """``parts`` with every form in ``forms`` (longest first) replaced by the placeholder; the same object when none occurs."""
    if not forms:
        return parts
    headers: Headers = {}
    for name, values in parts.headers.items():
        if name.lower() == "content-length":
            headers[name] = values
        else:
            headers[name] = [scrub_text(v, forms) if isinstance(v, str) else v for v in values]
    reason = scrub_text(parts.reason, forms)
    body = parts.body
    decoded, encoded = decoded_body(body, parts.headers)
    scrubbed = scrub_bytes(decoded, forms)
    if scrubbed != decoded:
        body = scrubbed
        headers = stored_decoded(headers, body) if encoded else with_length(headers, len(body))
    if body is parts.body and reason == parts.reason and headers == parts.headers:
        return parts
    return ResponseParts(headers, body, reason)


def scrub_echoes(before: Request, after: Request, response: Response) -> Response:
    """``response`` without the values scrubbing ``before`` into ``after`` removed (the model's adapter)."""
    removed = removed_values(RequestParts(before.uri, before.headers, before.body),
                             RequestParts(after.uri, after.headers, after.body))
    forms = redaction_forms(removed)
    if not forms:
        return response
    parts = ResponseParts(response.headers, response.body, response.reason)
    scrubbed = scrub_response_parts(parts, forms)
    if scrubbed is parts:
        return response
    return replace(response, headers=scrubbed.headers, body=scrubbed.body, reason=scrubbed.reason)


def scrub_text(text: str, forms: Iterable[str]) -> str:
    """``text`` with each form replaced by the placeholder."""
    for form in forms:
        if form in text:
            text = text.replace(form, PLACEHOLDER)
    return text


def scrub_bytes(data: bytes, forms: Iterable[str]) -> bytes:
    """``data`` with each form (UTF-8) replaced by the placeholder."""
    for form in forms:
        encoded = form.encode("utf-8")
        if encoded in data:
            data = data.replace(encoded, PLACEHOLDER.encode())
    return data
