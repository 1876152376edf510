"""Text rendering of an audit: one line per finding, grouped by file, then a summary."""

from __future__ import annotations

from cassettes_tool.housekeeping.audit.findings import AuditResult


def render_text(result: AuditResult) -> str:
    """Findings grouped by file (values masked), unreadable files, and a one-line summary."""
    lines: list[str] = []
    for audited in result.files:
        if audited.error:
            lines.append(f"error: {audited.error}")
            continue
        lines.extend(f"{audited.path}: {line}" for line in audited.unscanned)
        if not audited.findings:
            if audited.note:
                lines.append(f"{audited.path}: {audited.note}")
            continue
        verb = "scrubbed" if audited.fixed else "found"
        lines.append(f"{audited.path}: {len(audited.findings)} secret(s) {verb}")
        for finding in audited.findings:
            detail = "" if finding.description.lower().replace(" ", "-") == finding.rule else f" ({finding.description})"
            lines.append(f"  interaction {finding.interaction}: {finding.location}: {finding.rule}{detail} {finding.masked}")
        if audited.note:
            lines.append(f"  {audited.note}")
    summary = result.summary()
    tail = (
        f"{summary['findings']} secret(s) in {summary['files_with_findings']} of {summary['files']} file(s)"
    )
    if result.fix:
        tail += f"; {summary['fixed']} scrubbed"
    if summary["errors"]:
        tail += f"; {summary['errors']} file(s) could not be read"
    if not summary["findings"] and not summary["errors"]:
        tail = f"no secrets in {summary['files']} file(s)"
    if summary["acknowledged"]:
        tail += f"; {summary['acknowledged']} acknowledged (allowlist or audit baseline)"
    lines.append(tail)
    return "\n".join(lines) + "\n"
