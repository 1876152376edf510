"""Audit files and folders: read each cassette, scan it, optionally scrub it (one cassette transaction)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from cassettes_tool.core.config import Config
from cassettes_tool.core.discovery import display_path, find_cassettes
from cassettes_tool.core.reader import parse_cassette, read_cassette_bytes
from cassettes_tool.core.sniff import sniff_file
from cassettes_tool.core.transaction import cassette_transaction
from cassettes_tool.errors import CassetteError, UsageError
from cassettes_tool.housekeeping.audit.detectors import NameRules
from cassettes_tool.housekeeping.audit.findings import AuditResult, FileAudit, SecretFinding
from cassettes_tool.housekeeping.audit.fixing import scrub_cassette
from cassettes_tool.housekeeping.audit.scan import scan_cassette, unscanned_bodies


def audit_paths(
    paths: Sequence[Path],
    config: Config | None = None,
    *,
    fix: bool = False,
    skip_non_cassettes: bool = False,
    progress: Callable[[int, int], None] | None = None,
    allowed: Callable[[SecretFinding], bool] | None = None,
) -> AuditResult:
    """Audit every cassette under ``paths`` (folders recursively, files as given).

    ``skip_non_cassettes`` ignores named files that are not HTTP cassettes at all (a CI
    workflow passed by a pre-commit hook) instead of reporting them as unreadable.
    ``progress(done, total)`` is called after each file. Findings ``allowed`` acknowledges
    (:mod:`.allowlist`) are counted apart, never reported nor scrubbed.
    """
    rules = NameRules.from_config(config)
    walk_errors: list[tuple[Path, str]] = []
    result = AuditResult(fix=fix)
    skipped: list[Path] = []
    files = find_cassettes(paths, errors=walk_errors, skipped=skipped)
    result.skipped_non_cassettes = len(skipped)
    if not files and not walk_errors and not skipped:
        # Like refresh: a mistyped path must not turn an audit job green.
        where = ", ".join(str(p) for p in paths)
        raise UsageError(f"no cassettes found under {where} (looked for .yaml, .yml and .json files); "
                         "pass cassette paths, or set cassette_dir in [tool.cassettes]")
    # Linked folders are never entered; each is listed with its note (no findings, no error).
    result.files.extend(FileAudit(path=path, note=note) for path, note in linked_folders(paths))
    for done, path in enumerate(files, start=1):
        audited = audit_file(path, rules, fix=fix, allowed=allowed)
        if progress is not None:
            progress(done, len(files))
        if audited.error and skip_non_cassettes and sniff_file(path) != "cassette":
            continue
        result.files.append(audited)
    for folder, reason in walk_errors:
        result.files.append(FileAudit(path=display_path(folder), error=f"{folder}: {reason}"))
    return result


def audit_file(path: Path, rules: NameRules, *, fix: bool = False,
               allowed: Callable[[SecretFinding], bool] | None = None) -> FileAudit:
    """The findings of one file; with ``fix``, scrub them (atomic, under the file's lock).

    A scrub that fails (read-only variant, unwritable folder) keeps the findings and says why
    in ``note``: the secrets are still there, so they still count.
    """
    display = display_path(path)
    try:
        cassette = parse_cassette(path, read_cassette_bytes(path))
    except CassetteError as exc:
        return FileAudit(path=display, error=str(exc))
    findings, acknowledged = _split(scan_cassette(cassette, rules, display), allowed)
    audited = FileAudit(path=display, findings=findings, acknowledged=acknowledged,
                        unscanned=unscanned_bodies(cassette))
    if not fix or not audited.findings:
        return audited
    if path.is_symlink():  # an atomic rewrite would replace the link with a copy
        audited.note = (f"not scrubbed: {display} is a symbolic link to {os.readlink(path)}; "
                        "run audit --fix on the file it points to")
        return audited
    try:
        audited.findings = _scrub(path, rules, display, allowed)
        audited.fixed = len(audited.findings)
    except CassetteError as exc:
        audited.note = f"not scrubbed: {exc}"
    except OSError as exc:  # the lock or the temporary file could not be created
        audited.note = f"not scrubbed: {path} cannot be rewritten: {exc.strerror or exc}"
    return audited


def _split(found: list[SecretFinding], allowed: Callable[[SecretFinding], bool] | None,
           ) -> tuple[list[SecretFinding], int]:
    """Findings to report, and how many the allowlist acknowledges."""
    if allowed is None:
        return found, 0
    kept = [f for f in found if not allowed(f)]
    return kept, len(found) - len(kept)


def linked_folders(paths: Sequence[Path]) -> list[tuple[str, str]]:
    """Symbolic links to folders under ``paths`` and why they were not scanned (never followed)."""
    lines = []
    for start in paths:
        if not start.is_dir():
            continue
        for folder, dirs, _ in os.walk(start):
            for name in sorted(dirs):
                linked = Path(folder, name)
                if linked.is_symlink():
                    lines.append((display_path(linked), "a symbolic link to a folder, not scanned "
                                  f"(links are never followed); audit {os.readlink(linked)} directly"))
    return lines


def _scrub(path: Path, rules: NameRules, display: str,
           allowed: Callable[[SecretFinding], bool] | None = None) -> list[SecretFinding]:
    """Re-read in the cassette transaction (another writer may have changed the file), scrub, write."""
    with cassette_transaction(path) as transaction:
        cassette = transaction.cassette
        findings, _ = _split(scan_cassette(cassette, rules, display), allowed)
        if findings:
            scrub_cassette(cassette, findings, rules.filter_rules)
            transaction.save(record=False)
    return findings
