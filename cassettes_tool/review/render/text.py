"""The terminal report: grouped by cassette, worst first; interactions in recorded order.

One line per finding (severity, kind, path, recorded → live, fingerprint). ``width`` is the
terminal's columns: free text (reasons, hints, the summary) wraps there, a long URL is cut in
the middle, and a finding line too long for it continues on the next line at a field boundary.
A path or a fingerprint is never split. ``width=None`` (a file, a pipe, a CI log) wraps nothing.

Colour (ANSI) only when the caller asks for it; the caller decides with
:func:`cassettes_tool.review.render.want_color` (a terminal, and ``NO_COLOR`` unset).
"""

from __future__ import annotations

import textwrap

from cassettes_tool.review.groups import collapse, group_members, group_template
from cassettes_tool.review.render.common import (
    Hints,
    cassette_findings,
    cassette_label,
    describe_counts,
    interaction_label,
    next_steps,
    severity_counts,
    short_value,
    sorted_cassettes,
    sorted_findings,
    summary_line,
    verdict,
)
from cassettes_tool.review.report import CassetteResult, Finding, InteractionResult, Report

_RESET = "\033[0m"
_STYLES = {
    "FAIL": "\033[1;31m", "breaking": "\033[31m", "DRIFT": "\033[33m", "warning": "\033[33m",
    "ERROR": "\033[35m", "info": "\033[36m", "OK": "\033[32m", "SKIPPED": "\033[2m", "ACKED": "\033[2m",
    "acknowledged": "\033[2m", "dim": "\033[2m", "bold": "\033[1m", "passed": "\033[1;32m",
    "failed": "\033[1;31m", "incomplete": "\033[1;35m", "drift": "\033[1;31m",
}


class _Painter:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, style: str) -> str:
        if not self.color or style not in _STYLES:
            return text
        return f"{_STYLES[style]}{text}{_RESET}"


def clean(text: str) -> str:
    """One line without control characters (a report value must not move the cursor)."""
    return "".join(ch if ch.isprintable() else "?" for ch in " ".join(str(text).split()))


def shorten(text: str, limit: int) -> str:
    """Cut the middle of a long string (keeps the host and the end of a URL readable)."""
    if len(text) <= limit:
        return text
    keep = max(limit - 1, 2)
    head = keep * 2 // 3
    return text[:head] + "…" + text[len(text) - (keep - head):]


def _wrap(text: str, indent: int, width: int | None, hanging: int | None = None) -> list[str]:
    if width is None:
        return [" " * indent + clean(text)]
    return textwrap.wrap(clean(text), width=width, initial_indent=" " * indent,
                         subsequent_indent=" " * (indent if hanging is None else hanging),
                         break_long_words=False, break_on_hyphens=False) or [" " * indent]


def _fields(parts: list[tuple[str, str]], width: int | None, indent: int) -> list[str]:
    """(plain, painted) fields joined by two spaces; at a width, a field that does not fit starts
    a continuation line (a field itself, a path or a fingerprint, is never split)."""
    lines: list[str] = []
    plain_line, painted_line = "", ""
    for plain, painted in parts:
        if not plain_line:
            plain_line, painted_line = " " * indent + plain, " " * indent + painted
        elif width is not None and len(plain_line) + 2 + len(plain) > width:
            lines.append(painted_line)
            plain_line, painted_line = " " * (indent + 10) + plain, " " * (indent + 10) + painted
        else:
            plain_line, painted_line = plain_line + "  " + plain, painted_line + "  " + painted
    lines.append(painted_line)
    return lines


def _finding_lines(finding: Finding, paint: _Painter, width: int | None) -> list[str]:
    style = "acknowledged" if finding.acknowledged else finding.severity
    where = clean(finding.path or finding.location)
    change = clean(f"{short_value(finding.recorded)} → {short_value(finding.live)}")
    ack = " (acknowledged)" if finding.acknowledged else ""
    parts = [(finding.severity.ljust(8), paint(finding.severity.ljust(8), style)), (finding.kind, finding.kind),
             (where, where), (change, change), (finding.fingerprint + ack, finding.fingerprint + ack)]
    lines = _fields(parts, width, 5)
    return [paint(line, "dim") for line in lines] if finding.acknowledged else lines


class _Groups:
    """The report's groups (one change in many places) and which were already shown in full."""

    def __init__(self, report: Report, width: int | None) -> None:
        self.members = group_members(report)
        self.width = width
        self.shown: set[str] = set()

    def lines(self, found: list[Finding], paint: _Painter) -> list[str]:
        first = found[0]
        assert first.group is not None
        members = self.members[first.group]
        where = group_template([f.path for f in members]) or first.location
        style = "acknowledged" if first.acknowledged else first.severity
        head = f"     {paint(first.severity.ljust(9), style)} {first.kind}  {clean(where)}"
        here = f", {len(found)} here" if len(found) > 1 else ""
        if first.group in self.shown:
            return [head, *_wrap(f"the same change as group {first.group} above ({len(members)} occurrences{here})",
                                 15, self.width)]
        self.shown.add(first.group)
        paths = list(dict.fromkeys(f.path or f.location for f in members))
        listed = ", ".join(paths[:4]) + (f", … {len(paths) - 4} more" if len(paths) > 4 else "")
        change = f"{short_value(first.recorded)} → {short_value(first.live)}"
        tail = (f"{clean(first.message)} ({clean(change)}) — one change, {len(members)} occurrences{here}: "
                f"{listed} [group {first.group}; every fingerprint is in the JSON report]")
        return [head, *_wrap(tail, 15, self.width)]


