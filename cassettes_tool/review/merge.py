"""Join the drift reports of sharded runs (``refresh --shard K/N --report ...``) into one.

The merged report holds every cassette of every shard, sorted by path (the order of an
unsharded run), runs from the earliest start to the latest finish, and its summary is the sum
of the shards' (it is computed from the cassettes). A cassette found in two reports is refused:
shards never overlap, so it means the same shard was given twice or the reports come from
different runs.

Every shard builds the endpoint model of the whole project, so the same change has the same group
id in every shard; the merged report gives each group the highest severity of its occurrences
across shards (one change, one severity), as an unsharded run does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from cassettes_tool.errors import ReportError
from cassettes_tool.review.report import SEVERITY_RANK, Report


def merge_reports(reports: Sequence[tuple[str, Report]]) -> Report:
    """One report from ``(source name, report)`` pairs; a :class:`ReportError` on overlap."""
    if not reports:
        raise ReportError("nothing to merge: give the reports of the shards")
    commands = {report.command for _, report in reports}
    if len(commands) > 1:
        raise ReportError(
            f"cannot merge reports of different commands ({', '.join(sorted(commands))}); "
            "merge the shards of one run"
        )
    seen: dict[str, str] = {}
    merged = Report(
        started_at=min(report.started_at for _, report in reports),
        finished_at=max(report.finished_at for _, report in reports),
        cassettes=[],
        tool_version=reports[0][1].tool_version,
        command=reports[0][1].command,
        # one interrupted shard makes the whole night incomplete
        status="incomplete" if any(report.status == "incomplete" for _, report in reports) else "complete",
    )
    for source, report in reports:
        for cassette in report.cassettes:
            if cassette.path in seen:
                raise ReportError(
                    f"{source}: cassette {cassette.path} is also in {seen[cassette.path]}; shards never "
                    "overlap, so merge each shard's report once, all from the same run"
                )
            seen[cassette.path] = source
            merged.cassettes.append(cassette)
    merged.cassettes.sort(key=lambda c: c.path)
    return _one_severity_per_group(merged)


def _one_severity_per_group(report: Report) -> Report:
    worst: dict[str, str] = {}
    for finding in report.findings():
        if finding.group and SEVERITY_RANK[finding.severity] > SEVERITY_RANK.get(worst.get(finding.group, ""), 0):
            worst[finding.group] = finding.severity
    cassettes = []
    for cassette in report.cassettes:
        interactions = [replace(i, findings=[replace(f, severity=worst[f.group]) if f.group else f
                                             for f in i.findings]) for i in cassette.interactions]
        cassettes.append(replace(cassette, interactions=interactions))
    report.cassettes = cassettes
    return report
