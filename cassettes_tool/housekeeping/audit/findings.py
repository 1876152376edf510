"""The audit's result model: findings per file, JSON form and summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cassettes_tool.core.jsonfile import document
from cassettes_tool.core.secrets import PLACEHOLDER

AUDIT_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Locator:
    """Where a secret sits inside one interaction, precisely enough to scrub it.

    ``kind``: ``uri`` (anywhere in the URI), ``query`` (a query parameter, ``key`` = its name),
    ``header`` (``key`` = header name), ``header-query`` (a query parameter of a URL in a
    header, ``key`` = (header, parameter)), ``json`` (``key`` = path tuple), ``form``
    (``key`` = field name) or ``text`` (anywhere in the body).
    """

    side: str  # "request" or "response"
    kind: str
    key: Any = None
    target: str | None = None  # substring to scrub; None: the whole value
    replacement: str = PLACEHOLDER


@dataclass(frozen=True)
class SecretFinding:
    """One secret the audit found: file, interaction, location, rule, masked value.

    Not a drift finding (:class:`cassettes_tool.review.report.Finding`): the two share no field.
    """

    path: str
    interaction: int
    location: str
    rule: str
    description: str
    masked: str
    locator: Locator = field(compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "interaction": self.interaction,
            "location": self.location,
            "rule": self.rule,
            "description": self.description,
            "value": self.masked,
        }


@dataclass
class FileAudit:
    """The audit of one file: its findings, or why it could not be read, and whether it was fixed."""

    path: str
    findings: list[SecretFinding] = field(default_factory=list)
    error: str | None = None
    fixed: int = 0  # findings scrubbed by --fix
    note: str | None = None  # why --fix left the findings (read-only variant, symbolic link)
    acknowledged: int = 0  # findings the allowlist or the audit baseline acknowledges
    #: Bodies above the scan limit ("not fully scanned"), one line each.
    unscanned: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "error": self.error,
            "fixed": self.fixed,
            "acknowledged": self.acknowledged,
            "note": self.note,
            "not_fully_scanned": list(self.unscanned),
            "findings": [f.to_json() for f in self.findings],
        }


@dataclass
class AuditResult:
    """Every file audited, in order."""

    files: list[FileAudit] = field(default_factory=list)
    fix: bool = False
    skipped_non_cassettes: int = 0  # JSON files in the folders that are not cassettes

    @property
    def findings(self) -> list[SecretFinding]:
        return [f for file in self.files for f in file.findings]

    @property
    def errors(self) -> list[FileAudit]:
        return [f for f in self.files if f.error]

    @property
    def remaining(self) -> int:
        """Findings still on disk (all of them, unless --fix scrubbed them)."""
        return sum(len(f.findings) - f.fixed for f in self.files)

    def summary(self) -> dict[str, int]:
        return {
            "files": len(self.files),
            "files_with_findings": sum(1 for f in self.files if f.findings),
            "findings": len(self.findings),
            "fixed": sum(f.fixed for f in self.files),
            "errors": len(self.errors),
            "acknowledged": sum(f.acknowledged for f in self.files),
        }

    def to_json(self) -> dict[str, Any]:
        return document(AUDIT_SCHEMA_VERSION, {
            "fix": self.fix,
            "summary": self.summary(),
            "files": [f.to_json() for f in self.files],
        })

    def exit_code(self) -> int:
        """1 when secrets remain (or were found), 3 when a file could not be read and none were, else 0."""
        if self.findings and (not self.fix or self.remaining):
            return 1
        if self.errors:
            return 3
        return 0
