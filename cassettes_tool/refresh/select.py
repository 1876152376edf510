"""Which cassettes a refresh looks at: paths, ``--shard K/N`` and ``--older-than``.

The shard of a cassette is a hash of its path relative to the project root, so N parallel CI
jobs on the same checkout (wherever it is cloned) cover every cassette exactly once, and adding
or removing one cassette never moves the others between shards.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cassettes_tool.core.age import recorded_at
from cassettes_tool.core.cassette import Cassette
from cassettes_tool.core.discovery import find_cassettes, project_key
from cassettes_tool.core.reader import parse_cassette, read_cassette_bytes
from cassettes_tool.core.storage import checksum
from cassettes_tool.errors import CassetteError, UsageError


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based) of ``count``."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str) -> Shard:
    """``"2/4"`` -> Shard(2, 4); K is 1-based and K <= N."""
    left, sep, right = text.partition("/")
    try:
        index, count = int(left), int(right)
    except ValueError:
        index = count = 0
    if not sep or count < 1 or not 1 <= index <= count:
        raise UsageError(f"--shard {text!r}: expected K/N with 1 <= K <= N, like 1/4")
    return Shard(index, count)


def shard_key(path: Path, root: Path) -> str:
    """The path that decides the shard: relative to ``root`` when inside it, POSIX separators."""
    return project_key(path, root)


def shard_of(path: Path, root: Path, count: int) -> int:
    """The 1-based shard of ``path`` among ``count`` (stable: sha256 of the relative path)."""
    digest = hashlib.sha256(shard_key(path, root).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


@dataclass
class Selected:
    """A selected cassette file as read once: its bytes' sha256 and the parsed cassette or error."""

    path: Path
    sha256: str
    cassette: Cassette | None
    error: str | None = None


@dataclass
class Selection:
    """The outcome of selection, with counts that explain an empty result."""

    items: list[Selected]
    found: int
    in_shard: int
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # FIFOs and unreadable folders
    skipped_non_cassettes: int = 0  # JSON files in the folders that are not cassettes


def read_selected(path: Path) -> Selected:
    """Read ``path`` once: sha256 of the bytes as read, and the cassette (or its one-line error)."""
    try:
        data = read_cassette_bytes(path)
    except CassetteError as exc:
        return Selected(path, "", None, str(exc))
    sha = checksum(data)
    try:
        return Selected(path, sha, parse_cassette(path, data))
    except CassetteError as exc:
        return Selected(path, sha, None, str(exc))


def select_cassettes(
    paths: Sequence[Path],
    *,
    root: Path,
    shard: Shard | None = None,
    older_than: timedelta | None = None,
    now: datetime | None = None,
) -> Selection:
    """Find, shard, read and age-filter the cassettes under ``paths`` (sorted by path)."""
    skipped: list[tuple[Path, str]] = []
    other_json: list[Path] = []
    found = find_cassettes(paths, errors=skipped, skipped=other_json)
    if shard is not None:
        chosen = [p for p in found if shard_of(p, root, shard.count) == shard.index]
    else:
        chosen = list(found)
    now = now or datetime.now(UTC)
    items: list[Selected] = []
    for path in chosen:
        selected = read_selected(path)
        if older_than is not None:
            when, _ = recorded_at(selected.cassette, path)
            # An unknown age counts as old: better checked than silently forgotten.
            if when is not None and now - when < older_than:
                continue
        items.append(selected)
    return Selection(items=items, found=len(found), in_shard=len(chosen), skipped=skipped,
                     skipped_non_cassettes=len(other_json))
