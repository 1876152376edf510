"""The Markdown report: a GitHub pull-request comment or ``$GITHUB_STEP_SUMMARY``.

A summary table, then one collapsible ``<details>`` per cassette that needs a look (worst
first). The characters of a value that GitHub would read as markup are escaped into HTML
entities (and only those, so the raw text stays readable), so a path, a URL or a body cannot
open a tag, end a table cell, start a code span, mention a user or link an issue.
GitHub refuses comments over 65,536 characters: details stop before that, with a note.
"""

from __future__ import annotations

from cassettes_tool.review.groups import collapse, group_members, group_template
from cassettes_tool.review.render.common import (
    Hints,
    cassette_findings,
    cassette_label,
    describe_counts,
    next_steps,
    severity_counts,
    short_value,
    sorted_cassettes,
    sorted_findings,
    sorted_interactions,
    verdict,
)
from cassettes_tool.review.report import CassetteResult, Finding, InteractionResult, Report, fails

# GitHub's comment limit is 65,536 characters; keep room for the closing note.
MAX_CHARS = 60_000
_ICONS = {"FAIL": "🔴", "DRIFT": "🟡", "ERROR": "🟣", "ACKED": "⚪", "OK": "🟢", "SKIPPED": "⚪",
          "NOT COMPARED": "⚪"}
# What GitHub would read as markup: HTML, table cells, code spans, mentions, emphasis, links,
# escapes, strikethrough and math. Everything else stays as typed, so the raw text reads well.
_ENTITIES = {
    "&": "&amp;", "<": "&lt;", ">": "&gt;", "|": "&#124;", "`": "&#96;", "@": "&#64;", "*": "&#42;",
    "[": "&#91;", "]": "&#93;", "\\": "&#92;", "~": "&#126;", "$": "&#36;",
}


def _escape(text: str, n: int) -> str:
    ch = text[n]
    if ch in _ENTITIES:
        return _ENTITIES[ch]
    if not ch.isprintable():
        return "&#65533;"
    before = text[n - 1] if n else " "
    after = text[n + 1] if n + 1 < len(text) else " "
    if ch == "_" and not (before.isalnum() and after.isalnum()):
        return "&#95;"  # emphasis needs an underscore at a word's edge; snake_case stays readable
    if ch == "#" and after.isdigit():
        return "&#35;"  # #123 links an issue
    if ch == ":" and not before.isalnum() and (after.isalnum() or after in "+-"):
        return "&#58;"  # :emoji: shortcodes; the colon of https:// stays
    return ch


def md(value: object) -> str:
    """Any value as inline Markdown text that renders literally (one line)."""
    text = " ".join(str(value).split())
    return "".join(_escape(text, n) for n in range(len(text)))


def code(value: object) -> str:
    """A value in a ``<code>`` element, escaped (safe inside table cells)."""
    return f"<code>{md(value)}</code>"


def _summary_table(report: Report) -> list[str]:
    s = report.summary()
    open_counts = severity_counts(report.findings())
    return [
        "| cassettes | interactions | ok | drift | error | skipped | breaking | warning | info | acknowledged |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {s['cassettes']} | {s['interactions']} | {s['ok']} | {s['drift']} | {s['error']} | {s['skipped']} "
        f"| {open_counts['breaking']} | {open_counts['warning']} | {open_counts['info']} | {s.get('acknowledged', 0)} |",
    ]


def _finding_row(item: InteractionResult, found: list[Finding], fail_on: str, first: bool,
                 members: dict[str, list[Finding]] | None = None) -> str:
    """One row per finding, or per group: the occurrences of one change in this interaction."""
    finding = found[0]
    severity = f"{finding.severity} (acknowledged)" if finding.acknowledged else finding.severity
    if fails(finding, fail_on):
        severity = f"**{severity}**"  # this one decides the exit code
    where = code(finding.path) if finding.path else md(finding.location)
    message, fingerprint = md(finding.message), code(finding.fingerprint)
    group = (members or {}).get(finding.group or "", [])
    if len(group) > 1:
        where = code(group_template([f.path for f in group]) or finding.location)
        message += md(f" — one change, {len(group)} occurrences in the report, {len(found)} here")
        fingerprint = f"group {code(finding.group)}"
    change = f"{code(short_value(finding.recorded))} → {code(short_value(finding.live))}"
    request = f"{item.index} | {md(item.method)} {code(item.uri)}" if first else " | "
    return (f"| {request} | {severity} | {md(finding.kind)} | {where} "
            f"| {change} | {message} | {fingerprint} |")


