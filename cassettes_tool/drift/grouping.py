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
from collections.abc import Sequence
from dataclasses import replace

from cassettes_tool.drift.templates import Templater
from cassettes_tool.review.groups import template_paths
from cassettes_tool.review.report import SEVERITY_RANK, Finding, Report


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
