"""Decide what ``cassettes prune`` would remove, and why, from two signals.

1. The usage ledger of a *complete* test run (docs/recording.md): which cassettes the tests opened
   and which interactions they played.
2. A static scan of the test sources (:mod:`cassettes_tool.housekeeping.references`): which cassettes they
   name, including the default names markers derive.

A cassette is unused only when *both* say so. The ledger must be complete and newer than every
test file, or be overridden with ``force`` — otherwise :func:`require_usable_ledger` refuses.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cassettes_tool.core.age import parse_timestamp
from cassettes_tool.core.config import Config
from cassettes_tool.core.discovery import display_path, find_cassettes
from cassettes_tool.core.jsonfile import document
from cassettes_tool.core.reader import load_cassette
from cassettes_tool.errors import CassetteError, PruneRefused
from cassettes_tool.housekeeping.references import (
    Reference,
    ReferenceIndex,
    scan_references,
    test_files,
)
from cassettes_tool.recording.ledger import Ledger, load_ledger

PRUNE_SCHEMA_VERSION = 1
# Ledger times have one-second precision; a file written in the run's last second is not newer.
CLOCK_SLACK = timedelta(seconds=1)
HOW_TO_GET_A_COMPLETE_LEDGER = (
    "run the whole test suite once (plain `pytest`: no -k, -m, --deselect or test paths, no "
    "collection errors) to write a complete ledger, or pass --force to prune anyway"
)


@dataclass(frozen=True)
class LedgerCheck:
    """The usage ledger and whether prune may trust it.

    ``state``: ``complete``, ``incomplete`` (the run used -k/-m/..., see ``reasons``),
    ``stale`` (a test file changed after the run) or ``missing``.
    """

    path: Path
    ledger: Ledger | None
    state: str
    reasons: tuple[str, ...] = ()
    newest_test: Path | None = None

    @property
    def usable(self) -> bool:
        return self.state == "complete"

    @property
    def finished_at(self) -> str | None:
        return self.ledger.finished_at if self.ledger else None

    @property
    def run_label(self) -> str:
        """``the complete run of 2026-11-24T03:00:00Z`` (how rows name the run)."""
        when = self.finished_at or "an unknown date"
        kind = "complete" if self.ledger is not None and self.ledger.complete else "incomplete"
        return f"the {kind} run of {when}"

    def problem(self) -> str:
        """One line: what is wrong with the ledger and how to get a complete one."""
        where = display_path(self.path)
        if self.state == "missing":
            return f"{where}: no usage ledger; {HOW_TO_GET_A_COMPLETE_LEDGER}"
        if self.state == "incomplete":
            why = "; ".join(self.reasons) or "the run was partial"
            return f"{where}: the usage ledger is from an incomplete run ({why}); {HOW_TO_GET_A_COMPLETE_LEDGER}"
        if self.state == "stale":
            newest = display_path(self.newest_test) if self.newest_test else "a test file"
            return (f"{where}: the usage ledger (run of {self.finished_at}) is older than {newest}; "
                    f"{HOW_TO_GET_A_COMPLETE_LEDGER}")
        return ""

    def to_json(self) -> dict[str, Any]:
        return {
            "path": display_path(self.path),
            "state": self.state,
            "complete": self.ledger.complete if self.ledger else None,
            "finished_at": self.finished_at,
            "reasons": list(self.reasons),
            "newest_test": display_path(self.newest_test) if self.newest_test else None,
        }


def default_test_paths(config: Config) -> list[Path]:
    """pytest's ``testpaths`` from pyproject.toml, else ``tests/``, else the project folder."""
    if config.source is not None and config.source.name == "pyproject.toml":
        try:
            document = tomllib.loads(config.source.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            document = {}
        testpaths = document.get("tool", {}).get("pytest", {}).get("ini_options", {}).get("testpaths")
        if isinstance(testpaths, list) and testpaths:
            found = [config.root / str(p) for p in testpaths if (config.root / str(p)).exists()]
            if found:
                return found
    tests = config.root / "tests"
    return [tests] if tests.is_dir() else [config.root]


def check_ledger(path: Path, root: Path, test_paths: Sequence[Path]) -> LedgerCheck:
    """Read the ledger at ``path`` (if any) and judge it; a malformed ledger raises."""
    if not path.is_file():
        return LedgerCheck(path=path, ledger=None, state="missing")
    ledger = load_ledger(path, root)
    if not ledger.complete:
        return LedgerCheck(path=path, ledger=ledger, state="incomplete", reasons=tuple(ledger.incomplete_reasons))
    finished = parse_timestamp(ledger.finished_at) or _mtime(path)
    newest = _newest(test_files(test_paths))
    newest_time = _mtime(newest) if newest is not None else None
    if finished is not None and newest_time is not None and newest_time > finished + CLOCK_SLACK:
        return LedgerCheck(path=path, ledger=ledger, state="stale", newest_test=newest)
    return LedgerCheck(path=path, ledger=ledger, state="complete", newest_test=newest)


def _mtime(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except OSError:
        return None


def _newest(files: Sequence[Path]) -> Path | None:
    best: tuple[float, Path] | None = None
    for file in files:
        try:
            stamp = file.stat().st_mtime
        except OSError:
            continue
        if best is None or stamp > best[0]:
            best = (stamp, file)
    return best[1] if best else None


def require_usable_ledger(check: LedgerCheck, *, force: bool) -> None:
    """Refuse (exit 2) unless the ledger is complete and fresh, or ``force`` is given."""
    if not check.usable and not force:
        raise PruneRefused(check.problem())


@dataclass
class PruneRow:
    """One cassette in the plan, with both signals and the decision."""

    path: Path
    display: str
    size: int
    used_by: list[str] | None  # tests from the ledger; None without a ledger
    references: list[str]  # "tests/test_x.py:12 (marker 'users/get')"
    unused: bool
    reason: str
    interactions: int | None = None
    unplayed: list[int] = field(default_factory=list)
    deleted: bool = False
    dropped: int = 0
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "path": self.display,
            "size": self.size,
            "used_by": self.used_by,
            "references": self.references,
            "unused": self.unused,
            "reason": self.reason,
            "deleted": self.deleted,
            "error": self.error,
        }
        if self.interactions is not None:
            data.update({"interactions": self.interactions, "unplayed": self.unplayed, "dropped": self.dropped})
        return data


@dataclass
class PrunePlan:
    """What prune found (and, after :func:`~cassettes_tool.housekeeping.prune.apply.apply_plan`, did)."""

    mode: str  # "cassettes" or "interactions"
    ledger: LedgerCheck
    test_paths: list[Path]
    references: int
    rows: list[PruneRow] = field(default_factory=list)
    forced: bool = False
    applied: bool = False
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # FIFOs, sockets, unreadable folders
    roots: list[Path] = field(default_factory=list)  # the folders pruned: never removed themselves
    removed_folders: list[Path] = field(default_factory=list)  # left empty by --delete, removed

    @property
    def candidates(self) -> list[PruneRow]:
        """Unused cassettes (mode ``cassettes``) or cassettes with unplayed interactions."""
        if self.mode == "interactions":
            return [r for r in self.rows if r.unplayed]
        return [r for r in self.rows if r.unused]

    @property
    def candidate_bytes(self) -> int:
        return sum(r.size for r in self.candidates) if self.mode == "cassettes" else 0

    def summary(self) -> dict[str, int]:
        return {
            "cassettes": len(self.rows),
            "candidates": len(self.candidates),
            "candidate_bytes": self.candidate_bytes,
            "unplayed_interactions": sum(len(r.unplayed) for r in self.rows),
            "deleted": sum(1 for r in self.rows if r.deleted),
            "dropped_interactions": sum(r.dropped for r in self.rows),
            "errors": sum(1 for r in self.rows if r.error),
            "removed_folders": len(self.removed_folders),
        }

    def exit_code(self) -> int:
        """0 (a dry run that finds something is still a success), 3 when a file could not be handled."""
        return 3 if any(r.error for r in self.rows) else 0

    def to_json(self) -> dict[str, Any]:
        return document(PRUNE_SCHEMA_VERSION, {
            "mode": self.mode,
            "dry_run": not self.applied,
            "forced": self.forced,
            "ledger": self.ledger.to_json(),
            "test_paths": [display_path(p) for p in self.test_paths],
            "summary": self.summary(),
            "cassettes": [r.to_json() for r in self.rows],
        })


def plan_prune(
    paths: Sequence[Path],
    config: Config,
    check: LedgerCheck,
    *,
    test_paths: Sequence[Path],
    interactions: bool = False,
    force: bool = False,
    references: Sequence[Reference] | None = None,
) -> PrunePlan:
    """The plan for every cassette under ``paths`` (nothing is changed)."""
    refs = list(references) if references is not None else scan_references(test_paths)
    index = ReferenceIndex(refs)
    plan = PrunePlan(mode="interactions" if interactions else "cassettes", ledger=check,
                     test_paths=list(test_paths), references=len(refs), forced=force,
                     roots=[p for p in paths if p.is_dir()])
    where = ", ".join(display_path(p).rstrip("/") + "/" if p.is_dir() else display_path(p) for p in test_paths)
    # JSON files that are not cassettes stay in the plan: each is reported and left alone
    # ("not readable as a cassette"), so nothing in the folder goes unmentioned.
    others: list[Path] = []
    found = find_cassettes(paths, errors=plan.skipped, skipped=others)
    for path in sorted([*found, *others]):
        row = _row(path, check, index, where, config)
        if interactions:
            _plan_interactions(row, check)
        plan.rows.append(row)
    return plan


def _row(path: Path, check: LedgerCheck, index: ReferenceIndex, where: str, config: Config) -> PruneRow:
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    ledger = check.ledger
    usage = ledger.usage(path) if ledger is not None else None
    used_by = (sorted(usage.tests) if usage else []) if ledger is not None else None
    found = sorted(index.find(path), key=lambda r: r.kind == "pattern")  # exact names first
    references = [r.describe(config.root) for r in found]
    in_ledger = usage is not None
    unused = not in_ledger and not found
    parts: list[str] = []
    if ledger is None:
        parts.append("no usage ledger (--force)")
    elif in_ledger:
        count = len(usage.tests) if usage else 0
        parts.append(f"used by {count} test(s) in {check.run_label}")
    else:
        parts.append(f"not used in {check.run_label}")
    if references:
        more = f" and {len(references) - 1} more" if len(references) > 1 else ""
        lead = "kept: " if found[0].kind == "pattern" else "referenced at "
        parts.append(f"{lead}{references[0]}{more}")
    else:
        parts.append(f"no reference in {where}")
    error = None
    if unused and _changed_after(path, check):
        unused = False
        parts.append("changed after that run (new or re-recorded?); kept until the next complete run")
    if unused:
        # Only what reads as a cassette is deleted: a stray config or data file is left alone.
        try:
            load_cassette(path)
        except CassetteError as exc:
            unused = False
            error = str(exc)
            parts.append("not readable as a cassette; left alone")
    return PruneRow(path=path, display=display_path(path), size=size, used_by=used_by,
                    references=references, unused=unused, reason="; ".join(parts), error=error)


def _changed_after(path: Path, check: LedgerCheck) -> bool:
    finished = parse_timestamp(check.finished_at)
    modified = _mtime(path)
    return finished is not None and modified is not None and modified > finished + CLOCK_SLACK


def _plan_interactions(row: PruneRow, check: LedgerCheck) -> None:
    """Which interactions of a used cassette the run never played (reason updated)."""
    ledger = check.ledger
    usage = ledger.usage(row.path) if ledger is not None else None
    try:
        cassette = load_cassette(row.path)
    except CassetteError as exc:
        row.error = str(exc)
        return
    row.interactions = len(cassette)
    if usage is None:
        row.reason = "not used in the run: a candidate for `cassettes prune`, not for --interactions"
        return
    if not usage.played:
        row.reason = f"used in {check.run_label} but no interaction was played (skipped tests?); kept as is"
        return
    if usage.interactions != len(cassette):
        row.reason = (f"has {len(cassette)} interaction(s) now but {usage.interactions} in {check.run_label} "
                      "(changed since); re-run the whole suite first")
        return
    if _changed_after(row.path, check):
        row.reason = f"changed after {check.run_label}; re-run the whole suite first"
        return
    played = set(usage.played)
    unplayed = [i for i in range(len(cassette)) if i not in played]
    if not unplayed:
        row.reason = f"all {len(cassette)} interaction(s) played in {check.run_label}"
        return
    listed = ", ".join(map(str, unplayed))
    row.reason = f"interaction(s) {listed} of {len(cassette)} never played in {check.run_label}"
    if not cassette.writable:
        row.reason += f"; a {cassette.variant} cassette is read-only here, left alone"
        return
    row.unplayed = unplayed


def load_check(config: Config, usage: Path | None, test_paths: Sequence[Path]) -> LedgerCheck:
    """The ledger check for ``--usage`` (or the configured ledger)."""
    return check_ledger(usage if usage is not None else config.usage_path, config.root, test_paths)
