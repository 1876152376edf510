"""Build large cassette projects for the scale tests and ``benchmarks/scale.py``.

A project is a folder with ``pyproject.toml`` (``cassette_dir = "cassettes"``), an empty
``tests/`` folder, the cassettes, and a complete usage ledger that marks every even-numbered
cassette as used. Every tenth cassette holds a planted credential (an ``Authorization`` header
and an ``api_key`` query value) for ``audit``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from cassettes_tool.core.cassette import Cassette, Interaction, Request, Response
from cassettes_tool.core.storage import now_iso, serialize_document
from cassettes_tool.recording.ledger import CassetteUsage, Ledger

SECRET_TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"


@dataclass
class Project:
    root: Path
    cassettes: list[Path] = field(default_factory=list)
    used: set[Path] = field(default_factory=set)
    with_secrets: set[Path] = field(default_factory=set)
    interactions: int = 0
    counts: dict[Path, int] = field(default_factory=dict)

    @property
    def folder(self) -> Path:
        return self.root / "cassettes"

    @property
    def unused(self) -> set[Path]:
        return set(self.cassettes) - self.used


def _interaction(host: str, index: int, body: bytes, *, secret: bool) -> Interaction:
    headers = {"Accept": ["application/json"]}
    uri = f"https://{host}/items/{index}"
    if secret:
        headers["Authorization"] = [f"Bearer {SECRET_TOKEN}"]
        uri += f"?api_key={SECRET_TOKEN}"
    return Interaction(
        request=Request(method="GET", uri=uri, headers=headers, body=None),
        response=Response(status=200, reason="OK", headers={"Content-Type": ["application/json"]}, body=body),
    )


def _write(project: Project, name: str, interactions: list[Interaction], *, used: bool, secret: bool) -> None:
    path = project.folder / name[:2] / name
    path.parent.mkdir(parents=True, exist_ok=True)
    cassette = Cassette(path=path, format="yaml", interactions=interactions,
                        metadata={"recorded_at": "2026-01-01T00:00:00Z"})
    path.write_bytes(serialize_document(cassette.to_document(), "yaml"))
    project.cassettes.append(path)
    project.interactions += len(interactions)
    project.counts[path] = len(interactions)
    if used:
        project.used.add(path)
    if secret:
        project.with_secrets.add(path)


def _finish(project: Project) -> Project:
    (project.root / "pyproject.toml").write_text('[tool.cassettes]\ncassette_dir = "cassettes"\n')
    (project.root / "tests").mkdir(exist_ok=True)
    ledger = Ledger(root=project.root, complete=True, started_at=now_iso(), finished_at=now_iso())
    for path in sorted(project.used):
        ledger.cassettes[ledger.key(path)] = CassetteUsage(tests=[f"tests/test_x.py::test_{path.stem}"],
                                                           interactions=project.counts[path],
                                                           played=list(range(project.counts[path])))
    ledger.save(project.root / ".cassettes" / "usage.json")
    return project


def small_project(root: Path, count: int) -> Project:
    """``count`` cassettes of two small interactions each (about 1 KB)."""
    project = Project(root=root)
    for i in range(count):
        body = json.dumps({"id": i, "name": f"item {i}", "tags": ["a", "b"], "price": 9.5}).encode()
        secret = i % 10 == 3
        interactions = [_interaction(f"api{i % 3}.example.com", i, body, secret=secret),
                        _interaction(f"api{i % 3}.example.com", i + 1, body, secret=False)]
        _write(project, f"c{i:05d}.yaml", interactions, used=i % 2 == 0, secret=secret)
    return _finish(project)


def large_project(root: Path, count: int, size: int = 2 * 1024 * 1024) -> Project:
    """``count`` cassettes of about ``size`` bytes: half one huge body, half many small bodies."""
    project = Project(root=root)
    for i in range(count):
        if i % 2 == 0:
            item = {"id": 1, "name": "x" * 100, "tags": ["a", "b"]}
            body = json.dumps({"items": [item] * (size // 140)}).encode()
            interactions = [_interaction("api.example.com", i, body, secret=False)]
        else:
            body = json.dumps({"id": 1, "text": "y" * 4000}).encode()
            interactions = [_interaction("api.example.com", j, body, secret=j == 0) for j in range(size // 4300)]
        _write(project, f"big{i:03d}.yaml", interactions, used=i % 4 < 2, secret=i % 2 == 1)
    return _finish(project)
