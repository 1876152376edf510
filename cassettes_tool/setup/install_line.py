"""The pip command that installs cassettes the way it is installed here (for the CI workflow).

Read from the installed distribution's metadata: its version, and its ``direct_url.json``
(PEP 610), which pip writes when a package came from a URL, a VCS or a local folder instead of
an index. Never an unpinned name: a workflow that installs "the newest cassettes" changes under
the user's feet.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from importlib import metadata
from typing import Any
from urllib.parse import unquote, urlsplit

DIST = "cassettes"
PIP = "python -m pip install"


@dataclass(frozen=True)
class InstallLine:
    """The command, and a note when CI may not reach what it names (a local folder or file)."""

    command: str
    note: str | None = None


def install_line(dist: str = DIST) -> InstallLine:
    """How ``dist`` is installed here, as a pip command (``cassettes==X.Y`` from an index)."""
    try:
        distribution = metadata.distribution(dist)
    except metadata.PackageNotFoundError:  # running from a source tree that was never installed
        from cassettes_tool._version import __version__

        return InstallLine(_pip(f"{dist}=={__version__}"))
    text = distribution.read_text("direct_url.json")
    direct: Any = None
    if text:
        try:
            direct = json.loads(text)
        except ValueError:
            direct = None
    if not isinstance(direct, dict) or not isinstance(direct.get("url"), str):
        return InstallLine(_pip(f"{dist}=={distribution.version}"))
    return from_direct_url(dist, direct)


def from_direct_url(dist: str, direct: dict[str, Any]) -> InstallLine:
    """The pip command for a PEP 610 ``direct_url.json`` document."""
    url = str(direct["url"])
    vcs = direct.get("vcs_info")
    if isinstance(vcs, dict) and vcs.get("vcs"):
        commit = vcs.get("commit_id") or vcs.get("requested_revision")
        spec = f"{vcs['vcs']}+{url}" + (f"@{commit}" if commit else "")
        return InstallLine(_pip(f"{dist} @ {spec}"))
    if url.startswith("file:"):
        path = unquote(urlsplit(url).path)
        note = (f"cassettes is installed from {path} on this machine: the workflow installs from the same "
                "path, which CI has only if it is inside the repository; otherwise change the workflow's "
                "install line to a git URL (pip install 'cassettes @ git+https://...') or a released version")
        return InstallLine(_pip(path), note)
    return InstallLine(_pip(f"{dist} @ {url}"))


def _pip(requirement: str) -> str:
    return f"{PIP} {shlex.quote(requirement)}"
