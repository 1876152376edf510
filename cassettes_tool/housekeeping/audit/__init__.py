"""``cassettes audit``: find secrets in cassettes and, with ``--fix``, scrub them in place.

:func:`audit_paths` is the one entry point; the CLI renders its :class:`AuditResult`.
Sub-modules: ``detectors`` (what is a secret), ``scan`` (where to look in a cassette),
``masking`` (show without revealing), ``fixing`` (scrub), ``findings`` (the result model),
``render`` (text output).
"""

from __future__ import annotations

from cassettes_tool.housekeeping.audit.findings import AuditResult, FileAudit, SecretFinding
from cassettes_tool.housekeeping.audit.run import audit_file, audit_paths

__all__ = ["AuditResult", "FileAudit", "SecretFinding", "audit_file", "audit_paths"]