def _cassette_block(cassette: CassetteResult, fail_on: str,
                    members: dict[str, list[Finding]] | None = None) -> list[str]:
    label = cassette_label(cassette, fail_on)
    findings = cassette_findings(cassette)
    counts = describe_counts(severity_counts(findings))
    acked = sum(1 for f in findings if f.acknowledged)
    notes = [n for n in (counts, f"{acked} acknowledged" if acked else "") if n]
    summary = f"{_ICONS[label]} {label} {code(cassette.path)}" + (f" — {md('; '.join(notes))}" if notes else "")
    lines = ["<details>", f"<summary>{summary}</summary>", ""]
    if cassette.error:
        lines += [f"Cassette error: {md(cassette.error)}", ""]
    members = members or {}
    rows = [(i, found, n == 0) for i in sorted_interactions(cassette)
            for n, found in enumerate(collapse(sorted_findings(i.findings), members))]
    if rows:
        lines += [
            "| # | request | severity | kind | path | recorded → live | message | fingerprint |",
            "| ---: | --- | --- | --- | --- | --- | --- | --- |",
            *(_finding_row(i, found, fail_on, first, members) for i, found, first in rows),
            "",
        ]
    others = [i for i in sorted_interactions(cassette) if i.status in ("error", "skipped", "not_compared")]
    if others:
        lines += ["| # | request | status | reason |", "| ---: | --- | --- | --- |"]
        lines += [f"| {i.index} | {md(i.method)} {code(i.uri)} | {i.status} | {md(i.reason or '')} |" for i in others]
        lines.append("")
    lines += ["</details>", ""]
    return lines


def render_markdown(report: Report, *, fail_on: str, exit_on: str | None = None,
                    hints: Hints | None = None) -> str:
    """The report as GitHub-flavoured Markdown (verdict at ``fail_on``, exit code at ``exit_on``)."""
    result = verdict(report, fail_on, exit_on)
    icon = {"passed": "✅", "failed": "❌", "incomplete": "⚠️", "drift": "❌"}[result.word]
    lines = [
        f"## {icon} cassettes drift report: {result.word}",
        "",
        f"{md(result.detail)} (exit {result.exit_code}). {md(report.command)} from "
        f"{md(report.started_at)} to {md(report.finished_at)}.",
        "",
        *_summary_table(report),
        "",
    ]
    to_review = [c for c in sorted_cassettes(report) if cassette_label(c, fail_on) not in ("OK", "SKIPPED")]
    calm = len(report.cassettes) - len(to_review)
    size = sum(len(line) + 1 for line in lines)
    members = group_members(report)
    for shown, cassette in enumerate(to_review):
        block = _cassette_block(cassette, fail_on, members)
        block_size = sum(len(line) + 1 for line in block)
        if size + block_size > MAX_CHARS:
            rest = len(to_review) - shown
            lines += [f"*{rest} more cassette(s) not shown here to fit GitHub's size limit; "
                      "see the full report (JSON or HTML).*", ""]
            break
        lines += block
        size += block_size
    if calm:
        lines += [f"{calm} cassette(s) ok or skipped, not listed.", ""]
    hint = next_steps(report, hints)
    if hint:
        lines.append(" ".join(f"<code>{md(part)}</code>" if n % 2 else md(part)
                              for n, part in enumerate(hint.split("`"))))
    return "\n".join(lines).rstrip("\n") + "\n"
