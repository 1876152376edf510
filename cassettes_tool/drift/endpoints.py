"""The endpoint model: everything the suite has recorded, per method + endpoint template + status.

Every recorded JSON response is one *sample* of its endpoint (:mod:`.templates`); the samples of
one endpoint and status merge into :class:`EndpointShape`: for each body path, in how many
samples it was present (out of the samples where its parent was the container holding it), the
types seen, whether null was seen. The drift engine asks it two questions
(:mod:`.classify`): is this field *optional* (absent in other recorded samples), and has this
type or null been seen before.

Building it reads every cassette; :mod:`.endpoint_cache` keeps each cassette's samples under its
content hash, so only changed cassettes are parsed again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cassettes_tool.core.cassette import Cassette
from cassettes_tool.drift.body import JSON_KINDS, view_body
from cassettes_tool.drift.shape import shape_of
from cassettes_tool.drift.templates import Endpoint, Templater

# One recorded response, as plain data (cacheable with marshal):
# (method, uri, status, ((path, parent, segment, types, nullable, always), ...)) — the shape is
# None when the body is not JSON. Types are strict (integer and number apart).
Sample = tuple[str, str, int, tuple[tuple[str, str, str, tuple[str, ...], bool, bool], ...] | None]


def cassette_samples(cassette: Cassette) -> list[Sample]:
    """The samples of one cassette (never raises on any body)."""
    samples: list[Sample] = []
    for interaction in cassette.interactions:
        request, response = interaction.request, interaction.response
        shape = None
        view = view_body(response)
        if view.kind in JSON_KINDS:
            shape = tuple(
                (info.path, info.parent or "", info.segment, tuple(sorted(info.types)), info.nullable, info.always)
                for info in shape_of(view.values, strict_numbers=True).values()
            )
        samples.append((request.method.upper(), request.uri, int(response.status), shape))
    return samples


@dataclass
class FieldStats:
    """One body path across the samples of an endpoint."""

    present: int = 0  # samples holding this path
    types: set[str] = field(default_factory=set)  # strict type names, without null
    nullable: bool = False
    sometimes_missing: bool = False  # absent from some elements of an array in one sample
    parent: str | None = None
    segment: str = "key"  # root | key | item | member
    most_keys: int = 0  # the most keys this object had in one sample


@dataclass
class EndpointShape:
    """The merged shape of every recorded sample of one endpoint and status."""

    endpoint: Endpoint
    status: int
    samples: int = 0
    fields: dict[str, FieldStats] = field(default_factory=dict)
    _maps: set[str] | None = field(default=None, repr=False)

    def add(self, shape: Iterable[tuple[str, str, str, tuple[str, ...], bool, bool]]) -> None:
        self.samples += 1
        self._maps = None
        keys: dict[str, int] = {}
        for path, parent, segment, types, nullable, always in shape:
            if segment == "key":
                keys[parent] = keys.get(parent, 0) + 1
            stats = self.fields.get(path)
            if stats is None:
                stats = self.fields[path] = FieldStats(parent=parent or None, segment=segment)
            stats.present += 1
            stats.types.update(types)
            stats.nullable = stats.nullable or nullable
            stats.sometimes_missing = stats.sometimes_missing or not always
        for parent, count in keys.items():
            holder = self.fields.get(parent)
            if holder is not None:
                holder.most_keys = max(holder.most_keys, count)

    def holders(self, path: str) -> int:
        """In how many samples the parent of ``path`` existed (all samples for the root)."""
        stats = self.fields.get(path)
        if stats is None or stats.parent is None:
            return self.samples
        parent = self.fields.get(stats.parent)
        return parent.present if parent is not None else self.samples

    def absent_in(self, path: str) -> tuple[int, int] | None:
        """``(absent, holders)`` when other samples show ``path`` absent, else None."""
        stats = self.fields.get(path)
        if stats is None:
            return None
        holders = self.holders(path)
        if stats.present < holders:
            return holders - stats.present, holders
        return None

    def types_seen(self, path: str, *, strict_numbers: bool) -> set[str]:
        stats = self.fields.get(path)
        if stats is None:
            return set()
        if strict_numbers:
            return set(stats.types)
        return {"number" if t == "integer" else t for t in stats.types}

    def null_seen(self, path: str) -> bool:
        stats = self.fields.get(path)
        return stats is not None and stats.nullable

    def data_maps(self) -> set[str]:
        """Objects whose keys are data: more keys across the samples than any one sample had
        (3 or more), all holding the same types (``{"USD": 1, "EUR": 2}`` in one sample,
        ``{"GBP": 3, "JPY": 4}`` in the next). Their keys read ``.*`` in template paths, like
        maps keyed by ids."""
        if self._maps is None:
            children: dict[str, list[FieldStats]] = {}
            for stats in self.fields.values():
                if stats.segment == "key" and stats.parent is not None:
                    children.setdefault(stats.parent, []).append(stats)
            self._maps = set()
            for parent, keys in children.items():
                holder = self.fields.get(parent)
                if holder is None or len(keys) < 3 or len(keys) <= holder.most_keys:
                    continue
                if len({frozenset("number" if t == "integer" else t for t in k.types) for k in keys}) == 1:
                    self._maps.add(parent)
        return self._maps


class EndpointModel:
    """Templates and merged shapes learned from recorded samples.

    ``uris`` only teach templates (the two sides of a ``diff`` both do); ``samples`` teach shapes
    (the side under review — NEW of a ``diff``, the live side of a refresh — never does).
    """

    def __init__(self, samples: Sequence[Sample], uris: Iterable[str] = ()) -> None:
        self.templater = Templater([*uris, *(sample[1] for sample in samples)])
        self.shapes: dict[tuple[Endpoint, int], EndpointShape] = {}
        for method, uri, status, shape in samples:
            if shape is None:
                continue
            endpoint = self.templater.endpoint(method, uri)
            key = (endpoint, status)
            merged = self.shapes.get(key)
            if merged is None:
                merged = self.shapes[key] = EndpointShape(endpoint, status)
            merged.add(shape)

    def endpoint(self, method: str, uri: str) -> Endpoint:
        return self.templater.endpoint(method, uri)

    def shape(self, method: str, uri: str, status: int) -> EndpointShape | None:
        """The merged recorded shape of this request's endpoint for ``status``, if any."""
        return self.shapes.get((self.endpoint(method, uri), status))

    def __len__(self) -> int:
        return len(self.shapes)


def describe(shape: EndpointShape | None) -> dict[str, Any]:
    """A summary for tests and debugging: samples and per-path presence."""
    if shape is None:
        return {}
    return {"endpoint": str(shape.endpoint), "status": shape.status, "samples": shape.samples,
            "fields": {p: (s.present, shape.holders(p), sorted(s.types), s.nullable)
                       for p, s in sorted(shape.fields.items())}}
