"""The age of a cassette: ``metadata.recorded_at``, else its last git commit, else its mtime."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from cassettes_tool.core.cassette import Cassette


def parse_timestamp(value: object) -> datetime | None:
    """An aware UTC datetime from an ISO-8601 string (``Z`` allowed) or a datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@lru_cache(maxsize=64)
def _git_times(toplevel: str) -> dict[str, float]:
    """Last commit time of every tracked file in a repository (one git call per repository)."""
    try:
        out = subprocess.run(
            ["git", "-C", toplevel, "log", "--format=@%ct", "--name-only", "--no-renames"],
            capture_output=True, text=True, timeout=60, check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    times: dict[str, float] = {}
    current = 0.0
    for line in out.splitlines():
        if line.startswith("@"):
            current = float(line[1:])
        elif line and line not in times:
            times[line] = current
    return times


@lru_cache(maxsize=256)
def _git_toplevel(folder: str) -> str | None:
    try:
        return subprocess.run(
            ["git", "-C", folder, "rev-parse", "--show-toplevel"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def git_commit_time(path: Path) -> datetime | None:
    """When ``path`` was last committed, or None outside git / uncommitted."""
    top = _git_toplevel(str(path.resolve().parent))
    if top is None:
        return None
    try:
        relative = str(path.resolve().relative_to(top))
    except ValueError:
        return None
    seconds = _git_times(top).get(relative)
    return datetime.fromtimestamp(seconds, UTC) if seconds else None


def recorded_at(cassette: Cassette | None, path: Path) -> tuple[datetime | None, str]:
    """``(when, source)`` with source ``metadata``, ``git`` or ``mtime`` (or ``unknown``)."""
    if cassette is not None:
        when = parse_timestamp(cassette.metadata.get("recorded_at"))
        if when is not None:
            return when, "metadata"
    when = git_commit_time(path)
    if when is not None:
        return when, "git"
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC), "mtime"
    except OSError:
        return None, "unknown"


def age_days(when: datetime | None, now: datetime | None = None) -> float | None:
    if when is None:
        return None
    now = now or datetime.now(UTC)
    return round((now - when).total_seconds() / 86400, 2)


def clear_caches() -> None:
    """Forget cached git data (tests that commit between calls)."""
    _git_times.cache_clear()
    _git_toplevel.cache_clear()
