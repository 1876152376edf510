"""Endpoint templates: ``GET https://api.test/users/{param}?limit`` from recorded URLs.

A path segment becomes ``{param}`` when it is an id by itself — a number, a UUID, a hash, a
date or timestamp, an id with dashes or underscores and digits (``ord_1001``, ``TEE-007``,
``filter-1652349134``), a long token with digits — or when the suite shows it varying: four or
more different values at the same place between the same neighbours
(``/r/python/hot``, ``/r/rust/hot``, ...), never for the last segment (``/users/me`` and
``/users/search`` are different endpoints). Version segments (``v1``, ``v2beta1``) and short
words with a digit (``oauth2``, ``s3``) stay literal.

Query *keys* are part of the endpoint, their values are not: ``?limit=64`` and ``?limit=100``
are the same endpoint.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

PARAM = "{param}"
VARYING_VALUES = 4  # distinct literal values at one place that make it a parameter

_VERSION = re.compile(r"v\d+(?:[._-]?\d+)*(?:(?:alpha|beta|rc)\d*)?\Z", re.IGNORECASE)
_UUID = re.compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\Z")
_HEX = re.compile(r"(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{8,}\Z")
_SEPARATED_DIGITS = re.compile(r"\d{2,}|[-_.:~+]\d+\Z")
_SEPARATOR = re.compile(r"[-_.:~+]")


def segment_is_id(segment: str) -> bool:
    """Is this path segment an id by itself (whatever other URLs say)?"""
    if not segment or not any(ch.isdigit() for ch in segment):
        return False
    if segment.isdigit() or _UUID.match(segment) or _HEX.match(segment):
        return True
    if _VERSION.match(segment):
        return False
    if _SEPARATOR.search(segment):
        return bool(_SEPARATED_DIGITS.search(segment))
    return len(segment) >= 8  # a token like a1b2c3d4e5; "oauth2", "python3" stay literal


@dataclass(frozen=True, order=True)
class Endpoint:
    """Method, origin, templated path and sorted query keys of one request."""

    method: str
    origin: str  # scheme://host[:port], lower-case
    path: str  # "/users/{param}"
    query_keys: tuple[str, ...] = ()

    def __str__(self) -> str:
        query = "?" + "&".join(self.query_keys) if self.query_keys else ""
        return f"{self.method} {self.origin}{self.path}{query}"

    @property
    def short(self) -> str:
        """Without the origin: ``GET /users/{param}?limit``."""
        query = "?" + "&".join(self.query_keys) if self.query_keys else ""
        return f"{self.method} {self.path}{query}"


def split_uri(uri: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """(origin, path segments, sorted unique query keys); never raises."""
    try:
        parts = urlsplit(uri)
        origin = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
        path, query = parts.path, parts.query
    except ValueError:
        head, _, query = uri.partition("?")
        origin, path = "", head
    keys = tuple(sorted({key for key, _ in parse_qsl(query, keep_blank_values=True)}))
    return origin, tuple(path.split("/")), keys


class Templater:
    """Templates learned from every URL the suite recorded (:func:`segment_is_id` plus variation)."""

    def __init__(self, uris: Iterable[str] = ()) -> None:
        self._varying: set[tuple[str, tuple[str, ...], tuple[str, ...]]] = set()
        seen: dict[tuple[str, tuple[str, ...], tuple[str, ...]], set[str]] = defaultdict(set)
        for origin, segments in {split_uri(uri)[:2] for uri in uris}:
            intrinsic = _intrinsic(segments)
            for i in range(len(intrinsic) - 1):  # never the last segment
                if intrinsic[i] != PARAM and intrinsic[i]:
                    seen[(origin, intrinsic[:i], intrinsic[i + 1:])].add(intrinsic[i])
        self._varying = {place for place, values in seen.items() if len(values) >= VARYING_VALUES}

    def template(self, origin: str, segments: tuple[str, ...]) -> str:
        intrinsic = _intrinsic(segments)
        if self._varying:
            out = list(intrinsic)
            for i in range(len(intrinsic) - 1):
                if (origin, intrinsic[:i], intrinsic[i + 1:]) in self._varying:
                    out[i] = PARAM
            intrinsic = tuple(out)
        return "/".join(intrinsic)

    def endpoint(self, method: str, uri: str) -> Endpoint:
        origin, segments, keys = split_uri(uri)
        return Endpoint(method.upper(), origin, self.template(origin, segments), keys)


def _intrinsic(segments: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(PARAM if segment_is_id(s) else s for s in segments)
