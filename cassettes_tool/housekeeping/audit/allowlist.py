"""Acknowledged findings: the ``[[tool.cassettes.audit.allow]]`` entries and an audit baseline.

A project that sends fake secrets on purpose (to a secret scanner's API, say) acknowledges them
once and gets a green audit. An acknowledged finding is neither reported as a secret, nor
counted in the exit code, nor scrubbed by ``--fix``; the summary counts it.

A finding's fingerprint is stable while the same value sits at the same place: it hashes the
cassette's path relative to the project folder, the interaction, the location, the rule and
the masked value. An audit baseline (``audit --write-baseline FILE``) is a JSON document of
fingerprints, like the drift baseline.
"""

from __future__ import annotations

import fnmatch
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cassettes_tool.core.config import AuditAllow, Config
from cassettes_tool.core.discovery import project_key
from cassettes_tool.core.jsonfile import document, read_json
from cassettes_tool.core.storage import write_json_atomic
from cassettes_tool.errors import CassettesError
from cassettes_tool.housekeeping.audit.findings import SecretFinding

AUDIT_BASELINE_SCHEMA_VERSION = 1
AUDIT_BASELINE_KIND = "audit-baseline"


def fingerprint(finding: SecretFinding, root: Path) -> str:
    """16 hex digits: path (project-relative), interaction, location, rule, masked value."""
    key = project_key(Path(finding.path), root)
    text = "\0".join((key, str(finding.interaction), finding.location, finding.rule, finding.masked))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Allowlist:
    """What the project acknowledges; :meth:`allows` says whether one finding is among it."""

    root: Path
    entries: tuple[AuditAllow, ...] = ()
    fingerprints: frozenset[str] = field(default_factory=frozenset)

    def __bool__(self) -> bool:
        return bool(self.entries or self.fingerprints)

    def allows(self, finding: SecretFinding) -> bool:
        mark = fingerprint(finding, self.root)
        if mark in self.fingerprints:
            return True
        key = project_key(Path(finding.path), self.root)
        return any(_matches(entry, finding, key, mark) for entry in self.entries)


def _matches(entry: AuditAllow, finding: SecretFinding, key: str, mark: str) -> bool:
    if entry.fingerprint is not None and entry.fingerprint != mark:
        return False
    if entry.rule is not None and entry.rule != finding.rule:
        return False
    if entry.path is not None and not fnmatch.fnmatchcase(key, entry.path.replace("\\", "/").lstrip("./")):
        return False
    return entry.location is None or fnmatch.fnmatchcase(finding.location, entry.location)


def load_allowlist(config: Config, baseline: Path | None = None) -> Allowlist:
    """The config's entries plus the fingerprints of ``baseline`` (else the configured one).

    A configured baseline that does not exist yet counts as empty; one named on the command
    line must exist."""
    path = baseline
    if path is None and config.audit.baseline is not None:
        configured = config.audit.baseline
        path = configured if configured.is_absolute() else config.root / configured
        if not path.exists():
            path = None
    marks = load_audit_baseline(path) if path is not None else frozenset()
    return Allowlist(root=config.root, entries=config.audit.allow, fingerprints=marks)


def load_audit_baseline(path: Path) -> frozenset[str]:
    data = read_json(path, "audit baseline", missing="no such audit baseline; write one with "
                     "`cassettes audit --write-baseline FILE`", fix="write it again with --write-baseline")
    marks = data.get("fingerprints") if isinstance(data, dict) else None
    if (not isinstance(data, dict) or data.get("schema_version") != AUDIT_BASELINE_SCHEMA_VERSION
            or data.get("kind") != AUDIT_BASELINE_KIND or not isinstance(marks, list)
            or not all(isinstance(m, str) for m in marks)):
        raise CassettesError(f"{path}: not a cassettes audit baseline; write it again with "
                             "`cassettes audit --write-baseline FILE`")
    return frozenset(marks)


def write_audit_baseline(path: Path, findings: Iterable[SecretFinding], root: Path) -> int:
    """Write the fingerprints of ``findings``; returns how many."""
    marks = sorted({fingerprint(f, root) for f in findings})
    write_json_atomic(path, document(AUDIT_BASELINE_SCHEMA_VERSION, {"kind": AUDIT_BASELINE_KIND,
                                                                     "fingerprints": marks}))
    return len(marks)
