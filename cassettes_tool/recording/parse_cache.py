"""A cache of parsed cassettes keyed by the SHA-256 of the file's bytes.

Parsing a large YAML cassette costs far more than reading it; when the file has not changed
since the last run, the interactions are read back from a ``marshal`` file instead (marshal
only holds plain data — dicts, lists, strings, bytes, numbers — and never runs code). The cache
lives outside the repository: ``$CASSETTES_CACHE_DIR``, else ``$XDG_CACHE_HOME/cassettes``, else
``~/.cache/cassettes``. Entries are content-addressed, so a stale entry is never read; set
``CASSETTES_CACHE_DIR=off`` to disable the cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
from pathlib import Path
from typing import Any

from ..storage import atomic_write_bytes

CACHE_FORMAT = 1
# Below this size parsing is as fast as reading the cache file.
MIN_CACHED_SIZE = 16 * 1024


def cache_dir() -> Path | None:
    """The cache folder, or None when caching is disabled."""
    configured = os.environ.get("CASSETTES_CACHE_DIR")
    if configured:
        return None if configured.lower() in ("off", "0", "none", "false") else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cassettes" / "parsed"


def _entry(folder: Path, digest: str) -> Path:
    return folder / digest[:2] / f"{digest}.marshal"


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def get(data: bytes) -> Any | None:
    """The payload stored for ``data``'s content, or None."""
    folder = cache_dir()
    if folder is None or len(data) < MIN_CACHED_SIZE:
        return None
    try:
        raw = _entry(folder, digest_of(data)).read_bytes()
        version, payload = marshal.loads(raw)
    except (OSError, ValueError, EOFError, TypeError):
        return None
    return payload if version == CACHE_FORMAT else None


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
        atomic_write_bytes(_entry(folder, digest_of(data)), encoded)
