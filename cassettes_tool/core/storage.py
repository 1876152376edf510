"""Atomic, locked writes of files, the checksum of a file's bytes, metadata stamps.

Cassettes are changed only through :mod:`cassettes_tool.core.transaction`, which stands on the
lock and the atomic write below; reports, baselines and ledgers use :func:`write_text_atomic`.

Every write goes to a temporary file in the same folder, is flushed and fsynced, then renamed
over the target (``os.replace`` is atomic on POSIX and Windows), and the folder is fsynced. A
crash at any moment leaves the old file or the new one, never a mix. Writers of one path are
serialised by an OS file lock (``filelock``). Lock files live in a per-user folder of the
system temp dir, named by a hash of the cassette's absolute path, so they never show up in the
cassette folder (or in git). Temporary files carry the writer's PID; a write sweeps, once per
folder and process, the temporary files of writers that died (``kill -9``) mid-write.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from cassettes_tool._version import __version__
from cassettes_tool.core.cassette import Cassette
from cassettes_tool.core.jsonfile import dumps_document
from cassettes_tool.core.yamlio import dump_yaml
from cassettes_tool.errors import CassetteError

LOCK_TIMEOUT = 60.0
TMP_PREFIX = ".cassettes-tmp-"


def _lock_dir() -> Path:
    folder = Path(tempfile.gettempdir()) / f"cassettes-locks-{os.getuid() if hasattr(os, 'getuid') else 0}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def lock_path(path: Path) -> Path:
    """The lock file that serialises writers of ``path`` (outside the cassette folder)."""
    digest = hashlib.sha256(str(path.resolve()).encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return _lock_dir() / f"{digest}.lock"


_swept: set[Path] = set()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale_temp_files(folder: Path) -> list[Path]:
    """Remove temporary files left by writers that died mid-write (their PID is gone)."""
    removed: list[Path] = []
    try:
        entries = list(folder.glob(f"{TMP_PREFIX}*.tmp"))
    except OSError:
        return removed
    for entry in entries:
        try:
            pid = int(entry.name[len(TMP_PREFIX):].split("-", 1)[0])
        except ValueError:
            continue
        if pid != os.getpid() and not _pid_alive(pid):
            with contextlib.suppress(OSError):
                entry.unlink()
                removed.append(entry)
    return removed


@contextlib.contextmanager
def locked(path: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the write lock of ``path`` (other processes and threads wait).

    A lock folder that cannot be created or written (a read-only or full temporary folder) is a
    one-line :class:`CassetteError` naming the folder and the fix; nothing is written then.
    """
    try:
        lock = FileLock(str(lock_path(path)), timeout=timeout)
        lock.acquire()
    except Timeout:
        raise CassetteError(
            path, f"is locked by another writer for more than {timeout:.0f}s",
            f"is another cassettes process running? if not, remove {lock_path(path)}",
        ) from None
    except OSError as exc:
        folder = Path(tempfile.gettempdir()) / f"cassettes-locks-{os.getuid() if hasattr(os, 'getuid') else 0}"
        raise CassetteError(
            path, f"cannot take its write lock in {folder} ({exc.strerror or exc}); nothing was written",
            f"make {folder} a writable folder, or point TMPDIR at one",
        ) from None
    try:
        yield
    finally:
        lock.release()


def write_failure(path: Path, exc: OSError) -> CassetteError:
    """The one-line error for a write of ``path`` that the OS refused; the file is unchanged.

    A full disk, a quota, a file size limit or a read-only folder names the file and the fix.
    """
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        problem, fix = "no space left on the disk", f"free space on the disk that holds {path.parent}"
    elif exc.errno == errno.EFBIG:
        problem, fix = "the file size limit was reached", "raise the file size limit (ulimit -f)"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        problem, fix = f"the folder is not writable ({exc.strerror})", f"make {path.parent} writable"
    else:
        problem, fix = f"{exc.strerror or exc}", f"check {path.parent}"
    return CassetteError(path, f"cannot be written: {problem}; the file is unchanged", fix)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically (temporary file, fsync, rename, fsync folder).

    An OS refusal (full disk, read-only folder) raises the OSError with ``path`` unchanged and no
    temporary file left; :func:`write_failure` words it for a user.
    """
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    resolved = folder.resolve()
    if resolved not in _swept:
        _swept.add(resolved)
        sweep_stale_temp_files(folder)
    fd, tmp_name = tempfile.mkstemp(prefix=f"{TMP_PREFIX}{os.getpid()}-", suffix=".tmp", dir=folder)
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
    fsync_folder(folder)


def fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_text_atomic(path: Path, text: str) -> None:
    """Atomic write of a text file under its lock (reports, ledgers, baselines)."""
    with locked(path):
        try:
            atomic_write_bytes(path, text.encode("utf-8"))
        except OSError as exc:
            raise write_failure(path, exc) from None


def write_json_atomic(path: Path, data: Any) -> None:
    write_text_atomic(path, dumps_document(data))


STATE_FOLDER = ".cassettes"
STATE_GITIGNORE = "# Created by cassettes automatically: run state, not for version control.\n*\n"


def ensure_state_gitignore(folder: Path) -> None:
    """Give the ``.cassettes/`` state folder its own ``.gitignore`` (as ``.pytest_cache`` has), so a
    test run leaves ``git status`` clean. An existing file is never changed."""
    if folder.name != STATE_FOLDER:
        return
    target = folder / ".gitignore"
    if not target.exists():
        try:
            write_text_atomic(target, STATE_GITIGNORE)
        except OSError:
            return  # a read-only checkout: the ledger itself still got written


def serialize_document(document: dict[str, Any], fmt: str) -> bytes:
    """Bytes exactly as vcrpy's serializers would write the document."""
    if fmt == "json":
        try:
            return (json.dumps(document, indent=4) + "\n").encode("utf-8")
        except TypeError:
            raise ValueError("a JSON cassette cannot hold a binary body; use YAML") from None
    return dump_yaml(document).encode("utf-8")


def checksum(data: bytes) -> str:
    """The sha256 (hex) of a file's bytes: the one checksum of a cassette file.

    Reports carry it (``sha256``), ``accept`` and ``refresh --update`` compare it, the recording
    persister and the parse cache key on it. Not the shard key or the lock file name (those hash
    a path, not the file).
    """
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str:
    """:func:`checksum` of the file at ``path`` (``OSError`` if it cannot be read)."""
    return checksum(path.read_bytes())


def now_iso() -> str:
    """The current UTC time as ISO-8601 with a ``Z`` (seconds precision)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def stamp_metadata(metadata: dict[str, Any]) -> None:
    """Set ``recorded_at`` and ``recorded_with`` in a cassette's metadata (docs/recording.md)."""
    metadata["recorded_at"] = now_iso()
    metadata["recorded_with"] = f"cassettes_tool {__version__}"


def stamp(cassette: Cassette) -> None:
    """Stamp the metadata of ``cassette`` (a recording or an update)."""
    stamp_metadata(cassette.metadata)
