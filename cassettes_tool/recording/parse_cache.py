"""A cache of parsed cassettes keyed by the SHA-256 of the file's bytes.

Parsing a large YAML cassette costs far more than reading it; when the file has not changed
since the last run, the interactions are read back from a ``marshal`` file instead (marshal
only holds plain data — dicts, lists, strings, bytes, numbers — and never runs code). The cache
lives outside the repository: ``$CASSETTES_CACHE_DIR``, else ``$XDG_CACHE_HOME/cassettes``, else
``~/.cache/cassettes``. Entries are content-addressed, so a stale entry is never read; set
``CASSETTES_CACHE_DIR=off`` to disable the cache.

Every edit of a big cassette leaves an entry no file will ask for again, so the folder is swept
at most once a day, by the first store after that day: entries not read for :data:`MAX_UNUSED`
go, then the least recently read ones until the folder is under :data:`MAX_TOTAL_BYTES`. A
read marks its entry as used (its modification time).
"""

from __future__ import annotations

import contextlib
import marshal
import os
import time
from pathlib import Path
from typing import Any

from cassettes_tool.core.storage import atomic_write_bytes, checksum

CACHE_FORMAT = 1
# Below this size parsing is as fast as reading the cache file.
MIN_CACHED_SIZE = 16 * 1024
MAX_UNUSED = 30 * 24 * 3600  # seconds since an entry was last read
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
SWEEP_EVERY = 24 * 3600
_SWEEP_STAMP = "last-sweep"


def cache_dir() -> Path | None:
    """The cache folder, or None when caching is disabled."""
    configured = os.environ.get("CASSETTES_CACHE_DIR")
    if configured:
        return None if configured.lower() in ("off", "0", "none", "false") else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cassettes" / "parsed"


def _entry(folder: Path, digest: str) -> Path:
    return folder / digest[:2] / f"{digest}.marshal"


def get(data: bytes) -> Any | None:
    """The payload stored for ``data``'s content, or None."""
    folder = cache_dir()
    if folder is None or len(data) < MIN_CACHED_SIZE:
        return None
    entry = _entry(folder, checksum(data))
    try:
        raw = entry.read_bytes()
        version, payload = marshal.loads(raw)
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if version != CACHE_FORMAT:
        return None
    with contextlib.suppress(OSError):
        os.utime(entry)  # used: the sweep keeps it
    return payload


def put(data: bytes, payload: Any) -> None:
    """Remember ``payload`` for ``data``'s content; silently skipped when it cannot be stored."""
    folder = cache_dir()
    if folder is None or len(data) < MIN_CACHED_SIZE:
        return
    try:
        encoded = marshal.dumps((CACHE_FORMAT, payload))
    except ValueError:
        return  # e.g. a YAML timestamp object in metadata: not plain data, not cached
    with contextlib.suppress(OSError):
        atomic_write_bytes(_entry(folder, checksum(data)), encoded)
    with contextlib.suppress(OSError):
        _sweep_if_due(folder)


def _sweep_if_due(folder: Path) -> None:
    stamp = folder / _SWEEP_STAMP
    try:
        if time.time() - stamp.stat().st_mtime < SWEEP_EVERY:
            return
    except FileNotFoundError:
        pass
    stamp.touch()
    sweep(folder)


def sweep(folder: Path) -> int:
    """Delete entries unused for :data:`MAX_UNUSED`, then the least recently used ones until
    the folder holds at most :data:`MAX_TOTAL_BYTES`. Returns how many entries were deleted.

    Safe while other processes use the cache: an entry deleted under a reader is a cache miss.
    """
    now = time.time()
    entries: list[tuple[float, int, Path]] = []
    for path in folder.glob("??/*.marshal"):
        with contextlib.suppress(FileNotFoundError):
            info = path.stat()
            entries.append((info.st_mtime, info.st_size, path))
    entries.sort()  # least recently used first
    total = sum(size for _, size, _ in entries)
    deleted = 0
    for used, size, path in entries:
        if now - used <= MAX_UNUSED and total <= MAX_TOTAL_BYTES:
            break
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            deleted += 1
        total -= size
    return deleted
