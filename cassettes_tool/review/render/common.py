"""What every report renderer shares: ordering (worst first), verdicts and short labels.

All functions are pure functions of the report data.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cassettes_tool.review.report import (
    FAIL_ON_RANK,
    SEVERITIES,
    SEVERITY_RANK,
    CassetteResult,
    Finding,
    InteractionResult,
    Report,
    exit_code,
    fails,
)

FAIL_ON_LEVELS = tuple(FAIL_ON_RANK)


def open_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Findings not acknowledged by a baseline."""
    return [f for f in findings if not f.acknowledged]


def worst_severity(findings: Iterable[Finding]) -> str | None:
    """The highest severity among the unacknowledged findings, or None."""
    ranks = [SEVERITY_RANK[f.severity] for f in findings if not f.acknowledged]
    if not ranks:
        return None
    best = max(ranks)
    return next(s for s, r in SEVERITY_RANK.items() if r == best)


# Rank of what a reviewer must look at, worst first: open drift, could not check, acknowledged
# drift only, fine, not checked.
_LOOK_RANK = {"drift": 4, "error": 3, "acked": 2, "not_compared": 2, "ok": 1, "skipped": 0}


def _look(statuses: set[str], findings: list[Finding], error: bool) -> int:
    if open_findings(findings):
        return _LOOK_RANK["drift"]
    if error or "error" in statuses:
        return _LOOK_RANK["error"]
    if findings:
        return _LOOK_RANK["acked"]
    if "not_compared" in statuses:
        return _LOOK_RANK["not_compared"]
    if "ok" in statuses or not statuses:
        return _LOOK_RANK["ok"]
    return _LOOK_RANK["skipped"]


def interaction_weight(item: InteractionResult) -> tuple[int, int, int]:
    """Sort key, larger is worse: worst open severity, then what needs a look, then how much."""
    severity = worst_severity(item.findings)
    return (SEVERITY_RANK[severity] if severity else 0, _look({item.status}, item.findings, False),
            len(open_findings(item.findings)))


def cassette_weight(cassette: CassetteResult) -> tuple[int, int, int]:
    """Sort key, larger is worse (an unreadable cassette ranks with interaction errors)."""
    findings = [f for i in cassette.interactions for f in i.findings]
    severity = worst_severity(findings)
    statuses = {i.status for i in cassette.interactions}
    return (SEVERITY_RANK[severity] if severity else 0, _look(statuses, findings, bool(cassette.error)),
            len(open_findings(findings)))


def sorted_cassettes(report: Report) -> list[CassetteResult]:
    """Cassettes worst first; ties by path so the output is stable."""
    return sorted(report.cassettes, key=lambda c: (tuple(-x for x in cassette_weight(c)), c.path))


