"""Build the endpoint model of a project, with each cassette's samples cached by content hash.

The cache is one file, ``.cassettes/endpoints.marshal`` next to ``pyproject.toml``:
``{sha256 of the cassette's bytes: its samples}`` (:func:`~.endpoints.cassette_samples`, plain
data read back with ``marshal``, which never runs code). A cassette whose bytes changed has a new
hash, so a stale entry is never used; entries no cassette asked for in a build are dropped when
the file is rewritten, so it never grows beyond the project. It is rewritten (temporary file and
rename) only when something was added or dropped; a cache that cannot be read or written is
rebuilt or skipped silently. ``CASSETTES_CACHE_DIR=off`` disables it, as for the parse cache.
"""

from __future__ import annotations

import contextlib
import marshal
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cassettes_tool.core.config import Config
from cassettes_tool.core.discovery import find_cassettes
from cassettes_tool.core.reader import parse_cassette, read_cassette_bytes
from cassettes_tool.core.storage import atomic_write_bytes, checksum, sweep_stale_temp_files
from cassettes_tool.drift.endpoints import EndpointModel, Sample, cassette_samples
from cassettes_tool.errors import CassetteError

CACHE_FORMAT = 1
CACHE_NAME = "endpoints.marshal"


def cache_path(root: Path) -> Path | None:
    """Where the project's endpoint cache lives, or None when caching is disabled."""
    if os.environ.get("CASSETTES_CACHE_DIR", "").lower() in ("off", "0", "none", "false"):
        return None
    return root / ".cassettes" / CACHE_NAME


def _read(path: Path | None) -> dict[str, list[Sample]]:
    if path is None:
        return {}
    sweep_stale_temp_files(path.parent)  # a killed writer's leftover: a fresh cache is not written again
    try:
        version, entries = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    return entries if version == CACHE_FORMAT and isinstance(entries, dict) else {}


def _write(path: Path, entries: dict[str, list[Sample]]) -> None:
    with contextlib.suppress(OSError, ValueError):
        atomic_write_bytes(path, marshal.dumps((CACHE_FORMAT, entries)))


def project_samples(paths: Iterable[Path], root: Path) -> list[Sample]:
    """The samples of every readable cassette in ``paths`` (unreadable ones are left out:
    the commands that read them report them)."""
    location = cache_path(root)
    cached = _read(location)
    used: dict[str, list[Sample]] = {}
    samples: list[Sample] = []
    for path in paths:
        try:
            data = read_cassette_bytes(path)
        except CassetteError:
            continue
        digest = checksum(data)
        entry = used.get(digest)
        if entry is None:
            entry = cached.get(digest)
        if entry is None:
            try:
                entry = cassette_samples(parse_cassette(path, data))
            except CassetteError:
                continue
        used[digest] = entry
        samples.extend(entry)
    if location is not None and used.keys() != cached.keys():
        _write(location, used)
    return samples


def build_model(paths: Iterable[Path], root: Path, *, uris: Iterable[str] = (),
                extra: Iterable[Sample] = ()) -> EndpointModel:
    """The endpoint model of the cassettes at ``paths`` (plus ``extra`` samples and ``uris``
    that only teach templates)."""
    samples: list[Any] = project_samples(paths, root)
    samples.extend(extra)
    return EndpointModel(samples, uris)


def project_cassettes(config: Config, *, exclude: Iterable[Path] = ()) -> list[Path]:
    """Every cassette under ``cassette_dir`` (none when it does not exist), minus ``exclude``."""
    folder = config.cassette_path
    if not folder.is_dir():
        return []
    left_out = {path.resolve() for path in exclude}
    return [path for path in find_cassettes([folder], errors=[]) if path.resolve() not in left_out]


def suite_model(config: Config, *, exclude: Iterable[Path] = (), uris: Iterable[str] = (),
                extra: Iterable[Sample] = ()) -> EndpointModel:
    """The endpoint model of the project's cassettes (``cassette_dir``), cached."""
    return build_model(project_cassettes(config, exclude=exclude), config.root, uris=uris, extra=extra)
