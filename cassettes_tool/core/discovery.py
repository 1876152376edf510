"""Find cassette files under the paths a user names."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from cassettes_tool.core.sniff import sniff_file
from cassettes_tool.errors import UsageError

JSON_SNIFF_BYTES = 64 * 1024  # vcrpy's JSON opens with "interactions"; other JSON is not a cassette
CASSETTE_SUFFIXES = (".yaml", ".yml", ".json", ".yaml.gz", ".yml.gz", ".json.gz")
SKIP_DIRS = {".git", ".hg", ".svn", ".venv", "venv", "__pycache__", "node_modules", ".cassettes",
             ".mypy_cache", ".ruff_cache", ".pytest_cache", ".tox", ".nox"}
SKIP_NAMES = {"pyproject.toml", "package.json", "package-lock.json", "tsconfig.json", ".pre-commit-config.yaml",
              ".pre-commit-hooks.yaml", "mkdocs.yml", "usage.json"}


def looks_like_cassette(path: Path) -> bool:
    """Cassette-like by name (but not a JSON file cassettes itself wrote: a report saved into the
    cassette folder is skipped by a scan, and refused in one line when named), or (no extension)
    by its first bytes."""
    name = path.name.lower()
    if name.startswith(".") or name in SKIP_NAMES:
        return False
    if name.endswith(".json"):
        # An ordinary JSON fixture beside the cassettes is not one (an unreadable file may be).
        return sniff_file(path, JSON_SNIFF_BYTES, unreadable="cassette") == "cassette"
    if name.endswith(CASSETTE_SUFFIXES):
        return True
    if "." in name:
        return False
    return sniff_file(path, 4096, unreadable="other") == "cassette"


def find_cassettes(paths: Iterable[Path], *, errors: list[tuple[Path, str]] | None = None,
                   skipped: list[Path] | None = None) -> list[Path]:
    """Every cassette under ``paths`` (folders recursively, files as given), sorted, unique.

    Folders that cannot be read are reported in ``errors`` (path, reason) and skipped; so are
    FIFOs, sockets and devices, which are never opened (reading a FIFO would wait forever). A path
    that does not exist is a usage error. JSON files in a folder that are not cassettes
    (ordinary fixtures) are passed over and listed in ``skipped``, for a count.
    """
    found: dict[Path, None] = {}
    for path in paths:
        if path.is_file():
            found.setdefault(path, None)
            continue
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
        if not path.is_dir():
            _note_special(path, errors)
            continue
        for folder, dirs, files in os.walk(path, onerror=_collect(errors)):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
            for name in sorted(files):
                candidate = Path(folder) / name
                if _special(candidate):
                    _note_special(candidate, errors)
                elif looks_like_cassette(candidate):
                    found.setdefault(candidate, None)
                elif skipped is not None and _other_json(candidate):
                    skipped.append(candidate)
    return sorted(found)


def _special(path: Path) -> str | None:
    """``"a FIFO"``, ``"a socket"``, ``"a device"`` for what is not a regular file (symlinks followed)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None  # a broken link: the reader says so in its own words
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return None


def _note_special(path: Path, errors: list[tuple[Path, str]] | None) -> None:
    if errors is not None:
        kind = _special(path) or "not a regular file"
        errors.append((path, f"is {kind}, not a cassette file; skipped, never opened"))


def _other_json(path: Path) -> bool:
    name = path.name.lower()
    return (name.endswith(".json") and not name.startswith(".") and name not in SKIP_NAMES
            and sniff_file(path, JSON_SNIFF_BYTES, unreadable="other") == "other")


def _collect(errors: list[tuple[Path, str]] | None):  # type: ignore[no-untyped-def]
    def onerror(exc: OSError) -> None:
        if errors is not None:
            errors.append((Path(exc.filename or "?"), f"cannot read folder: {exc.strerror}"))

    return onerror


def project_key(path: Path, root: Path) -> str:
    """``path`` relative to the project ``root`` with POSIX separators (absolute when outside).

    The one key for a cassette wherever it must not depend on the working directory: the usage
    ledger, shard assignment and finding fingerprints.
    """
    resolved = path.resolve()
    try:
        return resolved.relative_to(root.resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def display_path(path: Path, base: Path | None = None) -> str:
    """``path`` relative to the working directory when inside it (report paths are relative to it)."""
    base = base or Path.cwd()
    try:
        return str(path.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)
