"""What the audit could not read or rewrite is said, never skipped silently: big bodies, symbolic links."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cassettes_tool.housekeeping.audit import scan
from tests.helpers.cassettes import interaction, write_cassette
from tests.helpers.cli import run_cli

TOKEN = "Zq7Lm2Xr9Vk4Nb1Wc8Tf5Hs3Pd6Gy0Aj"


def _leaky(path: Path) -> Path:
    return write_cassette(path, [interaction("GET", f"https://api.test/a?access_token={TOKEN}", {"ok": True})])


def test_a_body_above_the_scan_limit_is_reported_as_not_fully_scanned_with_the_limit_named(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan, "MAX_SCANNED_BODY", 1024 * 1024)
    big = {"items": ["x" * 100] * 20_000}
    write_cassette(tmp_path / "big.yaml", [interaction("GET", "https://api.test/big", big)])
    result = run_cli(["audit", str(tmp_path)])
    assert "big.yaml: interaction 0: response.body" in result.stdout
    assert "not fully scanned: above the 1 MB scan limit" in result.stdout
    as_json = json.loads(run_cli(["audit", str(tmp_path), "--format", "json"]).stdout)
    assert "1 MB scan limit" in as_json["files"][0]["not_fully_scanned"][0]


def test_fix_never_replaces_a_symbolic_link_with_a_copy_and_says_why(tmp_path: Path) -> None:
    real = _leaky(tmp_path / "elsewhere" / "real.yaml")
    folder = tmp_path / "cassettes"
    folder.mkdir()
    link = folder / "linked.yaml"
    link.symlink_to(real)
    before = real.read_bytes()
    result = run_cli(["audit", str(folder), "--fix"])
    assert result.exit_code == 1
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() == before
    assert f"linked.yaml is a symbolic link to {real}; run audit --fix on the file it points to" in result.stdout


def test_a_linked_folder_is_named_as_not_scanned(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    _leaky(outside / "secret.yaml")
    folder = tmp_path / "cassettes"
    _leaky(folder / "own.yaml")
    (folder / "shared").symlink_to(outside, target_is_directory=True)
    result = run_cli(["audit", str(folder)])
    assert "shared: a symbolic link to a folder, not scanned" in result.stdout
    assert "own.yaml" in result.stdout and "secret.yaml" not in result.stdout
