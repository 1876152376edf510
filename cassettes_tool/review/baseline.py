"""Baselines: drift findings a team has seen and accepted for now ("acknowledged").

A baseline file is JSON::

    {"schema_version": 1, "tool": {...}, "created_at": "...", "source": "report.json",
     "fingerprints": ["3f9a0c1d2b4e", ...],
     "findings": [{"fingerprint": ..., "cassette": ..., "request": ..., "severity": ...,
                   "kind": ..., "path": ..., "message": ...}]}

Only ``fingerprints`` is read back; ``findings`` is there so that a reviewer of the baseline
file (in a pull request) sees what each fingerprint stands for. Fingerprints are stable across
runs (docs/drift-kinds.md), so a finding stays acknowledged until its cassette, request, kind or
path changes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from cassettes_tool.core.jsonfile import document, dumps_document, read_json
from cassettes_tool.core.storage import now_iso, write_text_atomic
from cassettes_tool.errors import ReportError
from cassettes_tool.review.report import Report

BASELINE_SCHEMA_VERSION = 1
_FINGERPRINT = re.compile(r"[0-9a-f]{12}\Z")


def load_baseline(path: Path) -> set[str]:
    """The acknowledged fingerprints of a baseline file; every problem is one-line ReportError."""
    data = read_json(
        path, "baseline",
        missing=f"no such baseline file (write one with `cassettes report REPORT.json --write-baseline {path}`)",
        fix="write it again with `cassettes report REPORT.json --write-baseline`", error=ReportError,
    )
    if not isinstance(data, dict) or "fingerprints" not in data:
        raise ReportError(f"{path}: not a cassettes baseline (expected an object with \"fingerprints\")")
    version = data.get("schema_version")
    if version != BASELINE_SCHEMA_VERSION:
        raise ReportError(
            f"{path}: baseline schema_version {version!r} is not supported (this cassettes reads "
            f"{BASELINE_SCHEMA_VERSION}); write it again with --write-baseline"
        )
    fingerprints = data["fingerprints"]
    if not isinstance(fingerprints, list):
        raise ReportError(f"{path}: baseline \"fingerprints\" must be a list of 12-character hex strings")
    for entry in fingerprints:
        if not isinstance(entry, str) or not _FINGERPRINT.match(entry):
            raise ReportError(f"{path}: baseline fingerprint {entry!r} is not 12 lower-case hex characters")
    return set(fingerprints)


def baseline_document(report: Report, *, source: str | None = None) -> dict[str, Any]:
    """The baseline acknowledging every finding of ``report`` (acknowledged or not)."""
    findings: dict[str, dict[str, Any]] = {}
    for cassette in report.cassettes:
        for item in cassette.interactions:
            for finding in item.findings:
                findings.setdefault(finding.fingerprint, {
                    "fingerprint": finding.fingerprint, "cassette": cassette.path,
                    "request": f"{item.method} {item.uri}", "severity": finding.severity,
                    "kind": finding.kind, "path": finding.path, "message": finding.message,
                })
    ordered = sorted(findings.values(), key=lambda f: (f["cassette"], f["request"], f["fingerprint"]))
    return document(BASELINE_SCHEMA_VERSION, {
        "created_at": now_iso(),
        "source": source,
        "fingerprints": sorted(findings),
        "findings": ordered,
    })


def write_baseline(path: Path, report: Report, *, source: str | None = None) -> int:
    """Write (atomically) the baseline acknowledging every finding of ``report``; return how many."""
    baseline = baseline_document(report, source=source)
    write_text_atomic(path, dumps_document(baseline))
    return len(baseline["fingerprints"])