def _interaction_lines(item: InteractionResult, fail_on: str, paint: _Painter, width: int | None,
                       groups: _Groups) -> list[str]:
    label = interaction_label(item, fail_on)
    request = f"#{item.index} {clean(item.method)} "
    uri = clean(item.uri)
    if width is not None:
        uri = shorten(uri, max(width - 2 - len(request) - len(label) - 2, 20))
    lines = [f"  {request}{uri}  {paint(label, label)}"]
    if item.reason and not (item.status == "ok" and item.pairing == "endpoint"):
        lines += _wrap(item.reason, 5, width)  # how an ok interaction was paired is in the JSON report
    for found in collapse(sorted_findings(item.findings), groups.members):
        lines += groups.lines(found, paint) if len(found) > 1 or _shared(found[0], groups) else \
            _finding_lines(found[0], paint, width)
    return lines


def _shared(finding: Finding, groups: _Groups) -> bool:
    return finding.group is not None and len(groups.members.get(finding.group, ())) > 1


def _cassette_lines(cassette: CassetteResult, fail_on: str, paint: _Painter, width: int | None,
                    groups: _Groups) -> list[str]:
    label = cassette_label(cassette, fail_on)
    findings = cassette_findings(cassette)
    counts = describe_counts(severity_counts(findings))
    acked = sum(1 for f in findings if f.acknowledged)
    notes = [n for n in (counts, f"{acked} acknowledged" if acked else "") if n]
    n = len(cassette.interactions)
    if n or not cassette.error:
        notes.append(f"{n} interaction{'s' if n != 1 else ''}")
    path = clean(cassette.path)
    note = "(" + "; ".join(notes) + ")" if notes else ""
    if note and (width is None or len(f"{label.ljust(7)} {path}  {note}") <= width):
        lines = [f"{paint(label.ljust(7), label)} {paint(path, 'bold')}  {note}"]
    else:  # a long path keeps its own line; the counts go below it
        lines = [f"{paint(label.ljust(7), label)} {paint(path, 'bold')}", *(_wrap(note, 8, width) if note else [])]
    if cassette.error:
        lines += _wrap(f"error: {cassette.error}", 8, width)
    quiet = label in ("OK", "SKIPPED")
    for item in sorted(cassette.interactions, key=lambda i: i.index):
        if quiet and (not item.reason or (item.pairing == "endpoint" and item.status == "ok")):
            continue  # an all-ok cassette is one line: nothing to review
        if label == "SKIPPED" or (quiet and item.status == "skipped"):
            lines += _wrap(f"#{item.index} {clean(item.method)} {clean(item.uri)} skipped: {item.reason}", 2, width, 5)
            continue
        lines += _interaction_lines(item, fail_on, paint, width, groups)
    return lines


def _title(report: Report) -> str:
    """What was compared: the two files of a diff (with their recording dates), else the run's times."""
    if report.compared:
        sides = [f"{c.get('path')} (recorded {c.get('recorded_at') or 'at an unknown date'})" for c in report.compared]
        return f"cassettes {report.command}: " + " → ".join(sides)
    return f"cassettes {report.command}: {report.started_at} → {report.finished_at}"


def render_text(report: Report, *, fail_on: str, color: bool = False, exit_on: str | None = None,
                hints: Hints | None = None, width: int | None = 80) -> str:
    """The whole report as terminal text (ANSI colour only when ``color``; see the module doc for ``width``)."""
    paint = _Painter(color)
    lines = [paint(clean(_title(report)), "bold")]
    if report.status == "incomplete":
        lines.append(paint("interrupted: this report holds only what was checked before the run stopped", "incomplete"))
    lines.append("")
    groups = _Groups(report, width)
    for cassette in sorted_cassettes(report):
        lines += _cassette_lines(cassette, fail_on, paint, width, groups)
    if not report.cassettes:
        lines.append("no cassettes were checked")
    result = verdict(report, fail_on, exit_on)
    hint = next_steps(report, hints)
    if hint:
        lines += ["", *(paint(line, "dim") for line in _wrap(hint.replace("`", ""), 0, width))]
    lines += ["", *_wrap(summary_line(report, fail_on), 0, width)]
    lines.append(f"{paint(result.word.upper(), result.word)}: {result.detail} (exit {result.exit_code})")
    return "\n".join(line.rstrip() for line in lines) + "\n"
