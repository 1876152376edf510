"""Template paths of grouped findings: the part of grouping renderers need too.

``$.assets.blue.roles`` and ``$.assets['blue-jp2'].roles`` -> ``$.assets.*.roles``: object keys
that vary between paths agreeing on everything else are map keys (never the last key, the field
itself). :mod:`cassettes_tool.drift.grouping` assigns the groups; renderers show one line per
group with these template paths.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

from cassettes_tool.review.report import Finding, Report

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


def group_template(paths: Sequence[str | None]) -> str | None:
    """The template path shown for a group's occurrences (``.*`` where their keys differ)."""
    known = [p for p in paths if p is not None]
    if not known:
        return None
    mapped = template_paths(known)
    return mapped[known[0]]


def group_members(report: Report) -> dict[str, list[Finding]]:
    """Every group id of the report -> its occurrences, in report order."""
    members: dict[str, list[Finding]] = defaultdict(list)
    for finding in report.findings():
        if finding.group:
            members[finding.group].append(finding)
    return dict(members)


def collapse(findings: Sequence[Finding], members: dict[str, list[Finding]]) -> list[list[Finding]]:
    """``findings`` (already ordered) with the occurrences of one multi-place group together:
    one list per line to show, the first finding of each list leading."""
    out: list[list[Finding]] = []
    index: dict[str, int] = {}
    for finding in findings:
        group = finding.group
        if group and len(members.get(group, ())) > 1:
            if group in index:
                out[index[group]].append(finding)
                continue
            index[group] = len(out)
        out.append([finding])
    return out

