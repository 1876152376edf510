"""Per-process state the pytest plugin shares with ``use_cassette``.

The plugin installs a :class:`Session` at ``pytest_configure``: the project configuration read
once, the command-line overrides (which win over everything, SPEC section 3), the id of the test
being run and the usage collected for the ledger. Outside pytest there is no session and
``use_cassette`` reads ``[tool.cassettes]`` at every call.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Config
from ..ledger import CassetteUsage, Ledger


@dataclass
class UsageRecorder:
    """Which tests used which cassette and which interactions they played (thread-safe)."""

    root: Path
    cassettes: dict[str, CassetteUsage] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, path: Path, test_id: str | None, interactions: int | None,
               played: Iterable[int] = ()) -> None:
        """Note one use of ``path``; ``interactions`` None keeps the count already known."""
        key = Ledger(root=self.root).key(path)
        with self._lock:
            usage = self.cassettes.setdefault(key, CassetteUsage())
            if test_id and test_id not in usage.tests:
                usage.tests.append(test_id)
            if interactions is not None:
                usage.interactions = interactions
            usage.played = sorted(set(usage.played) | set(played))

    def merge(self, data: dict[str, Any]) -> None:
        """Merge the ``cassettes`` mapping of a ledger JSON document (an xdist worker's)."""
        with self._lock:
            for key, entry in data.items():
                usage = self.cassettes.setdefault(str(key), CassetteUsage())
                usage.tests = sorted(set(usage.tests) | {str(t) for t in entry.get("tests", [])})
                usage.interactions = max(usage.interactions, int(entry.get("interactions", 0) or 0))
                usage.played = sorted(set(usage.played) | {int(i) for i in entry.get("played", [])})

    def to_json(self) -> dict[str, Any]:
        with self._lock:
            return {
                key: {"tests": sorted(set(u.tests)), "interactions": u.interactions,
                      "played": sorted(set(u.played))}
                for key, u in sorted(self.cassettes.items())
            }


@dataclass
class Session:
    """What the pytest plugin knows for the whole run."""

    config: Config
    cli_overrides: dict[str, Any] = field(default_factory=dict)
    usage: UsageRecorder | None = None
    current_test: str | None = None


_session: Session | None = None


def install(session: Session | None) -> None:
    """Make ``session`` the current one (None removes it)."""
    global _session
    _session = session


def current() -> Session | None:
    return _session


def current_test_id() -> str | None:
    """The node id of the running test: from the plugin, else from ``PYTEST_CURRENT_TEST``."""
    if _session is not None and _session.current_test:
        return _session.current_test
    env = os.environ.get("PYTEST_CURRENT_TEST")
    if env:
        return env.rsplit(" (", 1)[0]
    return None
