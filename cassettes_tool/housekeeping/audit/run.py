"""Audit files and folders: read each cassette, scan it, optionally scrub it under its lock."""

from __future__ import annotations

import gzip
from collections.abc import Callable, Sequence
from pathlib import Path

from cassettes_tool.core.config import Config
from cassettes_tool.core.discovery import display_path, find_cassettes
from cassettes_tool.core.reader import parse_cassette, read_cassette_bytes
from cassettes_tool.core.storage import atomic_write_bytes, locked, serialize_document
from cassettes_tool.errors import CassetteError
from cassettes_tool.housekeeping.audit.detectors import NameRules
from cassettes_tool.housekeeping.audit.findings import AuditResult, FileAudit, SecretFinding
from cassettes_tool.housekeeping.audit.fixing import scrub_cassette
from cassettes_tool.housekeeping.audit.scan import scan_cassette

# Keys every HTTP cassette variant has; a YAML/JSON file without them is something else.
_CASSETTE_MARKERS = (b"interactions:", b'"interactions"', b"http_interactions")
_PARALLEL_MARKERS = ((b"requests:", b"responses:"), (b'"requests"', b'"responses"'))


def audit_paths(
    paths: Sequence[Path],
    config: Config | None = None,
    *,
    fix: bool = False,
    skip_non_cassettes: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> AuditResult:
    """Audit every cassette under ``paths`` (folders recursively, files as given).

    ``skip_non_cassettes`` ignores named files that are not HTTP cassettes at all (a CI
    workflow passed by a pre-commit hook) instead of reporting them as unreadable.
    ``progress(done, total)`` is called after each file.
    """
    rules = NameRules.from_config(config)
    walk_errors: list[tuple[Path, str]] = []
    result = AuditResult(fix=fix)
    files = find_cassettes(paths, errors=walk_errors)
    for done, path in enumerate(files, start=1):
        audited = audit_file(path, rules, fix=fix)
        if progress is not None:
            progress(done, len(files))
        if audited.error and skip_non_cassettes and not _looks_like_cassette(path):
            continue
        result.files.append(audited)
    for folder, reason in walk_errors:
        result.files.append(FileAudit(path=display_path(folder), error=f"{folder}: {reason}"))
    return result


def audit_file(path: Path, rules: NameRules, *, fix: bool = False) -> FileAudit:
    """The findings of one file; with ``fix``, scrub them (atomic, under the file's lock).

    A scrub that fails (read-only variant, unwritable folder) keeps the findings and says why
    in ``note``: the secrets are still there, so they still count.
    """
    display = display_path(path)
    try:
        cassette = parse_cassette(path, read_cassette_bytes(path))
    except CassetteError as exc:
        return FileAudit(path=display, error=str(exc))
    audited = FileAudit(path=display, findings=scan_cassette(cassette, rules, display))
    if not fix or not audited.findings:
        return audited
    if not cassette.writable:
        audited.note = (f"not scrubbed: a {cassette.variant} cassette is read-only here; "
                        "re-record it with vcrpy or scrub it with the tool that wrote it")
        return audited
    try:
        audited.findings = _scrub(path, rules, display)
        audited.fixed = len(audited.findings)
    except CassetteError as exc:
        audited.note = f"not scrubbed: {exc}"
    except OSError as exc:  # the lock or the temporary file could not be created
        audited.note = f"not scrubbed: {path} cannot be rewritten: {exc.strerror or exc}"
    return audited


def _scrub(path: Path, rules: NameRules, display: str) -> list[SecretFinding]:
    """Re-read under the lock (another writer may have changed the file), scrub, write atomically."""
    with locked(path):
        cassette = parse_cassette(path, read_cassette_bytes(path))
        findings = scan_cassette(cassette, rules, display)
        if not findings:
            return findings
        scrub_cassette(cassette, findings)
        try:
            data = serialize_document(cassette.to_document(), cassette.format)
        except ValueError as exc:
            raise CassetteError(path, f"cannot be written back: {exc}") from None
        atomic_write_bytes(path, data)
    return findings


def _looks_like_cassette(path: Path) -> bool:
    try:
        data = path.read_bytes()
    except OSError:
        return True  # unreadable: report it, we cannot tell
    if data.startswith(b"\x1f\x8b"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError):
            return True
    if any(marker in data for marker in _CASSETTE_MARKERS):
        return True
    return any(a in data and b in data for a, b in _PARALLEL_MARKERS)
