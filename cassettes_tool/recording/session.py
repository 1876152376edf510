"""Per-process state the pytest plugin shares with ``use_cassette``.

The plugin installs a :class:`Session` at ``pytest_configure``: the project configuration read
once, the command-line overrides (which win over everything, docs/recording.md), the id of the test
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

from cassettes_tool.core.config import Config
from cassettes_tool.core.discovery import project_key


@dataclass
class _Usage:
    tests: set[str] = field(default_factory=set)
    interactions: int = 0
    played: set[int] = field(default_factory=set)
    opened: bool = False  # False: only declared by a marker of a test that did not open it


@dataclass
class UsageRecorder:
    """Which tests used which cassette and which interactions they played (thread-safe).

    Keys are the ledger's: paths relative to ``root`` with POSIX separators (see
    :meth:`cassettes_tool.recording.ledger.Ledger.key`, which this mirrors without importing the writer).
    """

    root: Path
    cassettes: dict[str, _Usage] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def key(self, path: Path) -> str:
        return project_key(path, self.root)

    def record(self, path: Path, test_id: str | None, interactions: int | None,
               played: Iterable[int] = ()) -> None:
        """Note one use of ``path``; ``interactions`` None keeps the count already known."""
        key = self.key(path)
        with self._lock:
            usage = self.cassettes.setdefault(key, _Usage())
            if test_id:
                usage.tests.add(test_id)
            if interactions is not None:
                usage.interactions = interactions
                usage.opened = True
            usage.played.update(played)

    def count_declared_only(self) -> None:
        """Cassettes named by markers of tests that never opened them (skipped, failed early):
        count their interactions and treat all as played — the test may need every one."""
        from cassettes_tool.core.reader import load_cassette
        from cassettes_tool.errors import CassettesError

        with self._lock:
            pending = [(key, u) for key, u in self.cassettes.items() if not u.opened]
        for key, usage in pending:
            try:
                count = len(load_cassette(self.root / key))
            except CassettesError:
                continue
            with self._lock:
                usage.interactions = max(usage.interactions, count)
                usage.played.update(range(count))
                usage.opened = True

    def merge(self, data: dict[str, Any]) -> None:
        """Merge the ``cassettes`` mapping of a ledger JSON document (an xdist worker's)."""
        with self._lock:
            for key, entry in data.items():
                usage = self.cassettes.setdefault(str(key), _Usage())
                usage.tests.update(str(t) for t in entry.get("tests", []))
                usage.interactions = max(usage.interactions, int(entry.get("interactions", 0) or 0))
                usage.played.update(int(i) for i in entry.get("played", []))

    def to_json(self) -> dict[str, Any]:
        """The ledger's ``cassettes`` mapping."""
        with self._lock:
            return {
                key: {"tests": sorted(u.tests), "interactions": u.interactions, "played": sorted(u.played)}
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
