"""Group the same change found in many places: one group, one severity, every occurrence kept.

Two findings are the same change when they have the same endpoint (method + path template +
query keys, :mod:`.templates`), kind, location, recorded and live value, and the same *template
path*: a body path where object keys that vary between the findings of one change are map keys
and read ``.*`` (``$.assets.blue.roles`` and ``$.assets['blue-jp2'].roles`` are both
``$.assets.*.roles``; never the last key: ``$.name`` and ``$.email`` stay two changes). The cassette is not part of the key: the same change in 30 cassettes is
one group.

The group id is 12 hex characters of SHA-256 over that key, so it is the same every night while
the change stays (like fingerprints, which stay per occurrence). Every occurrence gets the
group's severity, the highest of its occurrences: one change, one severity.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace

from cassettes_tool.drift.templates import Templater
from cassettes_tool.review.report import SEVERITY_RANK, Finding, Report

_SEGMENT = re.compile(r"\[\*\]|\.\*|\['(?:\\.|[^'\\])*'\]|\.[^.\[\]]+|\[\d+\]")
_WILD = ("[*]", ".*")
MAP_MEMBER = ".*"


def split_path(path: str) -> tuple[str, ...] | None:
    """``$.a['b c'][*].d`` -> ``(".a", "['b c']", "[*]", ".d")``; None for anything else."""
    if not path.startswith("$"):
        return None
    segments = _SEGMENT.findall(path, 1)
    return tuple(segments) if "".join(segments) == path[1:] else None


def template_paths(paths: Iterable[str]) -> dict[str, str]:
    """Each path -> its template path among ``paths`` (keys varying between paths that agree on
    everything else become ``.*``; the largest such family wins, then the leftmost position)."""
    split = {path: split_path(path) for path in set(paths)}
    families: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for path, segments in split.items():
        if segments is None:
            continue
        for i, segment in enumerate(segments[:-1]):  # the last key is the field itself
            if segment not in _WILD:
                families[(*segments[:i], MAP_MEMBER, *segments[i + 1:])].add(path)
    result: dict[str, str] = {}
    for path, segments in split.items():
        best: tuple[int, int, tuple[str, ...]] | None = None
        if segments is not None:
            for i, segment in enumerate(segments[:-1]):
                if segment in _WILD:
                    continue
                family = (*segments[:i], MAP_MEMBER, *segments[i + 1:])
                size = len(families[family])
                if size >= 2 and (best is None or (size, -i) > (best[0], best[1])):
                    best = (size, -i, family)
        result[path] = "$" + "".join(best[2]) if best else path
    return result


def group_key(endpoint: str, finding: Finding, path: str | None) -> str:
    text = "\n".join((endpoint, finding.kind, finding.location, path or "", repr(finding.recorded),
                      repr(finding.live)))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def group_findings(report: Report, templater: Templater | None = None) -> Report:
    """Set ``group`` (and the group's severity) on every finding of ``report``, in place.

    ``templater`` gives endpoint templates (the endpoint model's); without it, one is learned
    from the report's own URIs. Returns the report.
    """
    if templater is None:
        templater = Templater(i.uri for c in report.cassettes for i in c.interactions)
    # First pass: the template path of each finding, per (endpoint, kind, location, values).
    buckets: dict[tuple[str, str, str, str, str], list[str]] = defaultdict(list)
    located: list[tuple[Sequence[Finding], int, str, tuple[str, str, str, str, str]]] = []
    for cassette in report.cassettes:
        for item in cassette.interactions:
            endpoint = str(templater.endpoint(item.method, item.uri))
            for n, finding in enumerate(item.findings):
                bucket = (endpoint, finding.kind, finding.location, repr(finding.recorded), repr(finding.live))
                if finding.path is not None:
                    buckets[bucket].append(finding.path)
                located.append((item.findings, n, endpoint, bucket))
    templates = {bucket: template_paths(paths) for bucket, paths in buckets.items()}
    ids: list[str] = []
    severity: dict[str, str] = {}
    for findings, n, endpoint, bucket in located:
        finding = findings[n]
        path = templates[bucket].get(finding.path, finding.path) if finding.path is not None else None
        group = group_key(endpoint, finding, path)
        ids.append(group)
        current = severity.get(group)
        if current is None or SEVERITY_RANK[finding.severity] > SEVERITY_RANK[current]:
            severity[group] = finding.severity
    for (findings, n, _, _), group in zip(located, ids, strict=True):
        finding = findings[n]
        assert isinstance(findings, list)
        findings[n] = replace(finding, group=group, severity=severity[group])
    return report


def group_template(paths: Sequence[str | None]) -> str | None:
    """The template path shown for a group's occurrences (``.*`` where their keys differ)."""
    known = [p for p in paths if p is not None]
    if not known:
        return None
    mapped = template_paths(known)
    return mapped[known[0]]
