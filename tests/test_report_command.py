"""`cassettes report REPORT.json`: re-rendering, --fail-on, exit codes, baselines."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from cassettes_tool.errors import ReportError
from cassettes_tool.review.baseline import load_baseline, write_baseline
from cassettes_tool.review.report import CassetteResult, InteractionResult, Report, load_report
from tests.helpers.cli import run_cli
from tests.helpers.reports import sample_report, write_json_cassette
from tests.helpers.server import LoopbackServer


@pytest.fixture()
def saved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "report.json"
    path.write_text(sample_report().dumps())
    return path


def drift_only(severity: str) -> Report:
    from cassettes_tool.review.report import Finding

    finding = Finding("abcdefabcdef", severity, "field_added", "body", "$.x", None, "string", "field $.x is new")
    return Report("2026-11-24T03:00:00Z", "2026-11-24T03:00:01Z", [CassetteResult("c.yaml", "drift", interactions=[
        InteractionResult(0, "GET", "https://api.example.com/x", "drift", findings=[finding])])])


@pytest.mark.parametrize(("fail_on", "code"), [("breaking", 1), ("warning", 1), ("never", 3)])
def test_exit_code_follows_fail_on(saved: Path, fail_on: str, code: int) -> None:
    result = run_cli(["report", str(saved), "--fail-on", fail_on])
    assert result.exit_code == code
    assert result.stdout.rstrip().endswith(f"(exit {code})")


def test_fail_on_defaults_to_the_configured_level(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "r.json").write_text(drift_only("warning").dumps())
    result = run_cli(["report", "r.json"])
    assert result.exit_code == 0  # default breaking
    (tmp_path / "pyproject.toml").write_text('[tool.cassettes.refresh]\nfail_on = "warning"\n')
    result = run_cli(["report", "r.json"])
    assert result.exit_code == 1
    result = run_cli(["report", "r.json", "--fail-on", "never"])
    assert result.exit_code == 0


@pytest.mark.parametrize("fmt", ["text", "markdown", "json", "junit", "html"])
def test_every_format_renders_to_stdout_or_a_file(saved: Path, fmt: str, tmp_path: Path) -> None:
    result = run_cli(["report", str(saved), "--format", fmt])
    assert result.exit_code == 1
    printed = result.stdout
    out = tmp_path / f"out.{fmt}"
    result = run_cli(["report", str(saved), "--format", fmt, "--output", str(out)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"wrote {fmt} report to {out}" in result.stderr
    assert out.read_text() == printed
    if fmt == "json":
        assert json.loads(printed) == json.loads(saved.read_text())
    if fmt == "junit":
        assert ET.fromstring(printed).get("failures") == "1"


def test_the_html_of_a_saved_report_reads_the_recorded_side_from_the_cassettes(
        saved: Path) -> None:
    result = run_cli(["report", str(saved), "--format", "html"])
    assert result.exit_code == 1
    assert "Recorded side: cassette file not found." in result.stdout


@pytest.mark.parametrize(("content", "message"), [
    ('{"schema_version": 2, "cassettes": []}', "drift report schema_version 2 is not supported"),
    ("[1, 2]", "not a drift report (top level is not an object)"),
    ('{"schema_version": 1, "started_at": "x", "finished_at": "y"}', "malformed drift report (missing 'cassettes')"),
    ("{oops", "line 1: drift report is not valid JSON"),
    (b"\xff\xfe{}", "drift report is not UTF-8 text (byte 0)"),
    ("[" * 100_000 + "]" * 100_000, "drift report is not usable JSON"),
])
def test_a_bad_report_is_one_line_and_exit_2(tmp_path: Path, content: str | bytes, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = run_cli(["report", str(path)])
    assert result.exit_code == 2
    err = result.stderr
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_a_missing_report_is_a_clear_error(tmp_path: Path) -> None:
    result = run_cli(["report", str(tmp_path / "nope.json")])
    assert result.exit_code == 2
    assert "nope.json: no such report file" in result.stderr


def test_write_baseline_then_baseline_acknowledges_every_finding(saved: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    result = run_cli(["report", str(saved), "--write-baseline", str(baseline)])
    assert result.exit_code == 0
    assert "4 acknowledged fingerprint(s)" in result.stderr
    document = json.loads(baseline.read_text())
    assert document["schema_version"] == 1
    assert document["fingerprints"] == ["0badc0ffee00", "3f9a0c1d2b4e", "a1b2c3d4e5f6", "c0ffee123456"]
    assert {f["fingerprint"] for f in document["findings"]} == set(document["fingerprints"])
    assert load_baseline(baseline) == set(document["fingerprints"])
    # acknowledged drift no longer fails; the interaction that could not be checked still makes it 3
    result = run_cli(["report", str(saved), "--baseline", str(baseline), "--fail-on", "info"])
    assert result.exit_code == 3
    out = result.stdout
    assert "findings: 4 acknowledged;" in " ".join(out.split())
    assert "INCOMPLETE" in out


def test_a_baseline_covers_only_its_fingerprints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    report = drift_only("breaking")
    (tmp_path / "r.json").write_text(report.dumps())
    write_baseline(tmp_path / "b.json", report)
    result = run_cli(["report", "r.json"])
    assert result.exit_code == 1
    result = run_cli(["report", "r.json", "--baseline", "b.json"])
    assert result.exit_code == 0
    other = json.loads((tmp_path / "b.json").read_text())
    other["fingerprints"] = ["000000000000"]
    (tmp_path / "b.json").write_text(json.dumps(other))
    result = run_cli(["report", "r.json", "--baseline", "b.json"])
    assert result.exit_code == 1


@pytest.mark.parametrize(("content", "message"), [
    ('{"schema_version": 1, "fingerprints": ["XYZ"]}', "baseline fingerprint 'XYZ' is not 12 lower-case hex"),
    ('{"schema_version": 9, "fingerprints": []}', "baseline schema_version 9 is not supported"),
    ('["abcdefabcdef"]', "not a cassettes baseline"),
    ("nope", "baseline is not valid JSON"),
])
def test_a_bad_baseline_is_a_one_line_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(content)
    with pytest.raises(ReportError, match=message.replace("(", r"\(")):
        load_baseline(path)


def test_a_missing_baseline_says_how_to_write_one(saved: Path) -> None:
    result = run_cli(["report", str(saved), "--baseline", "none.json"])
    assert result.exit_code == 2
    assert "none.json: no such baseline file (write one with `cassettes report REPORT.json --write-baseline" in \
        result.stderr


def test_refresh_baseline_written_by_report_acknowledges_the_nightly_drift(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loopback_server: LoopbackServer) -> None:
    monkeypatch.chdir(tmp_path)
    write_json_cassette(tmp_path / "cassettes/u.yaml", [("GET", "https://api.example.com/u/1", {"id": 1, "zip": "x"})])
    loopback_server.route("GET", "/u/1", json={"id": 1})
    refresh = ["refresh", "--rewrite-host", f"api.example.com={loopback_server.base_url}", "--retries", "0",
               "cassettes"]
    result = run_cli([*refresh, "--report", "night1.json"])
    assert result.exit_code == 1
    result = run_cli(["report", "night1.json", "--write-baseline", "baseline.json"])
    assert result.exit_code == 0
    result = run_cli([*refresh, "--baseline", "baseline.json", "--report", "night2.json"])
    assert result.exit_code == 0
    night2 = load_report(Path("night2.json"))
    assert [f.acknowledged for f in night2.findings()] == [True]
    result = run_cli(["report", "night2.json", "--format", "markdown"])
    assert result.exit_code == 0
    assert "| 1 | 1 | 0 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |" in result.stdout
