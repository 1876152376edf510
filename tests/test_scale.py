"""Scale: many small cassettes and a few 2 MB ones through list, prune, audit and refresh --dry-run.

These tests check *correctness* at size (every file listed, exactly the unused ones pruned,
exactly the planted secrets found and scrubbed, every interaction planned); speed and memory
are measured by ``benchmarks/scale.py`` (figures in docs/benchmarks.md). The default run uses
300 small files and two large ones; ``pytest -m slow`` runs 5,000 small files and four large.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from cassettes_tool.core.reader import load_cassette
from tests.helpers.cli import run_cli_process
from tests.helpers.projects import SECRET_TOKEN, Project, large_project, small_project


def cassettes(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    """The real CLI in the project folder (its pyproject.toml and ledger apply)."""
    return run_cli_process(args, cwd=project.root, env={**os.environ, "NO_COLOR": "1"}, timeout=900)


def rel(project: Project, path: Path) -> str:
    return path.relative_to(project.root).as_posix()


def check_everything_at_scale(project: Project) -> None:
    before = {p: p.read_bytes() for p in project.cassettes}

    listed = cassettes(project, "list", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    rows = {row["path"]: row for row in json.loads(listed.stdout)}
    assert set(rows) == {rel(project, p) for p in project.cassettes}
    assert sum(row["interactions"] for row in rows.values()) == project.interactions
    assert all(row["error"] is None and row["used_by"] is not None for row in rows.values()
               if Path(project.root / row["path"]) in project.used)

    planned = cassettes(project, "refresh", "--dry-run")
    assert planned.returncode == 0, planned.stderr
    assert f"dry run: {project.interactions} interaction(s) would be sent" in planned.stdout
    assert f"in {len(project.cassettes)} cassette(s); nothing was sent" in planned.stdout

    audited = cassettes(project, "audit", "--format", "json")
    assert audited.returncode == 1, audited.stderr
    found = json.loads(audited.stdout)
    flagged = {f["path"] for f in found["files"] if f.get("findings")}
    assert flagged == {rel(project, p) for p in project.with_secrets}
    assert SECRET_TOKEN not in audited.stdout  # findings are masked

    pruned = cassettes(project, "prune", "--format", "json")
    assert pruned.returncode == 0, pruned.stderr
    plan = json.loads(pruned.stdout)
    assert {r["path"] for r in plan["cassettes"] if r["unused"]} == {rel(project, p) for p in project.unused}
    assert all(p.read_bytes() == before[p] for p in project.cassettes), "a dry run or a check wrote a file"

    deleted = cassettes(project, "prune", "--delete", "--format", "json")
    assert deleted.returncode == 0, deleted.stderr
    assert {p for p in project.cassettes if p.exists()} == project.used

    # Scrub after pruning: prune rightly keeps cassettes written after the ledger's run.
    fixed = cassettes(project, "audit", "--fix", "--format", "json")
    assert fixed.returncode in (0, 1), fixed.stderr
    again = cassettes(project, "audit", "--format", "json")
    assert again.returncode == 0, again.stdout[-2000:]
    for path in project.used:
        if path in project.with_secrets:
            assert SECRET_TOKEN.encode() not in path.read_bytes()
            assert len(load_cassette(path)) == project.counts[path]
        else:
            assert path.read_bytes() == before[path]
    assert not list(project.folder.rglob(".cassettes-tmp-*"))


def test_a_folder_of_300_small_cassettes_is_listed_planned_audited_and_pruned_exactly(tmp_path: Path) -> None:
    check_everything_at_scale(small_project(tmp_path, 300))


def test_a_folder_of_2mb_cassettes_is_listed_planned_audited_and_pruned_exactly(tmp_path: Path) -> None:
    check_everything_at_scale(large_project(tmp_path, 2))


@pytest.mark.slow
def test_slow_a_folder_of_5000_small_cassettes_is_handled_exactly(tmp_path: Path) -> None:
    check_everything_at_scale(small_project(tmp_path, 5000))


@pytest.mark.slow
def test_slow_four_2mb_cassettes_are_handled_exactly(tmp_path: Path) -> None:
    check_everything_at_scale(large_project(tmp_path, 4))
