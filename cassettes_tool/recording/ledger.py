"""The usage ledger: which tests used which cassettes in a pytest session.

Stored at ``.cassettes/usage.json`` next to ``pyproject.toml`` (docs/recording.md)::

    {
      "schema_version": 1,
      "tool": {"name": "cassettes", "version": "0.1.0"},
      "started_at": "...Z", "finished_at": "...Z",
      "complete": true,                 # no -k/-m/deselect, no collection errors, all workers
      "incomplete_reasons": [],         # e.g. ["-k was used", "worker gw1 did not report"]
      "cassettes": {
        "tests/cassettes/users.yaml": {  # relative to the ledger's project root
          "tests": ["tests/test_users.py::test_get"],
          "interactions": 3,              # interactions in the file when last used
          "played": [0, 2]                # indexes played at least once in this session
        }
      }
    }
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cassettes_tool.core.discovery import project_key
from cassettes_tool.core.jsonfile import document, read_json
from cassettes_tool.core.storage import (
    ensure_state_gitignore,
    sweep_stale_temp_files,
    write_json_atomic,
)
from cassettes_tool.errors import CassettesError

LEDGER_SCHEMA_VERSION = 1


@dataclass
class CassetteUsage:
    tests: list[str] = field(default_factory=list)
    interactions: int = 0
    played: list[int] = field(default_factory=list)


@dataclass
class Ledger:
    """A usage ledger in memory; ``root`` is the folder its paths are relative to."""

    root: Path
    complete: bool = True
    incomplete_reasons: list[str] = field(default_factory=list)
    started_at: str | None = None
    finished_at: str | None = None
    cassettes: dict[str, CassetteUsage] = field(default_factory=dict)

    def key(self, path: Path) -> str:
        """The ledger key of a cassette path (relative to the root, POSIX separators)."""
        return project_key(path, self.root)

    def usage(self, path: Path) -> CassetteUsage | None:
        return self.cassettes.get(self.key(path))

    def to_json(self) -> dict[str, Any]:
        return document(LEDGER_SCHEMA_VERSION, {
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "complete": self.complete,
            "incomplete_reasons": list(self.incomplete_reasons),
            "cassettes": {
                key: {"tests": sorted(set(u.tests)), "interactions": u.interactions, "played": sorted(set(u.played))}
                for key, u in sorted(self.cassettes.items())
            },
        })

    def save(self, path: Path) -> None:
        write_json_atomic(path, self.to_json())
        ensure_state_gitignore(path.parent)


def load_ledger(path: Path, root: Path | None = None) -> Ledger:
    """Read a ledger file; a malformed one raises a one-line :class:`CassettesError`."""
    # A writer killed while saving the ledger leaves its temporary file here; a command that
    # then has nothing to write (prune re-run after the kill) would never sweep it otherwise.
    sweep_stale_temp_files(path.parent)
    data = read_json(path, "usage ledger",
                     missing="no usage ledger; run the test suite with the cassettes plugin first",
                     fix="delete it and re-run the tests")
    if not isinstance(data, dict) or data.get("schema_version") != LEDGER_SCHEMA_VERSION:
        raise CassettesError(f"{path}: not a cassettes usage ledger (schema_version 1); delete it and re-run the tests")
    try:
        cassettes: dict[str, CassetteUsage] = {}
        for key, entry in (data.get("cassettes") or {}).items():
            if not isinstance(entry, dict):
                continue
            cassettes[str(key)] = CassetteUsage(
                tests=[str(t) for t in entry.get("tests", [])],
                interactions=int(entry.get("interactions", 0) or 0),
                played=[int(i) for i in entry.get("played", [])],
            )
        return Ledger(
            root=root or path.resolve().parent.parent,
            complete=bool(data.get("complete")),
            incomplete_reasons=[str(r) for r in data.get("incomplete_reasons", [])],
            started_at=data.get("started_at"),
            finished_at=data.get("finished_at"),
            cassettes=cassettes,
        )
    except (AttributeError, TypeError, ValueError, OverflowError) as exc:
        # A member of the wrong JSON type (found by tests/test_fuzz.py): one line, not a traceback.
        raise CassettesError(f"{path}: usage ledger is malformed ({exc}); delete it and re-run the tests") from None


def load_ledger_if_present(path: Path, root: Path | None = None) -> Ledger | None:
    return load_ledger(path, root) if path.is_file() else None
