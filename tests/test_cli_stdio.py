"""`-` for stdin and stdout wherever a command reads or writes a file; a missing input file is a
usage error (exit 2) in every command; `show --format json`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cassettes_tool.errors import ExitCode
from tests.helpers.cassettes import GOOD
from tests.helpers.cli import run_cli
from tests.helpers.reports import sample_report
from tests.helpers.variants import BY_NAME


@pytest.fixture()
def report_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "drift.json"
    path.write_text(sample_report().dumps())
    return path


def no_dash_file(folder: Path) -> None:
    assert not (folder / "-").exists(), "a file named - was written"


def test_report_reads_stdin_and_renders_what_it_renders_from_the_file(report_file: Path) -> None:
    from_file = run_cli(["report", str(report_file), "--format", "markdown"])
    from_stdin = run_cli(["report", "-", "--format", "markdown"], input=report_file.read_text())
    assert from_stdin.exit_code == from_file.exit_code == ExitCode.FINDINGS
    # the same page; its hints name the report file, which stdin has not: REPORT.json stands in
    assert from_stdin.stdout == from_file.stdout.replace(str(report_file), "REPORT.json") and from_stdin.stdout


def test_output_dash_is_stdout_and_no_file_named_dash(report_file: Path) -> None:
    result = run_cli(["report", str(report_file), "--format", "junit", "--output", "-"])
    assert result.stdout.startswith("<?xml")
    no_dash_file(report_file.parent)


def test_a_baseline_is_written_to_stdout_and_read_back_from_stdin(report_file: Path) -> None:
    written = run_cli(["report", str(report_file), "--write-baseline", "-"])
    assert written.exit_code == 0
    baseline = json.loads(written.stdout)
    assert baseline["fingerprints"]
    acknowledged = run_cli(["report", str(report_file), "--baseline", "-", "--format", "json"], input=written.stdout)
    # Every finding acknowledged: no drift exit; the sample's unreachable interaction stays incomplete.
    assert acknowledged.exit_code == ExitCode.INCOMPLETE, acknowledged.stderr
    findings = [f for c in json.loads(acknowledged.stdout)["cassettes"] for i in c["interactions"] for f in i["findings"]]
    assert findings and all(f["acknowledged"] for f in findings)
    no_dash_file(report_file.parent)
    both = run_cli(["report", "-", "--baseline", "-"], input=written.stdout)
    assert both.exit_code == ExitCode.USAGE and "stdin" in both.stderr


def test_merge_writes_to_stdout(report_file: Path) -> None:
    result = run_cli(["merge", str(report_file), "-o", "-"])
    assert result.exit_code == 0, result.stderr
    merged = json.loads(result.stdout)
    assert merged["summary"]["cassettes"] == json.loads(report_file.read_text())["summary"]["cassettes"]
    no_dash_file(report_file.parent)
    twice = run_cli(["merge", "-", "-", "-o", "-"], input=report_file.read_text())
    assert twice.exit_code == ExitCode.USAGE


def test_refresh_refuses_two_documents_on_stdout(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(GOOD)
    result = run_cli(["refresh", str(tmp_path / "c.yaml"), "--report", "-"])
    assert result.exit_code == ExitCode.USAGE
    assert "--output FILE" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_show_reads_a_cassette_from_stdin(tmp_path: Path) -> None:
    from_file = tmp_path / "c.yaml"
    from_file.write_text(GOOD)
    result = run_cli(["show", "-"], input=GOOD)
    assert result.exit_code == 0
    assert result.stdout.startswith("<stdin>: ")
    assert result.stdout.split("\n", 1)[1] == run_cli(["show", str(from_file)]).stdout.split("\n", 1)[1]


@pytest.mark.parametrize("args", [
    ["show", "{missing}"],
    ["show", "{missing}", "--format", "json"],
    ["report", "{missing}"],
    ["accept", "{missing}"],
    ["merge", "{missing}", "-o", "{out}"],
    ["report", "{good_report}", "--baseline", "{missing}"],
    ["diff", "{missing}", "{missing}"],
    ["list", "{missing}"],
    ["audit", "{missing}"],
    ["refresh", "{missing}"],
    ["prune", "{missing}", "--force"],
], ids=lambda a: " ".join(a[:3]))
def test_a_missing_input_file_is_a_usage_error_in_every_command(
        args: list[str], report_file: Path, tmp_path: Path) -> None:
    values = {"missing": str(tmp_path / "nope.yaml"), "out": str(tmp_path / "out.json"),
              "good_report": str(report_file)}
    result = run_cli([a.format(**values) for a in args])
    assert result.exit_code == ExitCode.USAGE, (result.exit_code, result.stderr)
    [error] = [line for line in result.stderr.splitlines() if line.startswith("cassettes: error:")]
    assert "nope.yaml" in error and "Traceback" not in result.stderr
    assert not (tmp_path / "out.json").exists()


def test_show_format_json_describes_every_body_kind() -> None:
    shown = run_cli(["show", str(BY_NAME["gzip_body.yaml"].path), "--format", "json"])
    assert shown.exit_code == 0
    document = json.loads(shown.stdout)
    assert document["schema_version"] == 1 and document["tool"]["name"] == "cassettes"
    assert document["variant"] == "vcrpy" and document["interaction_count"] == 1
    [entry] = document["interactions"]
    assert entry["index"] == 0 and entry["request"]["method"] == "GET"
    assert entry["request"]["body"] == {"kind": "empty", "size": 0, "media_type": None}
    body = entry["response"]["body"]
    assert body["kind"] == "json" and body["json"]["headers"] == {"Accept-Encoding": "gzip"}
    assert entry["response"]["headers"]["Content-Encoding"] == ["gzip"]
    binary = json.loads(run_cli(["show", str(BY_NAME["binary_body.yaml"].path), "--format", "json"]).stdout)
    summary = binary["interactions"][0]["response"]["body"]
    assert summary == {"kind": "binary", "size": 1024, "media_type": "application/x-netcdf",
                       "head": "00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f"}
    text = json.loads(run_cli(["show", str(BY_NAME["form_bodies.json"].path), "-i", "1", "--format", "json"]).stdout)
    [search] = text["interactions"]
    assert search["index"] == 1
    assert search["request"]["body"]["kind"] == "text" and search["request"]["body"]["text"] == "sr=python&limit=2"
    assert search["request"]["body"]["truncated"] is False
