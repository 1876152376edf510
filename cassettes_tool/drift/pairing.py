"""Pair the interactions of two cassettes the way replay matches requests.

Two interactions pair when their requests agree on every ``match_on`` matcher (vcrpy's
default: method, scheme, host, port, path, query — query as vcrpy compares it, sorted
key/value pairs). Repeated requests pair in order: the first ``GET /users`` of OLD with the
first of NEW, the second with the second, and so on.

Then, given a :class:`~cassettes_tool.drift.templates.Templater`, the requests still unpaired
pair by *endpoint*: method + path template + query keys (+ the shape of a JSON request body for
POST, PUT and PATCH), again in order. That pairs ``/api_keys/32c7…`` with ``/api_keys/84db…``
and ``?limit=64`` with ``?limit=100``. Whatever is left is only in one cassette.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl

from cassettes_tool.core.bodies import try_parse_json
from cassettes_tool.core.cassette import Cassette, Request
from cassettes_tool.core.config import DEFAULT_MATCH_ON
from cassettes_tool.drift.paths import ITEM, MEMBER
from cassettes_tool.drift.shape import shape_of
from cassettes_tool.drift.templates import Templater

REQUEST, ENDPOINT = "request", "endpoint"
_BODY_METHODS = ("POST", "PUT", "PATCH")

_MATCHERS: dict[str, Callable[[Request], Hashable]] = {
    "method": lambda r: r.method.upper(),
    "scheme": lambda r: r.scheme,
    "host": lambda r: r.host,
    "port": lambda r: r.port,
    "path": lambda r: r.path,
    "query": lambda r: tuple(sorted(parse_qsl(r.query))),
    "uri": lambda r: r.uri,
    "url": lambda r: r.uri,
    "body": lambda r: r.body or b"",
    "raw_body": lambda r: r.body or b"",
    "headers": lambda r: tuple(sorted((k.lower(), tuple(v)) for k, v in r.headers.items())),
}


@dataclass(frozen=True)
class Pair:
    """Indices of one interaction in OLD and/or NEW (None: only in the other cassette)."""

    old: int | None
    new: int | None
    how: str = REQUEST  # "request" (as replay matches) or "endpoint" (same endpoint template)


def request_signature(request: Request, match_on: Sequence[str] = DEFAULT_MATCH_ON) -> tuple[Hashable, ...]:
    """What replay compares: one value per matcher (unknown matcher names are skipped)."""
    return tuple(_MATCHERS[name](request) for name in match_on if name in _MATCHERS)


def pair_interactions(old: Cassette, new: Cassette, match_on: Sequence[str] = DEFAULT_MATCH_ON,
                      templater: Templater | None = None) -> list[Pair]:
    """Pairs in NEW's order, then the interactions only in OLD (in OLD's order).

    Without ``templater`` only exact (``match_on``) pairs are made.
    """
    waiting: dict[tuple[Hashable, ...], deque[int]] = defaultdict(deque)
    for index, interaction in enumerate(old.interactions):
        waiting[request_signature(interaction.request, match_on)].append(index)
    matched: dict[int, int] = {}  # NEW index -> OLD index
    for index, interaction in enumerate(new.interactions):
        queue = waiting.get(request_signature(interaction.request, match_on))
        if queue:
            matched[index] = queue.popleft()
    by_endpoint: dict[int, int] = {}
    if templater is not None:
        used = set(matched.values())
        loose: dict[tuple[Hashable, ...], deque[int]] = defaultdict(deque)
        for index, interaction in enumerate(old.interactions):
            if index not in used:
                loose[endpoint_signature(interaction.request, templater)].append(index)
        for index, interaction in enumerate(new.interactions):
            if index in matched:
                continue
            queue = loose.get(endpoint_signature(interaction.request, templater))
            if queue:
                by_endpoint[index] = queue.popleft()
    pairs: list[Pair] = []
    for index in range(len(new.interactions)):
        if index in matched:
            pairs.append(Pair(matched[index], index))
        elif index in by_endpoint:
            pairs.append(Pair(by_endpoint[index], index, ENDPOINT))
        else:
            pairs.append(Pair(None, index))
    paired = set(matched.values()) | set(by_endpoint.values())
    pairs.extend(Pair(index, None) for index in range(len(old.interactions)) if index not in paired)
    return pairs


def endpoint_signature(request: Request, templater: Templater) -> tuple[Hashable, ...]:
    """Method + path template + query keys, and the body's shape for POST, PUT and PATCH."""
    endpoint = templater.endpoint(request.method, request.uri)
    body: Hashable = None
    if endpoint.method in _BODY_METHODS:
        body = body_signature(request.body or b"")
    return (endpoint, body)


def body_signature(body: bytes) -> Hashable:
    """The structure of a request body: the keys of its JSON objects outside arrays and maps
    (``{"title", "tags"}``; values, types, array contents never count), or ``empty``/``other``."""
    if not body.strip():
        return "empty"
    ok, value = try_parse_json(body)
    if not ok:
        return "other"
    return frozenset(path for path, info in shape_of([value]).items()
                     if info.segment in ("root", "key") and not _in_container(path))


def _in_container(path: str) -> bool:
    return ITEM in path or MEMBER in path
