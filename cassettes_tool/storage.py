"""Atomic, locked writes of cassettes and other files.

Every write goes to a temporary file in the same folder, is flushed and fsynced, then renamed
over the target (``os.replace`` is atomic on POSIX and Windows), and the folder is fsynced. A
crash at any moment leaves the old file or the new one, never a mix. Writers of one path are
serialised by a lock file (``filelock``) next to it: ``.<name>.lock``.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from . import __version__
from .cassette import Cassette
from .errors import CassetteError
from .yamlio import dump_yaml

LOCK_TIMEOUT = 60.0
TMP_PREFIX = ".cassettes-tmp-"


def lock_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.lock")


@contextlib.contextmanager
def locked(path: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the write lock of ``path`` (other processes and threads wait)."""
    lock = FileLock(str(lock_path(path)), timeout=timeout)
    try:
        with lock:
            yield
    except Timeout:
        raise CassetteError(
            path, f"is locked by another writer for more than {timeout:.0f}s",
            f"is another cassettes process running? remove {lock_path(path).name} if not",
        ) from None


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically (temporary file, fsync, rename, fsync folder)."""
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=".tmp", dir=folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(OSError):
            os.chmod(tmp, 0o644 if not path.exists() else path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_folder(folder)


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_text_atomic(path: Path, text: str) -> None:
    """Atomic write of a text file under its lock (reports, ledgers, baselines)."""
    with locked(path):
        atomic_write_bytes(path, text.encode("utf-8"))


def write_json_atomic(path: Path, data: Any) -> None:
    write_text_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def serialize_document(document: dict[str, Any], fmt: str) -> bytes:
    """Bytes exactly as vcrpy's serializers would write the document."""
    if fmt == "json":
        try:
            return (json.dumps(document, indent=4) + "\n").encode("utf-8")
        except TypeError:
            raise ValueError("a JSON cassette cannot hold a binary body; use YAML") from None
    return dump_yaml(document).encode("utf-8")


def now_iso() -> str:
    """The current UTC time as ISO-8601 with a ``Z`` (seconds precision)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def stamp(cassette: Cassette) -> None:
    """Set ``metadata.recorded_at`` and ``recorded_with`` (SPEC section 1)."""
    cassette.metadata["recorded_at"] = now_iso()
    cassette.metadata["recorded_with"] = f"cassettes_tool {__version__}"


def save_cassette(cassette: Cassette, *, path: Path | None = None, record: bool = True) -> None:
    """Write ``cassette`` atomically under its lock, in its own format.

    ``record`` stamps the metadata (a recording or an update). Read-only variants (betamax,
    gzipped, pre-1.0) are refused: their own tools could not load vcrpy's format.
    """
    target = path or cassette.path
    if not cassette.writable:
        raise CassetteError(
            target, f"is a {cassette.variant} cassette and is read-only here",
            "re-record it with vcrpy to let cassettes update it",
        )
    if record:
        stamp(cassette)
    data = serialize_document(cassette.to_document(), cassette.format)
    with locked(target):
        atomic_write_bytes(target, data)
