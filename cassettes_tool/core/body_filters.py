"""Filtering a (decoded) body by what it holds, not by what its Content-Type says.

A body is recognised by its content: JSON (any media type, or none: APIs serve JSON as
``text/plain`` or ``text/javascript``), multipart form data, XML, and form-encoded pairs (OAuth
token endpoints answer ``access_token=...&refresh_token=...``). Inside JSON, keys written with
escapes (``"access\\u005ftoken"``) are read as the key they spell, a string holding JSON is
filtered as JSON, and GraphQL inline arguments (``login(password: "...")``) are filtered in any
string. The names come from the caller (:mod:`.filters`); values become the placeholder.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode

from cassettes_tool.core.bodies import media_type
from cassettes_tool.core.secrets import NOT_IN_MARKUP, PLACEHOLDER

# One text field of a multipart/form-data body (file parts, with a filename, are skipped).
MULTIPART_FIELD = re.compile(
    rb'Content-Disposition:[ \t]*form-data;[ \t]*name="(?P<name>[^"\r\n]*)"(?P<rest>[^\r\n]*)\r?\n'
    rb"(?:[^\r\n]+\r?\n)*\r?\n(?P<value>.*?)\r?\n--",
    re.DOTALL | re.IGNORECASE,
)
# A GraphQL inline argument or object field with a string value: ``password: "..."``.
_GRAPHQL_ARGUMENT = re.compile(r'(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<sep>\s*:\s*)(?P<value>"(?:[^"\\]|\\.)*")')
# An XML element holding text only: ``<password>...</password>`` (any namespace prefix).
_XML_ELEMENT = re.compile(
    rb"<(?P<tag>(?:[A-Za-z_][\w.-]*:)?(?P<name>[A-Za-z_][\w.-]*))(?P<attrs>\s[^<>]*)?>(?P<value>[^<]*)</(?P=tag)\s*>"
)
_XML_PLACEHOLDER = PLACEHOLDER.replace("<", "&lt;").replace(">", "&gt;").encode()
_NOT_IN_MARKUP = frozenset(NOT_IN_MARKUP)


def multipart_fields(body: bytes) -> Iterator[re.Match[bytes]]:
    """The text fields of a multipart body (latin-1 keeps every byte, so scrubbing is exact)."""
    for match in MULTIPART_FIELD.finditer(body):
        if b"filename=" not in match.group("rest").lower():
            yield match


def looks_like_form(text: str) -> bool:
    """``a=1&b=2`` without a Content-Type saying so (aiohttp posts, OAuth token answers)."""
    if "=" not in text or any(c in text[:2048] for c in " \n\r\t"):
        return False
    try:
        parse_qsl(text[:65536], keep_blank_values=True, strict_parsing=True)
    except ValueError:
        return False
    return True


def may_hold(body: bytes, names: frozenset[str]) -> bool:
    """A cheap pre-check: a name appears, or an escape (``\\u``, ``%``) could spell one."""
    lowered = body.lower()
    return b"\\u" in body or b"%" in body or any(name.encode() in lowered for name in names)


def filter_body(body: bytes, content_type: str | None, fields: frozenset[str],
                form_fields: frozenset[str] = frozenset()) -> bytes:
    """``body`` with every credential value replaced; the same object when nothing changes.

    ``fields`` are JSON keys; ``fields | form_fields`` are form, multipart, XML and GraphQL names.
    """
    if not body:
        return body
    names = fields | form_fields
    if not may_hold(body, names):
        return body
    media = media_type(content_type)
    head = body.lstrip()[:1]
    if head in (b"{", b"["):
        try:
            value = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError):
            value = _NOT_JSON
        if value is not _NOT_JSON:
            filtered, changed = filter_json(value, fields, names)
            if not changed:
                return body
            return json.dumps(filtered, ensure_ascii=False, separators=_separators(body)).encode("utf-8")
    if (media or "").startswith("multipart/") or body.startswith(b"--"):
        return _filter_multipart(body, names)
    if head == b"<":
        return _filter_xml(body, names - _NOT_IN_MARKUP)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return body
    if media == "application/x-www-form-urlencoded" or looks_like_form(text.strip()):
        return _filter_form(body, text.strip(), names)
    if "(" in text:
        graphql = filter_graphql(text, names)
        if graphql != text:
            return graphql.encode("utf-8")
    return body


_NOT_JSON = object()


def filter_json(value: Any, fields: frozenset[str], names: frozenset[str] | None = None) -> tuple[Any, bool]:
    """JSON with every key in ``fields`` (any depth) replaced by the placeholder; (value, changed).

    Strings holding JSON are filtered as JSON (and written back as a string); strings holding
    GraphQL inline arguments named in ``names`` have those values replaced.
    """
    names = fields if names is None else names
    if isinstance(value, dict):
        changed = False
        out: dict[str, Any] = {}
        for key, inner in value.items():
            if isinstance(key, str) and key.lower() in fields and inner is not None:
                out[key] = PLACEHOLDER
                changed = changed or inner != PLACEHOLDER
            else:
                out[key], sub = filter_json(inner, fields, names)
                changed = changed or sub
        return out, changed
    if isinstance(value, list):
        results = [filter_json(v, fields, names) for v in value]
        return [v for v, _ in results], any(c for _, c in results)
    if isinstance(value, str):
        return _filter_string(value, fields, names)
    return value, False


def _filter_string(value: str, fields: frozenset[str], names: frozenset[str]) -> tuple[str, bool]:
    stripped = value.lstrip()[:1]
    if stripped in ("{", "["):
        try:
            inner = json.loads(value)
        except (ValueError, RecursionError):
            inner = _NOT_JSON
        if inner is not _NOT_JSON:
            filtered, changed = filter_json(inner, fields, names)
            if changed:
                return json.dumps(filtered, ensure_ascii=False, separators=_separators(value.encode())), True
            return value, False
    if "(" in value or "{" in value:
        graphql = filter_graphql(value, names)
        if graphql != value:
            return graphql, True
    return value, False


def filter_graphql(text: str, names: frozenset[str]) -> str:
    """GraphQL inline arguments named in ``names`` (``login(password: "...")``) get the placeholder."""

    names = names - _NOT_IN_MARKUP

    def replace(match: re.Match[str]) -> str:
        if match.group("name").lower() not in names or match.group("value") == f'"{PLACEHOLDER}"':
            return match.group(0)
        return f'{match.group("name")}{match.group("sep")}"{PLACEHOLDER}"'

    return _GRAPHQL_ARGUMENT.sub(replace, text)


def _filter_form(body: bytes, text: str, names: frozenset[str]) -> bytes:
    pairs = parse_qsl(text, keep_blank_values=True)
    if not any(k.lower() in names and v != PLACEHOLDER for k, v in pairs):
        return body
    return "&".join(
        f"{quote_key(k)}={PLACEHOLDER}" if k.lower() in names else urlencode([(k, v)]) for k, v in pairs
    ).encode("utf-8")


def quote_key(key: str) -> str:
    """A form or query key, percent-encoded as ``urlencode`` writes it."""
    return urlencode([(key, "")])[:-1]


def _filter_multipart(body: bytes, names: frozenset[str]) -> bytes:
    out = bytearray()
    last = 0
    for match in multipart_fields(body):
        if match.group("name").decode("latin-1").lower() not in names or match.group("value") == PLACEHOLDER.encode():
            continue
        out += body[last:match.start("value")] + PLACEHOLDER.encode()
        last = match.end("value")
    return body if not out else bytes(out + body[last:])


def _filter_xml(body: bytes, names: frozenset[str]) -> bytes:
    def replace(match: re.Match[bytes]) -> bytes:
        if match.group("name").decode("latin-1").lower() not in names or match.group("value") in (b"", _XML_PLACEHOLDER):
            return match.group(0)
        return body[match.start():match.start("value")] + _XML_PLACEHOLDER + body[match.end("value"):match.end()]

    filtered = _XML_ELEMENT.sub(replace, body)
    return body if filtered == body else filtered


def _separators(original: bytes) -> tuple[str, str]:
    # Keep compact bodies compact, spaced bodies spaced: smaller diffs.
    return (",", ":") if b'":' in original and b'": ' not in original else (", ", ": ")
