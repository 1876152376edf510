"""What the recording filter would still change in a stored interaction: a secret that slipped through.

Cassettes recorded before a rule existed (or by another tool) keep secrets in places the name
scanners do not read: a compressed request body, an XML element, a GraphQL argument, JSON inside
a JSON string, a ``Location`` or ``Link`` token, a reason phrase. The one filter
(:mod:`cassettes_tool.core.filters`) is run on each side; every area it would change (the URI,
one header, the body, the reason) that no other rule already reported is a finding, and
``--fix`` applies that same filter to the side, so the stored request is exactly what replay
matches against.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from cassettes_tool.core.bodies import decode_content
from cassettes_tool.core.cassette import Headers, Request, Response
from cassettes_tool.core.filters import FilterRules, filter_request, filter_response
from cassettes_tool.core.secrets import PLACEHOLDER
from cassettes_tool.housekeeping.audit.detectors import Hit, is_data_value, is_placeholder
from cassettes_tool.housekeeping.audit.findings import Locator

RULE = "filtered-location"
#: ``Locator.kind`` of these findings: the fixer runs the filter on the whole side.
KIND = "filter"


def area_of(locator: Locator) -> str:
    """The area a finding of another rule covers: ``uri``, ``header:<name>``, ``body`` or ``reason``."""
    if locator.kind in ("uri", "query"):
        return "uri"
    if locator.kind == "header":
        return f"header:{str(locator.key).lower()}"
    if locator.kind == "header-query":
        return f"header:{str(locator.key[0]).lower()}"
    return "body"


def filter_findings(side: str, original: Request | Response, rules: FilterRules,
                    covered: set[str]) -> Iterator[tuple[str, Locator, Hit]]:
    """One finding per area the filter changes and no other finding covers."""
    if isinstance(original, Request):
        pieces = _request_pieces(original, filter_request(original, rules))
    else:
        pieces = _response_pieces(original, filter_response(original, rules))
    for area, before, after, what in pieces:
        if area in covered or before == after:
            continue
        if area.startswith("header:") and PLACEHOLDER in before:
            continue  # already filtered once (``sessionid=<FILTERED>`` made whole by the header filter)
        changed = _changed(before, after)
        names = rules.headers | rules.query_parameters | rules.body_fields
        if not any(_secret_like(t, names) for t in _replaced_tokens(before, after, changed)):
            continue  # only placeholders (``XXXX``, ``${TOKEN}``) or non-secrets (``false``) were replaced
        hit = Hit(RULE, f"credential the recording filter removes ({what})", changed)
        yield f"{side}.{area}", Locator(side=side, kind=KIND, key=(area, rules)), hit


def _request_pieces(before: Request, after: Request) -> Iterator[tuple[str, str, str, str]]:
    yield "uri", before.uri, after.uri, "URL"
    yield from _header_pieces(before.headers, after.headers)
    yield ("body", _text(decode_content(before.body or b"", before.header("content-encoding"))),
           _text(after.body or b""), "body")


def _response_pieces(before: Response, after: Response) -> Iterator[tuple[str, str, str, str]]:
    yield from _header_pieces(before.headers, after.headers)
    yield "body", _text(before.decoded_body()), _text(after.decoded_body()), "body"
    yield "reason", before.reason, after.reason, "reason phrase"


def _header_pieces(before: Headers, after: Headers) -> Iterator[tuple[str, str, str, str]]:
    for name, values in before.items():
        new = after.get(name, values)
        yield f"header:{name.lower()}", "\n".join(map(str, values)), "\n".join(map(str, new)), f"{name} header"


_TOKEN_SPLIT = re.compile(r"[\s\"',;&\[\]()]+")
_NOT_SECRETS = frozenset({"true", "false", "null", "none", "bearer", "basic", "token"})


_JSON_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"(\s*:)?')


def _json_string_values(text: str) -> list[str]:
    values = []
    for match in _JSON_STRING.finditer(text):
        if match.group(2) is None:
            try:
                values.append(str(json.loads(f'"{match.group(1)}"')))
            except ValueError:
                values.append(match.group(1))
    return values


def _replaced_tokens(before: str, after: str, changed: str) -> list[str]:
    """What the filter took away: string values of a JSON text (never keys, numbers or objects), else words."""
    if before.lstrip()[:1] in ("{", "["):
        kept = set(_json_string_values(after))
        return [v for v in _json_string_values(before) if v not in kept]
    kept = set(_TOKEN_SPLIT.split(after))
    return [t for t in _TOKEN_SPLIT.split(changed) if t not in kept]


def _secret_like(token: str, names: frozenset[str]) -> bool:
    """A replaced token that could be a secret: not a name, a placeholder, a number or a JSON literal.

    ``name=value`` is judged by its value and as a whole (a value may itself hold ``=``).
    """
    return any(_value_like(part.strip(":="), names) for part in {token, token.split("=", 1)[-1]})


def _value_like(raw: str, names: frozenset[str]) -> bool:
    value = raw.strip("{}")
    return (not is_placeholder(raw) and len(value) >= 4 and value.lower() not in _NOT_SECRETS
            and value.lower() not in names and PLACEHOLDER not in value
            and not value.replace(".", "").isdigit() and not is_placeholder(value)
            # paging or search state the filter removes by name (``token=next:naip:...``) is data
            and not is_data_value(value))


def _text(body: bytes) -> str:
    return body.decode("utf-8", "replace")


def _changed(before: str, after: str) -> str:
    """The part of ``before`` the filter replaced (from the first change to the last)."""
    start = _common(before, after)
    end = _common(before[start:][::-1], after[start:][::-1])
    return before[start:len(before) - end] or before


def _common(a: str, b: str) -> int:
    """The length of the longest common prefix of ``a`` and ``b``."""
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
