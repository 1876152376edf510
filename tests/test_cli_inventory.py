"""`cassettes list` and `cassettes show` as users run them."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cassettes_tool.cli import cli
from cassettes_tool.recording.ledger import CassetteUsage, Ledger
from tests.helpers.cassettes import GOOD
from tests.helpers.cli import run_cli
from tests.helpers.corpus import CORPUS
from tests.helpers.variants import BY_NAME


def make_tree(root: Path) -> Path:
    folder = root / "tests" / "cassettes"
    (folder / "users").mkdir(parents=True)
    (folder / "users" / "get.yaml").write_text(GOOD)
    old = folder / "old.yaml"
    old.write_text(GOOD.replace("version: 1", "metadata:\n  recorded_at: '2020-01-01T00:00:00Z'\nversion: 1"))
    (folder / "notes.txt").write_text("not a cassette")
    (root / "pyproject.toml").write_text('[tool.cassettes]\ncassette_dir = "tests/cassettes"\n')
    return folder


def test_list_defaults_to_the_configured_folder_and_prints_a_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = run_cli(["list"])
    assert result.exit_code == 0, result.output
    assert "tests/cassettes/users/get.yaml" in result.stdout
    assert "notes.txt" not in result.stdout
    assert "2 cassette(s), 2 interaction(s), 0 unreadable" in result.stdout


def test_list_json_has_the_spec_fields_and_older_than_filters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = make_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    rows = json.loads(run_cli(["list", "--format", "json"]).stdout)
    by_name = {Path(r["path"]).name: r for r in rows}
    old = by_name["old.yaml"]
    assert old["recorded_at"] == "2020-01-01T00:00:00Z" and old["age_days"] > 365
    assert old["format"] == "yaml" and old["size"] == (folder / "old.yaml").stat().st_size
    assert old["used_by"] is None  # no ledger yet
    older = json.loads(run_cli(["list", "--format", "json", "--older-than", "365d"]).stdout)
    assert [Path(r["path"]).name for r in older] == ["old.yaml"]


def test_list_fills_used_by_from_the_usage_ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = make_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    ledger = Ledger(root=tmp_path)
    ledger.cassettes[ledger.key(folder / "users" / "get.yaml")] = CassetteUsage(["tests/test_u.py::test_get"], 1, [0])
    ledger.save(tmp_path / ".cassettes" / "usage.json")
    rows = {Path(r["path"]).name: r for r in json.loads(run_cli(["list", "--format", "json"]).stdout)}
    assert rows["get.yaml"]["used_by"] == ["tests/test_u.py::test_get"]
    assert rows["old.yaml"]["used_by"] == []


def test_a_file_named_as_an_argument_is_listed_whatever_its_name(tmp_path: Path) -> None:
    odd = tmp_path / "recording.txt"
    odd.write_text(GOOD)
    rows = json.loads(run_cli(["list", "--format", "json", str(odd)]).stdout)
    assert len(rows) == 1 and rows[0]["interactions"] == 1


def test_json_files_cassettes_wrote_into_the_folder_are_not_taken_for_cassettes(tmp_path: Path) -> None:
    # `refresh --report tests/cassettes/drift.json` is a natural thing to write; the next scan
    # must not list that report (nor refresh or audit it: they share the scan).
    folder = make_tree(tmp_path)
    (folder / "broken.json").write_text('{"interactions": [')  # a real (damaged) cassette: still listed
    report = folder / "drift.json"
    result = run_cli(["diff", str(folder / "old.yaml"), str(folder / "users" / "get.yaml"),
                                 "--format", "json", "--output", str(report)])
    assert result.exit_code == 0, result.output
    assert report.read_text().startswith('{\n  "schema_version"')
    audit = folder / "audit.json"
    audit.write_text(run_cli(["audit", str(folder / "old.yaml"), "--format", "json"]).stdout)
    rows = json.loads(run_cli(["list", "--format", "json", str(folder)]).stdout)
    assert sorted(Path(r["path"]).name for r in rows) == ["broken.json", "get.yaml", "old.yaml"]
    # Named as an argument, a file is still read, whatever it is: one line says what is wrong.
    [row] = json.loads(run_cli(["list", "--format", "json", str(report)]).stdout)
    assert "interactions" in row["error"] and "\n" not in row["error"]


def test_age_falls_back_to_git_then_mtime(tmp_path: Path) -> None:
    from cassettes_tool.core.age import clear_caches, recorded_at

    folder = make_tree(tmp_path)
    path = folder / "users" / "get.yaml"
    past = time.time() - 10 * 86400
    os.utime(path, (past, past))
    clear_caches()
    when, source = recorded_at(None, path)
    assert source == "mtime" and when is not None and abs(when.timestamp() - past) < 2
    env = {**os.environ, "GIT_AUTHOR_DATE": "2021-05-05T00:00:00Z", "GIT_COMMITTER_DATE": "2021-05-05T00:00:00Z",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "x"]):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, env=env)
    clear_caches()
    when, source = recorded_at(None, path)
    assert source == "git" and when is not None and when.year == 2021


def check_show_decodes_gzip_and_summarises_binary(gzipped: Path, binary_path: Path, index: str) -> None:
    result = run_cli(["show", str(gzipped)])
    assert result.exit_code == 0
    assert '"Accept-Encoding"' in result.stdout or "Accept-Encoding" in result.stdout  # decoded JSON body
    assert "\\x1f" not in result.stdout
    binary = run_cli(["show", str(binary_path), "-i", index])
    assert binary.exit_code == 0
    assert "(binary body:" in binary.stdout and "application/x-netcdf" in binary.stdout
    assert len(binary.stdout) < 5000


def test_show_pretty_prints_decoded_bodies_and_summarises_binary() -> None:
    check_show_decodes_gzip_and_summarises_binary(
        BY_NAME["gzip_body.yaml"].path, BY_NAME["binary_body.yaml"].path, "0")


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS}")
def test_show_pretty_prints_decoded_bodies_and_summarises_binary_in_real_cassettes() -> None:
    check_show_decodes_gzip_and_summarises_binary(
        CORPUS / "kevin1024__vcrpy" / "gzip_requests.yaml", CORPUS / "Unidata__siphon" / "ncss_gfs_netcdf_point", "1")


def test_show_of_a_gzip_body_written_by_us_is_decoded(tmp_path: Path) -> None:
    body = gzip.compress(b'{"hello": "world"}')
    path = tmp_path / "g.yaml"
    import yaml

    path.write_text(yaml.safe_dump({"version": 1, "interactions": [{
        "request": {"method": "GET", "uri": "http://h/x", "body": None, "headers": {}},
        "response": {"status": {"code": 200, "message": "OK"},
                     "headers": {"Content-Encoding": ["gzip"], "Content-Type": ["application/json"]},
                     "body": {"string": body}}}]}))
    result = run_cli(["show", str(path)])
    assert '"hello": "world"' in result.stdout


def test_show_rejects_an_interaction_out_of_range_with_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(GOOD)
    result = run_cli(["show", str(path), "--interaction", "5"])
    assert result.exit_code == 2 and "has 1 interaction" in result.output


def test_console_script_and_module_entry_points_work(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(GOOD)
    script = Path(sys.executable).with_name("cassettes")
    for command in ([str(script)], [sys.executable, "-m", "cassettes_tool"]):
        done = subprocess.run([*command, "list", "--format", "json", str(path)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)[0]["interactions"] == 1
        bad = subprocess.run([*command, "show", str(tmp_path / "missing.yaml")], capture_output=True, text=True, timeout=60)
        # A missing input file is a usage error (exit 2) in every command.
        assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


def test_every_command_has_help() -> None:
    for name in cli.commands:
        result = run_cli([name, "--help"])
        assert result.exit_code == 0, name
        assert "Usage:" in result.output and len(result.output.splitlines()) > 3


@pytest.mark.parametrize("command", [["list"], ["audit"], ["refresh", "--dry-run"]], ids=["list", "audit", "refresh"])
def test_ordinary_json_fixtures_beside_the_cassettes_are_skipped_with_a_count(
    tmp_path: Path, command: list[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.cassettes]\ncassette_dir = "tests/fixtures"\n')
    fixtures = tmp_path / "tests" / "fixtures"
    fixtures.mkdir(parents=True)
    (fixtures / "users.yaml").write_text(GOOD)
    (fixtures / "user.json").write_text(json.dumps({"id": 1, "name": "Ada", "token_type": "bearer"}))
    (fixtures / "list.json").write_text(json.dumps([{"id": 1}, {"id": 2}]))
    as_json = {"interactions": [], "version": 1}
    (fixtures / "recorded.json").write_text(json.dumps(as_json))
    result = run_cli(command, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "skipped 2 JSON file(s) that are not cassettes" in result.stderr
    assert "user.json" not in result.stdout and "list.json" not in result.stdout
    if command == ["list"]:
        assert "recorded.json" in result.stdout and "users.yaml" in result.stdout
