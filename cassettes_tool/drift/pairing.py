"""Pair the interactions of two cassettes the way replay matches requests.

Two interactions pair when their requests agree on every ``match_on`` matcher (vcrpy's
default: method, scheme, host, port, path, query — query as vcrpy compares it, sorted
key/value pairs). Repeated requests pair in order: the first ``GET /users`` of OLD with the
first of NEW, the second with the second, and so on. Whatever is left is only in one cassette.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl

from cassettes_tool.core.cassette import Cassette, Request
from cassettes_tool.core.config import DEFAULT_MATCH_ON

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


def request_signature(request: Request, match_on: Sequence[str] = DEFAULT_MATCH_ON) -> tuple[Hashable, ...]:
    """What replay compares: one value per matcher (unknown matcher names are skipped)."""
    return tuple(_MATCHERS[name](request) for name in match_on if name in _MATCHERS)


def pair_interactions(old: Cassette, new: Cassette, match_on: Sequence[str] = DEFAULT_MATCH_ON) -> list[Pair]:
    """Pairs in NEW's order, then the interactions only in OLD (in OLD's order)."""
    waiting: dict[tuple[Hashable, ...], deque[int]] = defaultdict(deque)
    for index, interaction in enumerate(old.interactions):
        waiting[request_signature(interaction.request, match_on)].append(index)
    pairs: list[Pair] = []
    used: set[int] = set()
    for index, interaction in enumerate(new.interactions):
        queue = waiting.get(request_signature(interaction.request, match_on))
        if queue:
            old_index = queue.popleft()
            used.add(old_index)
            pairs.append(Pair(old_index, index))
        else:
            pairs.append(Pair(None, index))
    pairs.extend(Pair(index, None) for index in range(len(old.interactions)) if index not in used)
    return pairs