def sorted_interactions(cassette: CassetteResult) -> list[InteractionResult]:
    """Interactions worst first; ties in recorded order."""
    return sorted(cassette.interactions, key=lambda i: (tuple(-x for x in interaction_weight(i)), i.index))


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Open findings before acknowledged ones, then breaking > warning > info, then path."""
    return sorted(findings, key=lambda f: (f.acknowledged, -SEVERITY_RANK[f.severity], f.path or "", f.kind))


def severity_counts(findings: Iterable[Finding], *, acknowledged: bool = False) -> dict[str, int]:
    """Findings per severity; acknowledged ones only when ``acknowledged`` is True."""
    counts = {s: 0 for s in SEVERITIES}
    for finding in findings:
        if finding.acknowledged == acknowledged:
            counts[finding.severity] += 1
    return counts


def describe_counts(counts: dict[str, int]) -> str:
    """``2 breaking, 1 info`` (zero counts left out), or an empty string."""
    return ", ".join(f"{n} {s}" for s, n in counts.items() if n)


def cassette_findings(cassette: CassetteResult) -> list[Finding]:
    return [f for i in cassette.interactions for f in i.findings]


def cassette_label(cassette: CassetteResult, fail_on: str) -> str:
    """FAIL (drift reaching fail_on), DRIFT (below it), ERROR, OK, NOT COMPARED or SKIPPED."""
    findings = cassette_findings(cassette)
    if any(fails(f, fail_on) for f in findings):
        return "FAIL"
    if cassette.error or any(i.status == "error" for i in cassette.interactions):
        return "ERROR"
    if open_findings(findings):
        return "DRIFT"
    if findings:
        return "ACKED"
    if cassette.status == "not_compared":
        return "NOT COMPARED"
    return "SKIPPED" if cassette.status == "skipped" else "OK"


def interaction_label(item: InteractionResult, fail_on: str) -> str:
    """FAIL, DRIFT, ACKED (only acknowledged findings), ERROR, OK, NOT COMPARED or SKIPPED."""
    if any(fails(f, fail_on) for f in item.findings):
        return "FAIL"
    if item.status == "error":
        return "ERROR"
    if open_findings(item.findings):
        return "DRIFT"
    if item.findings:
        return "ACKED"
    return item.status.replace("_", " ").upper()


@dataclass(frozen=True)
class Verdict:
    """The one-line outcome of a report under a ``fail_on`` level."""

    exit_code: int  # what the command exits with (its own --fail-on may differ from the verdict's)
    word: str  # passed | failed | incomplete | drift (breaking drift under fail_on never)
    detail: str


def verdict(report: Report, fail_on: str, exit_on: str | None = None) -> Verdict:
    """The verdict at ``fail_on``, and the exit code at ``exit_on`` (default: ``fail_on``).

    Breaking drift is never "passed": under ``fail_on = never`` it is the word ``drift``.
    """
    code = exit_code(report, fail_on)
    shown = exit_code(report, exit_on or fail_on)
    failing = sum(1 for f in report.findings() if fails(f, fail_on))
    if code == 1:
        return Verdict(shown, "failed", f"{failing} finding(s) at or above fail-on {fail_on}")
    if code == 3:
        return Verdict(shown, "incomplete", "some interactions or cassettes could not be checked")
    breaking = sum(1 for f in report.findings() if fails(f, "breaking"))
    if breaking:
        return Verdict(shown, "drift", f"{breaking} breaking finding(s), not failing because fail-on is {fail_on}")
    return Verdict(shown, "passed", f"nothing at or above fail-on {fail_on}")


def short_value(value: Any, limit: int = 40) -> str:
    """A finding's recorded/live value (a type name, status, media type...) for one line."""
    if value is None:
        return "-"
    text = value if isinstance(value, str) else repr(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def summary_line(report: Report, fail_on: str) -> str:
    """``12 cassettes, 40 interactions: 35 ok, 3 drift, 1 error, 1 skipped; findings: ...``."""
    s = report.summary()
    findings = severity_counts(report.findings())
    acked = s.get("acknowledged", 0)
    counted = [describe_counts(findings)] if any(findings.values()) else []
    if acked:
        counted.append(f"{acked} acknowledged")
    parts = [
        f"{s['cassettes']} cassette{'s' if s['cassettes'] != 1 else ''},",
        f"{s['interactions']} interaction{'s' if s['interactions'] != 1 else ''}:",
        f"{s['ok']} ok, {s['drift']} drift, {s['error']} error, {s['skipped']} skipped"
        + (f", {s['not_compared']} not compared;" if s.get("not_compared") else ";"),
        "findings: " + (", ".join(counted) or "none"),
    ]
    line = " ".join(parts)
    if s.get("cassette_errors"):
        line += f"; {s['cassette_errors']} unreadable cassette(s)"
    return line


@dataclass(frozen=True)
class Hints:
    """What the next-step hints may name: the JSON report's real path, and whether ``accept`` fits."""

    report_path: str | None = None  # None: the generic REPORT.json of a library call
    accept: bool = True  # False for diff (no live responses to accept) and refresh --update
    written: bool = True  # False: refresh without --report, so there is no file to name yet


def next_steps(report: Report, hints: Hints | None = None) -> str | None:
    """What to do about open drift, in commands (None when there is none)."""
    if not any(not f.acknowledged for f in report.findings()):
        return None
    hints = hints or Hints()
    if report.command == "diff":
        return None  # two files compared: nothing to accept, nothing live to acknowledge
    path = shlex.quote(hints.report_path) if hints.report_path else "REPORT.json"
    if report.command == "check":  # findings against a spec: there is no live response to accept
        return (f"Next: update the spec (or the code that made the request); `cassettes report "
                f"{path} --write-baseline FILE` acknowledges these findings for check --baseline.")
    if not hints.written:
        if not hints.accept:
            return None
        return ("Next: run again with `--report FILE` to keep the live responses, then "
                "`cassettes accept FILE` writes them into the cassettes.")
    steps = []
    if hints.accept:
        steps.append(f"`cassettes accept {path}` writes the live responses into the cassettes "
                     "(--cassette/--fingerprint to choose)")
    steps.append(f"`cassettes report {path} --write-baseline FILE` acknowledges this drift for --baseline")
    return "Next: " + "; ".join(steps) + "."
