"""The project boundary: paths read from a report or a ledger are written only inside the project.

A report is a file anyone can craft; a cassette path in it that resolves outside the project
folder (``../../home/me/.bashrc``, an absolute path, or a symlink whose target is elsewhere) is
refused before anything is written, whatever ``--force`` says.
"""

from __future__ import annotations

import os
from pathlib import Path

from cassettes_tool.errors import ReportError


def inside_project(path: Path, root: Path, *, source: str) -> Path:
    """``path`` when it resolves (symlinks followed) inside ``root``; a one-line ReportError otherwise.

    ``source`` names where the path was read ("the report", "the usage ledger").
    """
    if "\x00" in str(path):
        raise ReportError(f"{source} names a cassette path with a NUL byte; nothing was written "
                          "(the file is damaged or crafted: make it again)")
    project = root.resolve()
    try:
        real = Path(os.path.realpath(path))
    except (OSError, ValueError) as exc:
        raise ReportError(f"{source} names {path}, which cannot be resolved ({exc}); nothing was written") from None
    if real != project and project not in real.parents:
        raise ReportError(
            f"{source} names {path}, which resolves to {real}, outside the project {project}; "
            "nothing was written (cassettes are only written inside the project: check where the file came from)"
        )
    return path
