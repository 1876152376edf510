"""``cassettes list``: one row per cassette file, readable or not."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cassettes_tool.core.age import age_days, recorded_at
from cassettes_tool.core.discovery import display_path, find_cassettes
from cassettes_tool.core.reader import detect_format, load_cassette
from cassettes_tool.errors import CassetteError
from cassettes_tool.recording.ledger import Ledger


@dataclass(frozen=True)
class Row:
    """A ``list --format json`` object (docs/cli.md)."""

    path: str
    format: str
    interactions: int
    hosts: list[str]
    methods: list[str]
    size: int
    recorded_at: str | None
    age_days: float | None
    used_by: list[str] | None
    error: str | None
    age_source: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def inventory(
    paths: Sequence[Path],
    *,
    ledger: Ledger | None = None,
    older_than: timedelta | None = None,
    now: datetime | None = None,
    skipped: list[Path] | None = None,
) -> list[Row]:
    """Rows for every cassette under ``paths``; ``older_than`` keeps the old (and undated) ones.
    JSON files that are not cassettes are left out and listed in ``skipped``."""
    now = now or datetime.now(UTC)
    walk_errors: list[tuple[Path, str]] = []
    rows: list[Row] = []
    for path in find_cassettes(paths, errors=walk_errors, skipped=skipped):
        row = _row(path, ledger, now)
        if older_than is not None and row.age_days is not None and row.age_days * 86400 < older_than.total_seconds():
            continue
        rows.append(row)
    for folder, reason in walk_errors:
        rows.append(Row(display_path(folder), "", 0, [], [], 0, None, None, None, f"{folder}: {reason}"))
    return rows


def _row(path: Path, ledger: Ledger | None, now: datetime) -> Row:
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    used_by: list[str] | None = None
    if ledger is not None:
        usage = ledger.usage(path)
        used_by = sorted(usage.tests) if usage else []
    try:
        cassette = load_cassette(path)
    except CassetteError as exc:
        when, _ = recorded_at(None, path)
        fmt = detect_format(path, b"")
        return Row(display_path(path), fmt, 0, [], [], size, None, age_days(when, now), used_by, str(exc), None)
    when, source = recorded_at(cassette, path)
    return Row(
        path=display_path(path),
        format=cassette.format,
        interactions=len(cassette),
        hosts=cassette.hosts,
        methods=cassette.methods,
        size=size,
        recorded_at=when.isoformat().replace("+00:00", "Z") if when else None,
        age_days=age_days(when, now),
        used_by=used_by,
        error=None,
        age_source=source if when else None,
    )
