"""The SARIF 2.1.0 report, for GitHub code scanning and other SARIF viewers.

One ``result`` per finding: ``ruleId`` is the finding's kind (one rule per kind in the driver),
``level`` maps the severity (breaking → error, warning → warning, info → note), the location is
the cassette file (with the line where the interaction starts, when it is known), and the
fingerprint goes into ``partialFingerprints`` so a viewer tracks a finding across runs.
Acknowledged findings carry an external suppression. Cassettes or interactions that could not be
checked are tool execution notifications, not results; ``executionSuccessful`` is false then.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cassettes_tool.review.render.common import short_value, verdict
from cassettes_tool.review.report import FINDING_KINDS, Report, exit_code

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://pypi.org/project/cassettes/"
FINGERPRINT_KEY = "cassettesFinding/v1"
LEVELS = {"breaking": "error", "warning": "warning", "info": "note"}
LineKey = tuple[str, int]  # (cassette path as in the report, interaction index)

_RULES = {
    "status_changed": "The live status code differs from the recorded one.",
    "content_type_changed": "The live media type differs from the recorded one.",
    "body_format_changed": "The body became JSON, or stopped being JSON.",
    "field_removed": "A field of the recorded body is gone.",
    "field_added": "The live body has a new field.",
    "type_changed": "A field's JSON type changed.",
    "nullability_changed": "A field became null, or stopped being null.",
    "header_changed": "A watched response header changed.",
    "undocumented_endpoint": "The request's operation is not in the OpenAPI spec.",
    "undocumented_status": "The response's status is not documented for its operation.",
    "undocumented_field": "The body has a field the spec does not describe.",
    "missing_required_field": "A field the spec requires is missing from the body.",
    "type_mismatch": "A value does not match the type (or constraint) the spec gives.",
    "media_type_not_in_spec": "The response's media type is not documented for its status.",
}
# Where each interaction starts: `- request:` (YAML as vcrpy writes it) or `"request":` (JSON).
_REQUEST = re.compile(r'^(?:- request:|\s*"request"\s*:)', re.MULTILINE)


def interaction_lines(report: Report, base: Path | None = None) -> dict[LineKey, int]:
    """The 1-based line where each interaction of the report starts in its cassette file, for the
    files that can be read (best effort: a file that cannot be read has no lines)."""
    base = base or Path.cwd()
    lines: dict[LineKey, int] = {}
    for cassette in report.cassettes:
        path = Path(cassette.path)
        try:
            text = (path if path.is_absolute() else base / path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for index, match in enumerate(_REQUEST.finditer(text)):
            lines[(cassette.path, index)] = text.count("\n", 0, match.start()) + 1
    return lines


def _location(path: str, line: int | None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": path}}
    if line is not None:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical}


def _rules() -> list[dict[str, Any]]:
    return [{"id": kind, "name": "".join(part.title() for part in kind.split("_")),
             "shortDescription": {"text": _RULES[kind]},
             "helpUri": INFORMATION_URI} for kind in FINDING_KINDS]


def render_sarif(report: Report, *, fail_on: str, lines: Mapping[LineKey, int] | None = None) -> str:
    """The report as a SARIF 2.1.0 log (one run); ``lines`` from :func:`interaction_lines`."""
    lines = lines or {}
    rule_index = {kind: n for n, kind in enumerate(FINDING_KINDS)}
    results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    for cassette in sorted(report.cassettes, key=lambda c: c.path):
        if cassette.error:
            notifications.append({"level": "error", "message": {"text": f"{cassette.path}: {cassette.error}"},
                                  "locations": [_location(cassette.path, None)]})
        for item in sorted(cassette.interactions, key=lambda i: i.index):
            line = lines.get((cassette.path, item.index))
            if item.status == "error":
                notifications.append({
                    "level": "warning",
                    "message": {"text": f"#{item.index} {item.method} {item.uri} could not be checked: "
                                        f"{item.reason or 'unknown reason'}"},
                    "locations": [_location(cassette.path, line)],
                })
            for finding in item.findings:
                where = finding.path or finding.location
                result: dict[str, Any] = {
                    "ruleId": finding.kind, "ruleIndex": rule_index[finding.kind],
                    "level": LEVELS[finding.severity],
                    "message": {"text": f"{finding.message} ({short_value(finding.recorded)} → "
                                        f"{short_value(finding.live)}) in #{item.index} {item.method} {item.uri}"},
                    "locations": [_location(cassette.path, line)],
                    "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
                    "properties": {"severity": finding.severity, "path": where, "interaction": item.index,
                                   "method": item.method, "uri": item.uri},
                }
                if finding.acknowledged:
                    result["suppressions"] = [{"kind": "external", "status": "accepted",
                                               "justification": "acknowledged by a cassettes baseline"}]
                results.append(result)
    invocation: dict[str, Any] = {
        "executionSuccessful": exit_code(report, "never") == 0,
        "startTimeUtc": report.started_at, "endTimeUtc": report.finished_at,
        "properties": {"verdict": verdict(report, fail_on).word, "failOn": fail_on, "status": report.status},
    }
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    log = {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {"driver": {"name": "cassettes", "version": report.tool_version or "unknown",
                                "informationUri": INFORMATION_URI, "rules": _rules()}},
            "invocations": [invocation],
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
