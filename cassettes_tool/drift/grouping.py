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
from collections import defaultdict
from dataclasses import replace

from cassettes_tool.drift.endpoints import EndpointModel
from cassettes_tool.drift.templates import Templater
from cassettes_tool.review.groups import MAP_MEMBER, split_path, template_paths
from cassettes_tool.review.report import SEVERITY_RANK, Finding, Report


def group_key(endpoint: str, finding: Finding, path: str | None) -> str:
    text = "\n".join((endpoint, finding.kind, finding.location, path or "", repr(finding.recorded),
                      repr(finding.live)))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def group_findings(report: Report, templater: Templater | None = None, model: EndpointModel | None = None) -> Report:
    """Set ``group`` (and the group's severity) on every finding of ``report``, in place.

    ``templater`` gives endpoint templates (the endpoint model's); without it, one is learned
    from the report's own URIs. ``model`` adds the maps whose keys vary across recorded samples
    (:meth:`~.endpoints.EndpointShape.data_maps`): their keys read ``.*`` even when one key alone
    changed. Returns the report.
    """
    if templater is None:
        templater = model.templater if model is not None else Templater(
            i.uri for c in report.cassettes for i in c.interactions)
    # First pass: the template path of each finding, per (endpoint, kind, location, values).
    buckets: dict[tuple[str, str, str, str, str], list[str]] = defaultdict(list)
    located: list[tuple[list[Finding], int, str, tuple[str, str, str, str, str], str | None]] = []
    for cassette in report.cassettes:
        for item in cassette.interactions:
            endpoint = str(templater.endpoint(item.method, item.uri))
            maps: set[str] = set()
            if model is not None and isinstance(item.recorded.get("status"), int):
                known = model.shape(item.method, item.uri, item.recorded["status"])
                maps = known.data_maps() if known is not None else set()
            for n, finding in enumerate(item.findings):
                bucket = (endpoint, finding.kind, finding.location, repr(finding.recorded), repr(finding.live))
                path = finding.path
                if path is not None and finding.location == "body":
                    path = _members_of(path, maps) if maps else path
                    buckets[bucket].append(path)
                located.append((item.findings, n, endpoint, bucket, path))
    templates = {bucket: template_paths(paths) for bucket, paths in buckets.items()}
    ids: list[str] = []
    severity: dict[str, str] = {}
    for findings, n, endpoint, bucket, path in located:
        finding = findings[n]
        if path is not None and finding.location == "body":
            path = templates[bucket].get(path, path)
        group = group_key(endpoint, finding, path)
        ids.append(group)
        current = severity.get(group)
        if current is None or SEVERITY_RANK[finding.severity] > SEVERITY_RANK[current]:
            severity[group] = finding.severity
    for (findings, n, _, _, _), group in zip(located, ids, strict=True):
        findings[n] = replace(findings[n], group=group, severity=severity[group])
    return report


def _members_of(path: str, maps: set[str]) -> str:
    """``path`` with the keys of known data maps read ``.*``."""
    segments = split_path(path)
    if segments is None:
        return path
    out = list(segments)
    prefix = "$"
    for i, segment in enumerate(segments[:-1]):
        if prefix in maps and segment not in ("[*]", MAP_MEMBER):
            out[i] = MAP_MEMBER
        prefix += segment
    return "$" + "".join(out)

