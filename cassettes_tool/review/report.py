"""The drift report: one data model for refresh, diff, report, merge, accept and every renderer.

Its JSON form is docs/report-schema.md (``schema_version: 1``). Renderers are pure functions of a
:class:`Report`; :func:`exit_code` applies ``fail_on`` and acknowledged fingerprints.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cassettes_tool._version import __version__
from cassettes_tool.core.cassette import Response
from cassettes_tool.core.filters import (
    PLACEHOLDER,
    FilterRules,
    filter_response,
    filter_text,
    filter_uri,
)
from cassettes_tool.core.jsonfile import document, dumps_document, read_json
from cassettes_tool.errors import EXIT_DRIFT, EXIT_INCOMPLETE, EXIT_OK, ReportError

SCHEMA_VERSION = 1
SEVERITIES = ("breaking", "warning", "info")
SEVERITY_RANK = {"info": 1, "warning": 2, "breaking": 3}
FAIL_ON_RANK = {"breaking": 3, "warning": 2, "info": 1, "never": 99}
FINDING_KINDS = (
    "status_changed", "content_type_changed", "body_format_changed", "field_removed",
    "field_added", "type_changed", "nullability_changed", "header_changed",
    # against an OpenAPI spec (openapi/check.py)
    "undocumented_endpoint", "undocumented_status", "undocumented_field", "missing_required_field",
    "type_mismatch", "media_type_not_in_spec",
)
STATUSES = ("ok", "drift", "error", "skipped", "not_compared")


def _optional_str(value: Any) -> str | None:
    """A text field of a report read back: a hand-edited ``true`` or ``3`` becomes text."""
    return None if value is None else str(value)


def _optional_seconds(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    seconds = float(value)
    return seconds if seconds >= 0 else None


# Every report goes through the recording filter: what is written (the defaults; refresh has
# already applied the project's own lists), and what is read back from a report of any origin
# (the project's lists, given by the command that reads it, else the defaults).
_RULES = FilterRules()


@dataclass(frozen=True)
class Finding:
    """One structural difference between a recorded and a live response."""

    fingerprint: str
    severity: str
    kind: str
    location: str  # body | status | content_type | headers
    path: str | None
    recorded: Any
    live: Any
    message: str
    acknowledged: bool = False
    group: str | None = None  # the same change elsewhere in the report shares it (drift/grouping.py)

    def to_json(self) -> dict[str, Any]:
        return {
            "fingerprint": self.fingerprint, "severity": self.severity, "kind": self.kind,
            "location": self.location, "path": self.path, "recorded": self.recorded, "live": self.live,
            "message": self.message, "acknowledged": self.acknowledged, "group": self.group,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, rules: FilterRules = _RULES) -> Finding:
        """A finding read back; a header finding on a filtered header name shows the placeholder."""
        severity, kind = data.get("severity"), data.get("kind")
        if severity not in SEVERITIES:
            raise ValueError(f"finding severity {severity!r} is not one of {', '.join(SEVERITIES)}")
        if kind not in FINDING_KINDS:
            raise ValueError(f"finding kind {kind!r} is unknown")
        finding = cls(
            fingerprint=str(data["fingerprint"]), severity=str(severity), kind=str(kind),
            location=str(data.get("location", "body")), path=_optional_str(data.get("path")),
            recorded=data.get("recorded"), live=data.get("live"), message=str(data.get("message", "")),
            acknowledged=bool(data.get("acknowledged", False)), group=_optional_str(data.get("group")),
        )
        return _hide_header_values(finding, rules)


def live_to_json(live: Response) -> dict[str, Any]:
    """A live response as the report keeps it; ``content_type`` is read from its headers."""
    data: dict[str, Any] = {
        "status": live.status, "reason": live.reason, "content_type": live.content_type,
        "headers": {name: list(values) for name, values in live.headers.items()},
    }
    try:
        data["body"] = live.body.decode("utf-8")
    except UnicodeDecodeError:
        data["body"] = base64.b64encode(live.body).decode("ascii")
        data["body_encoding"] = "base64"
    return data


def _hide_header_values(finding: Finding, rules: FilterRules) -> Finding:
    """A ``header_changed`` finding on a filtered header with its values (and their quotes in the message) hidden."""
    if finding.location != "headers" or (finding.path or "").lower() not in rules.response_headers:
        return finding
    message = finding.message
    for value in (finding.recorded, finding.live):
        if isinstance(value, str) and value and value != PLACEHOLDER:
            message = message.replace(value, PLACEHOLDER)
    hidden = [PLACEHOLDER if value is not None else None for value in (finding.recorded, finding.live)]
    return replace(finding, recorded=hidden[0], live=hidden[1], message=message)


def live_from_json(data: Mapping[str, Any], rules: FilterRules = _RULES) -> Response:
    """The one way back from a report's ``live`` object to a :class:`Response`.

    The headers are what the server sent, so a ``Content-Type`` header wins over the
    ``content_type`` summary; ``content_type`` only supplies the header when there is none.
    """
    raw_body = data.get("body") or ""
    if data.get("body_encoding") == "base64":
        body = base64.b64decode(raw_body)
    else:
        body = str(raw_body).encode("utf-8")
    headers = {str(k): [str(x) for x in (v if isinstance(v, list) else [v])]
               for k, v in (data.get("headers") or {}).items()}
    content_type = _optional_str(data.get("content_type"))
    if content_type and not any(name.lower() == "content-type" for name in headers):
        headers["Content-Type"] = [content_type]
    response = Response(status=int(data["status"]), reason=str(data.get("reason") or ""), headers=headers, body=body)
    # A report written elsewhere holds no secret once read.
    return filter_response(response, rules)


def _shown_uri(uri: str, rules: FilterRules = _RULES) -> str:
    return filter_uri(uri, rules.query_parameters)


def _shown_reason(reason: str | None, rules: FilterRules = _RULES) -> str | None:
    return None if reason is None else filter_text(reason, rules.query_parameters | rules.body_fields)


@dataclass
class InteractionResult:
    index: int
    method: str
    uri: str
    status: str  # ok | drift | error | skipped | not_compared
    reason: str | None = None
    recorded: dict[str, Any] = field(default_factory=dict)  # {"status", "content_type"}
    live: Response | None = None  # decoded and filtered, like a recording
    findings: list[Finding] = field(default_factory=list)
    seconds: float | None = None  # the live calls' wall time (JUnit's time); None when none was made
    pairing: str | None = None  # how the compared sides were matched: "request" | "endpoint"

    def to_json(self) -> dict[str, Any]:
        # ``seconds`` is kept in the report's ``timings`` instead: two runs of the same
        # cassettes give equal interactions, whatever the network's speed.
        return {
            "index": self.index, "method": self.method, "uri": _shown_uri(self.uri), "status": self.status,
            "reason": _shown_reason(self.reason), "recorded": self.recorded,
            "live": live_to_json(self.live) if self.live else None,
            "findings": [f.to_json() for f in self.findings], "pairing": self.pairing,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, rules: FilterRules = _RULES) -> InteractionResult:
        status = data.get("status")
        if status not in STATUSES:
            raise ValueError(f"interaction status {status!r} is not one of {', '.join(STATUSES)}")
        live = data.get("live")
        return cls(
            index=int(data["index"]), method=str(data["method"]), uri=_shown_uri(str(data["uri"]), rules),
            status=str(status), reason=_shown_reason(_optional_str(data.get("reason")), rules),
            recorded=dict(data.get("recorded") or {}),
            live=live_from_json(live, rules) if isinstance(live, Mapping) else None,
            findings=[Finding.from_json(f, rules=rules) for f in data.get("findings") or []],
            pairing=_optional_str(data.get("pairing")),
        )


@dataclass
class CassetteResult:
    path: str
    status: str
    error: str | None = None
    interactions: list[InteractionResult] = field(default_factory=list)
    sha256: str | None = None  # of the cassette file when checked: accept refuses if it changed

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path, "status": self.status, "error": self.error, "sha256": self.sha256,
            "interactions": [i.to_json() for i in self.interactions],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, rules: FilterRules = _RULES) -> CassetteResult:
        status = data.get("status")
        if status not in STATUSES:
            raise ValueError(f"cassette status {status!r} is not one of {', '.join(STATUSES)}")
        return cls(
            path=str(data["path"]), status=str(status), error=_optional_str(data.get("error")),
            sha256=_optional_str(data.get("sha256")),
            interactions=[InteractionResult.from_json(i, rules=rules) for i in data.get("interactions") or []],
        )


def interaction_status(findings: Iterable[Finding]) -> str:
    return "drift" if any(True for _ in findings) else "ok"


def cassette_status(result: CassetteResult) -> str:
    """error (unreadable) > drift > error (some interactions) > ok > not_compared > skipped (all skipped)."""
    if result.error:
        return "error"
    statuses = {i.status for i in result.interactions}
    for status in ("drift", "error", "ok", "not_compared"):
        if status in statuses:
            return status
    return "skipped" if statuses else "ok"


@dataclass
class Report:
    """A whole drift report (docs/report-schema.md)."""

    started_at: str
    finished_at: str
    cassettes: list[CassetteResult] = field(default_factory=list)
    tool_version: str = __version__
    command: str = "refresh"
    status: str = "complete"  # incomplete: the run was interrupted; only what was checked is here
    # diff only: the two files compared, [{"path", "recorded_at"}] (OLD then NEW)
    compared: list[dict[str, str | None]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        counts = {status: 0 for status in STATUSES}
        findings = {s: 0 for s in SEVERITIES}
        interactions = 0
        for cassette in self.cassettes:
            for interaction in cassette.interactions:
                interactions += 1
                counts[interaction.status] += 1
                for finding in interaction.findings:
                    findings[finding.severity] += 1
        acknowledged = sum(1 for f in self.findings() if f.acknowledged)
        return {"cassettes": len(self.cassettes), "interactions": interactions, **counts,
                "cassette_errors": sum(1 for c in self.cassettes if c.error),
                "findings": findings, "acknowledged": acknowledged}

    def findings(self) -> list[Finding]:
        return [f for c in self.cassettes for i in c.interactions for f in i.findings]

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"command": self.command}
        if self.status != "complete":
            body["status"] = self.status  # only an interrupted run's report says so
        body.update(started_at=self.started_at, finished_at=self.finished_at)
        if self.compared:
            body["compared"] = self.compared
        body["summary"] = self.summary()
        body["cassettes"] = [c.to_json() for c in self.cassettes]
        timings = [{"path": c.path, "index": i.index, "seconds": round(i.seconds, 3)}
                   for c in self.cassettes for i in c.interactions if i.seconds is not None]
        if timings:
            body["timings"] = timings
        return document(SCHEMA_VERSION, body, tool_version=self.tool_version)

    def dumps(self) -> str:
        return dumps_document(self.to_json())

    @classmethod
    def from_json(cls, data: Any, *, source: str = "report", rules: FilterRules = _RULES) -> Report:
        """A report read back, filtered with ``rules`` (the project's filter lists; default: the defaults)."""
        if not isinstance(data, Mapping):
            raise ReportError(f"{source}: not a drift report (top level is not an object)")
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise ReportError(
                f"{source}: drift report schema_version {version!r} is not supported (this cassettes "
                f"reads {SCHEMA_VERSION}); re-create it with this version of cassettes"
            )
        try:
            tool = data.get("tool") or {}
            report = cls(
                started_at=str(data["started_at"]), finished_at=str(data["finished_at"]),
                cassettes=[CassetteResult.from_json(c, rules=rules) for c in data["cassettes"]],
                tool_version=str(tool.get("version", "")), command=str(data.get("command", "refresh")),
                status="incomplete" if data.get("status") == "incomplete" else "complete",
                compared=[{"path": _optional_str(c.get("path")), "recorded_at": _optional_str(c.get("recorded_at"))}
                          for c in data.get("compared") or []],
            )
            _read_timings(report, data.get("timings") or [])
            return report
        except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as exc:
            # AttributeError: a member of the wrong JSON type (``"tool": true``, a string where an
            # object belongs); found by tests/test_fuzz.py.
            what = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
            raise ReportError(f"{source}: malformed drift report ({what})") from None

    def with_acknowledged(self, fingerprints: Iterable[str]) -> Report:
        """A copy where findings whose fingerprint is in ``fingerprints`` are acknowledged."""
        known = set(fingerprints)
        copy = replace(self, cassettes=[])
        for cassette in self.cassettes:
            interactions = [
                replace(i, findings=[replace(f, acknowledged=f.acknowledged or f.fingerprint in known)
                                     for f in i.findings])
                for i in cassette.interactions
            ]
            copy.cassettes.append(replace(cassette, interactions=interactions))
        return copy


def _read_timings(report: Report, timings: Iterable[Any]) -> None:
    """Put each ``timings`` entry's seconds back on its interaction (unknown entries are ignored)."""
    items = {(c.path, i.index): i for c in report.cassettes for i in c.interactions}
    for entry in timings:
        item = items.get((str(entry["path"]), int(entry["index"])))
        if item is not None:
            item.seconds = _optional_seconds(entry.get("seconds"))


def load_report(path: Path, rules: FilterRules = _RULES) -> Report:
    """Read a JSON drift report; every problem is a one-line :class:`ReportError`.

    Its URIs, reasons, live responses and header findings go through the recording filter with
    ``rules`` (``FilterRules.from_config(config)``: the project's lists), else the defaults.

    Values a report never holds are refused before they reach a renderer or a write: numbers
    that are ``NaN``, ``Infinity`` or beyond 2**53, NUL bytes, and strings that are not valid
    Unicode (a non-UTF-8 file name escaped as a lone surrogate). Only response bodies may carry
    any text.
    """
    data = read_json(path, "drift report", missing="no such report file",
                     fix="is it a cassettes --report file?", error=ReportError)
    problem = _out_of_range(data, "$", 0)
    if problem is not None:
        raise ReportError(f"{path}: malformed drift report ({problem}); make the report again "
                          "with `cassettes refresh --report`")
    return Report.from_json(data, source=str(path), rules=rules)


_MAX_SAFE_INT = 2 ** 53


def _out_of_range(value: Any, where: str, depth: int) -> str | None:
    """The first value a report cannot hold, described with its JSON path; None when all are fine."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) and abs(value) <= _MAX_SAFE_INT else f"{where} is {value!r}"
    if isinstance(value, int):
        return None if abs(value) <= _MAX_SAFE_INT else f"{where} is a number with {len(str(abs(value)))} digits"
    if isinstance(value, str):
        return _bad_text(value, where)
    if depth > 64:
        return f"{where} is nested too deeply"
    if isinstance(value, Mapping):
        for key, item in value.items():
            problem = _bad_text(key, f"{where} key") or (
                None if key == "body" else _out_of_range(item, f"{where}.{key}", depth + 1))
            if problem is not None:
                return problem
        return None
    if isinstance(value, list):
        for position, item in enumerate(value):
            problem = _out_of_range(item, f"{where}[{position}]", depth + 1)
            if problem is not None:
                return problem
    return None


def _bad_text(text: str, where: str) -> str | None:
    if "\x00" in text:
        return f"{where} holds a NUL byte"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return f"{where} is not valid Unicode (a file name that is not UTF-8?)"
    return None


def fails(finding: Finding, fail_on: str) -> bool:
    """Does this finding reach ``fail_on``? Acknowledged findings never do."""
    return not finding.acknowledged and SEVERITY_RANK[finding.severity] >= FAIL_ON_RANK[fail_on]


def verdict_level(configured: str, requested: str | None = None) -> str:
    """The level a rendered verdict is given at: ``requested`` (``--fail-on``) when it names a
    severity, otherwise the configured ``fail_on``. ``--fail-on never`` only silences the exit
    code of a rendering step; the page still says what the project's level makes of the drift.
    """
    if requested is not None and requested != "never":
        return requested
    return configured


def exit_code(report: Report, fail_on: str) -> int:
    """1 drift at or above fail_on; else 3 if anything could not be checked (or the run was
    interrupted); else 0."""
    if any(fails(f, fail_on) for f in report.findings()):
        return EXIT_DRIFT
    incomplete = report.status == "incomplete" or any(c.error for c in report.cassettes) or any(
        i.status == "error" for c in report.cassettes for i in c.interactions
    )
    return EXIT_INCOMPLETE if incomplete else EXIT_OK
