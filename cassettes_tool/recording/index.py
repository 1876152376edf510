"""A request index that makes matching cost the same whatever the cassette's size.

vcrpy compares every stored request with every incoming one (O(n) per request, O(n^2) for a
test). The fields compared by vcrpy's built-in matchers ``method``, ``scheme``, ``host``,
``port``, ``path``, ``query`` and ``uri`` are combined into a hashable key that is equal for two
requests exactly when all those matchers pass; the index maps a key to the positions of the
stored requests that have it, in recording order. Every other matcher (``headers``, ``body``,
``raw_body``, custom ones) is run by vcrpy's own :func:`vcr.matchers.requests_match`, and only on
the candidates that share the key.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode

from vcr import matchers as vcr_matchers

from cassettes_tool.core.secrets import PLACEHOLDER

_PLACEHOLDERS = frozenset({PLACEHOLDER, "%3CFILTERED%3E", "%3cFILTERED%3e"})
# Where a stored request holds the placeholder: query parameter names, path segment positions.
Mask = tuple[frozenset[str], frozenset[tuple[int, str]]]


def _normalized_uri(request: Any) -> str:
    # Same rule as vcr.matchers.uri: a bare host compares equal to the host with "/".
    parsed = request.parsed_uri
    if parsed.path:
        return str(request.uri)
    uri = str(request.uri)
    authority = f"{parsed.scheme}://{parsed.netloc}"
    if not uri.startswith(authority):
        return uri
    return authority + "/" + uri[len(authority):]


def _query(request: Any) -> tuple[tuple[str, str], ...]:
    return tuple(request.query)


# Built-in vcrpy matcher function -> the part of a request it compares for equality.
KEYED_MATCHERS: dict[Callable[..., Any], Callable[[Any], Any]] = {
    vcr_matchers.method: lambda r: r.method,
    vcr_matchers.scheme: lambda r: r.scheme,
    vcr_matchers.host: lambda r: r.host,
    vcr_matchers.port: lambda r: r.port,
    vcr_matchers.path: lambda r: r.path or "/",
    vcr_matchers.query: _query,
    vcr_matchers.uri: _normalized_uri,
}


class RequestIndex:
    """Positions of stored requests grouped by the key of the keyed matchers in ``match_on``."""

    def __init__(self, match_on: Sequence[Callable[..., Any]]) -> None:
        self.extractors = [KEYED_MATCHERS[m] for m in match_on if m in KEYED_MATCHERS]
        self.residual = [m for m in match_on if m not in KEYED_MATCHERS]
        self.buckets: dict[Any, list[int]] = {}
        # Per bucket, how many leading positions are known to be played (skipped by play()).
        self.played_prefix: dict[Any, int] = {}
        self.requests: list[Any] = []
        self._last_key: tuple[Any, Any] | None = None
        # A value scrubbed after recording (audit --fix: a presigned URL's signature, a token in
        # the path) is a wildcard: incoming requests are also looked up with those places masked.
        self.masks: list[Mask] = []

    def key(self, request: Any) -> Any:
        """The hashable key of ``request`` (unhashable parts fall back to their repr).

        The key of the last request asked for is remembered: vcrpy looks up one filtered request
        twice in a row (``__contains__``, then ``play_response``).
        """
        last = self._last_key
        if last is not None and last[0] is request:
            return last[1]
        parts = tuple(extract(request) for extract in self.extractors)
        try:
            hash(parts)
        except TypeError:
            parts = repr(parts)  # type: ignore[assignment]
        self._last_key = (request, parts)
        return parts

    def add(self, request: Any) -> int:
        """Index the next stored request; returns its position."""
        position = len(self.requests)
        self.requests.append(request)
        self.buckets.setdefault(self.key(request), []).append(position)
        uri = str(getattr(request, "uri", ""))
        if "FILTERED" in uri.upper():
            mask = _mask_of(request)
            if (mask[0] or mask[1]) and mask not in self.masks:
                self.masks.append(mask)
        return position

    def keys(self, request: Any) -> Iterator[Any]:
        """The key of ``request``, then its keys with each stored request's placeholder places masked."""
        yield self.key(request)
        for mask in self.masks:
            masked = _masked(request, mask)
            if masked is not None:
                yield self.key(masked)

    def matching(self, request: Any) -> Iterator[int]:
        """Positions of stored requests matching ``request`` (already filtered), in order."""
        seen: set[int] = set()
        for key in self.keys(request):
            for position in self._matching(key, request, 0):
                if position not in seen:
                    seen.add(position)
                    yield position

    def _matching(self, key: Any, request: Any, start: int) -> Iterator[int]:
        bucket = self.buckets.get(key)
        if not bucket:
            return
        if not self.residual:
            yield from bucket[start:] if start else bucket
            return
        for position in bucket[start:]:
            if vcr_matchers.requests_match(request, self.requests[position], self.residual):
                yield position

    def first_playable(self, request: Any, play_counts: Any, repeats: bool) -> int | None:
        """The position vcrpy would play for ``request``: first match not yet played, or None.

        With ``repeats`` (``allow_playback_repeats``) the first match wins whatever its count.
        Without, the leading played positions of the bucket are skipped once and for all, so
        ``n`` identical requests cost ``O(n)`` in total instead of vcrpy's ``O(n^2)``.
        """
        if repeats:
            return next(self.matching(request), None)
        if not self.masks:
            return self._first_unplayed(self.key(request), request, play_counts)
        for key in self.keys(request):
            position = self._first_unplayed(key, request, play_counts)
            if position is not None:
                return position
        return None

    def _first_unplayed(self, key: Any, request: Any, play_counts: Any) -> int | None:
        bucket = self.buckets.get(key)
        if not bucket:
            return None
        start = self.played_prefix.get(key, 0)
        while start < len(bucket) and play_counts[bucket[start]] > 0:
            start += 1
        self.played_prefix[key] = start
        for position in self._matching(key, request, start):
            if play_counts[position] == 0:
                return position
        return None

    def rewind(self) -> None:
        self.played_prefix.clear()


def _mask_of(request: Any) -> Mask:
    query = frozenset(name for name, value in parse_qsl(request.parsed_uri.query, keep_blank_values=True)
                      if value in _PLACEHOLDERS)
    segments = frozenset((i, segment) for i, segment in enumerate(str(request.path).split("/"))
                         if segment in _PLACEHOLDERS)
    return query, segments


def _masked(request: Any, mask: Mask) -> Any | None:
    """A copy of ``request`` with the masked places holding the placeholder; None when none applies."""
    names, positions = mask
    parsed = request.parsed_uri
    changed = False
    query = parsed.query
    if names:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(name in names and value != PLACEHOLDER for name, value in pairs):
            query = urlencode([(n, PLACEHOLDER if n in names else v) for n, v in pairs])
            changed = True
    path = parsed.path
    if positions:
        segments = path.split("/")
        spelled = dict(positions)
        if all(i < len(segments) for i in spelled):
            path = "/".join(spelled.get(i, seg) for i, seg in enumerate(segments))
            changed = changed or path != parsed.path
    if not changed:
        return None
    masked = copy.copy(request)
    masked.uri = parsed._replace(path=path, query=query).geturl()
    return masked
