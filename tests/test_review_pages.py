"""What a reviewer reads tells the truth at a glance: verdicts, hints, layouts, SARIF, JUnit, Ctrl-C.

The generated workflow's rendering steps are run as written; SARIF is validated against the
OASIS schema (tests/schemas/); a refresh is interrupted for real with SIGINT.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from cassettes_tool.review.render import render_report
from cassettes_tool.review.render.junit import classname
from cassettes_tool.review.render.sarif import interaction_lines
from cassettes_tool.review.report import (
    CassetteResult,
    Finding,
    InteractionResult,
    Report,
    load_report,
)
from cassettes_tool.setup.ci_workflow import WorkflowOptions, render_workflow
from tests.helpers.cassettes import interaction, write_cassette
from tests.helpers.cli import run_cli
from tests.helpers.reports import sample_report, write_json_cassette
from tests.helpers.server import LoopbackServer

SCHEMAS = Path(__file__).parent / "schemas"
HOST = "api.example.com"


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.cassettes]\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def breaking_report(path: str = "tests/cassettes/users.yaml") -> Report:
    """Breaking drift and nothing else: no error, so only the verdict rule keeps it from 'passed'."""
    finding = Finding("3f9a0c1d2b4e", "breaking", "field_removed", "body", "$.zip", "string", None,
                      "field $.zip (string) is gone")
    return Report("2026-11-24T03:00:00Z", "2026-11-24T03:00:42Z", [CassetteResult(path, "drift", sha256="0" * 64,
                  interactions=[InteractionResult(0, "GET", "https://api.example.com/users/1", "drift",
                                                  recorded={"status": 200, "content_type": "application/json"},
                                                  findings=[finding])])])


def visible(page: str) -> str:
    """What a reader sees of a page: no <style> or <script> blocks, no tags or class names."""
    page = re.sub(r"<(style|script)\b.*?</\1>", "", page, flags=re.DOTALL)
    return re.sub(r"<[^>]*>", " ", page)


# --- the verdict ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "sarif"])
def test_fail_on_never_changes_the_exit_code_but_breaking_drift_is_still_rendered_failed(project: Path, fmt: str) -> None:
    (project / "r.json").write_text(breaking_report().dumps())
    result = run_cli(["report", "r.json", "--format", fmt, "--fail-on", "never"])
    assert result.exit_code == 0, result.output
    assert "passed" not in visible(result.stdout).lower()
    if fmt == "text":
        assert result.stdout.rstrip().endswith("FAILED: 1 finding(s) at or above fail-on breaking (exit 0)")
    if fmt == "markdown":
        assert result.stdout.startswith("## ❌ cassettes drift report: failed\n")
    if fmt == "html":
        assert 'id="verdict">failed</span>' in result.stdout
    if fmt == "sarif":
        assert json.loads(result.stdout)["runs"][0]["invocations"][0]["properties"]["verdict"] == "failed"


def test_a_configured_fail_on_never_still_does_not_call_breaking_drift_passed(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.cassettes.refresh]\nfail_on = "never"\n')
    (project / "r.json").write_text(breaking_report().dumps())
    result = run_cli(["report", "r.json", "--format", "markdown"])
    assert result.exit_code == 0
    assert "passed" not in result.stdout and result.stdout.startswith("## ❌ cassettes drift report: drift\n")
    assert "1 breaking finding(s), not failing because fail-on is never" in result.stdout


def test_a_stricter_fail_on_on_the_command_line_is_the_verdict_too(project: Path) -> None:
    report = sample_report()
    (project / "r.json").write_text(report.dumps())
    result = run_cli(["report", "r.json", "--fail-on", "warning"])
    assert result.exit_code == 1
    assert result.stdout.rstrip().endswith("FAILED: 2 finding(s) at or above fail-on warning (exit 1)")


def _workflow_steps(options: WorkflowOptions) -> list[tuple[str, str, str]]:
    """(job, step name, run) of every step of the generated workflow, in order."""
    flow = yaml.safe_load(render_workflow(options))
    return [(job_name, step.get("name", ""), step["run"]) for job_name, job in flow["jobs"].items()
            for step in job["steps"] if "run" in step]


def _run_step(command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # GitHub runs `run:` with `bash -e {0}` when no shell is named.
    return subprocess.run(["bash", "-e", "-c", command], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120, check=False)


@pytest.mark.parametrize("shards", [1, 3])
def test_the_generated_workflows_rendering_steps_run_as_written_and_no_page_says_passed(
        tmp_path: Path, shards: int) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.cassettes]\n")
    temp = tmp_path / "runner-temp"
    (temp / "cassettes").mkdir(parents=True)
    for where in (tmp_path / "cassettes-report.json", temp / "cassettes" / "cassettes-report.json"):
        where.write_text(breaking_report().dumps())
    summary = tmp_path / "step-summary.md"
    env = {**os.environ, "GITHUB_STEP_SUMMARY": str(summary), "NO_COLOR": "1",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    steps = _workflow_steps(WorkflowOptions(shards=shards, pr_job=True))
    rendering = [(job, name, run.replace("${{ runner.temp }}", str(temp))) for job, name, run in steps
                 if run.startswith("cassettes report")]
    names = {name for _, name, _ in rendering}
    assert {"HTML report", "Drift summary", "Pull request body"} <= names
    for job, name, command in rendering:
        result = _run_step(command, tmp_path, env)
        if name == "Verdict":
            assert result.returncode == 1, (name, result.stderr)  # the one step that turns the run red
        else:
            assert result.returncode == 0, (job, name, command, result.stderr)
    pages = {"summary": summary.read_text(), "html": (tmp_path / "cassettes-report.html").read_text(),
             "body": (temp / "cassettes" / "body.md").read_text()}
    for page, text in pages.items():
        assert "passed" not in visible(text).lower(), page
    assert pages["summary"].startswith("## ❌ cassettes drift report: failed")
    assert pages["body"].startswith("## ❌ cassettes drift report: failed")
    assert 'id="verdict">failed</span>' in pages["html"]
    if shards > 1:
        junit = ET.parse(tmp_path / "cassettes-junit.xml").getroot()
        assert junit.get("failures") == "1"


# --- stderr and the report agree -----------------------------------------------------------------


def test_the_stderr_summary_and_the_report_count_the_same_with_a_baseline(
        project: Path, loopback_server: LoopbackServer) -> None:
    write_json_cassette(project / "cassettes" / "users.yaml", [
        ("GET", f"https://{HOST}/users/{n}", {"id": n, "zip": "1000", "city": "Bern"}) for n in range(3)])
    for n in range(3):
        loopback_server.route("GET", f"/users/{n}", json={"id": n, "city": "Bern"})  # zip gone: breaking
    base = ["refresh", "cassettes", "--rewrite-host", f"{HOST}={loopback_server.base_url}", "--retries", "0"]
    first = run_cli([*base, "--report", "r.json"])
    assert first.exit_code == 1
    report = load_report(project / "r.json")
    fingerprints = sorted({f.fingerprint for f in report.findings()})
    assert len(report.findings()) == 3 and len(fingerprints) >= 1
    (project / "baseline.json").write_text(json.dumps({"schema_version": 1, "fingerprints": fingerprints[:1]}))
    result = run_cli([*base, "--baseline", "baseline.json"])
    line = next(x for x in result.stderr.splitlines() if x.startswith("refresh:"))
    acked = sum(1 for f in report.findings() if f.fingerprint in fingerprints[:1])
    open_breaking = 3 - acked
    assert f"findings {open_breaking} breaking, 0 warning, 0 info, {acked} acknowledged" in line
    summary = next(x for x in result.stdout.splitlines() if "findings:" in x)
    assert (f"findings: {open_breaking} breaking, {acked} acknowledged" if open_breaking
            else f"findings: {acked} acknowledged") in summary


# --- audit ---------------------------------------------------------------------------------------


def test_audit_of_a_path_without_cassettes_exits_2_like_refresh(project: Path) -> None:
    (project / "empty").mkdir()
    for command in (["audit", "empty"], ["refresh", "empty"]):
        result = run_cli(command)
        assert result.exit_code == 2, (command, result.output)
        assert result.stderr.startswith("cassettes: error: no cassettes found under empty")
        assert "Traceback" not in result.output


# --- text layout ---------------------------------------------------------------------------------


def long_path_report() -> Report:
    folder = "/".join(f"a-rather-long-folder-name-{n}" for n in range(6))
    report = breaking_report(f"tests/cassettes/{folder}/the-users-endpoint-with-a-long-name.yaml")
    report.cassettes[0].interactions[0].findings[0] = Finding(
        "abcdef012345", "breaking", "field_removed", "body", "$.data.attributes.shipping_address.postal_code",
        "string", None, "gone")
    return report


def test_a_long_path_report_rendered_to_a_file_keeps_every_path_and_fingerprint_on_one_line(project: Path) -> None:
    report = long_path_report()
    (project / "r.json").write_text(report.dumps())
    result = run_cli(["report", "r.json", "--output", "out.txt"])
    assert result.exit_code == 1
    text = (project / "out.txt").read_text()
    cassette = report.cassettes[0]
    finding = cassette.interactions[0].findings[0]
    assert any(line.split()[1:2] == [cassette.path] for line in text.splitlines())
    [line] = [x for x in text.splitlines() if finding.fingerprint in x]
    # one line per finding: severity, kind, path (once), recorded → live, fingerprint
    assert line.split() == ["breaking", "field_removed", finding.path, "string", "→", "-", finding.fingerprint]
    assert text.count(finding.path or "") == 1
    assert max(len(x) for x in text.splitlines()) > 80  # nothing was wrapped at 80 columns off a terminal


def test_on_a_narrow_terminal_a_finding_continues_at_a_field_boundary_never_inside_a_path() -> None:
    report = long_path_report()
    finding = report.cassettes[0].interactions[0].findings[0]
    text = render_report(report, "text", fail_on="breaking", width=60)
    words = text.split()
    assert finding.path in words and finding.fingerprint in words and report.cassettes[0].path in words


def test_interactions_are_listed_in_index_order_within_a_cassette() -> None:
    report = sample_report()
    text = render_report(report, "text", fail_on="breaking", width=None)
    users = text.split("tests/cassettes/users/get_user.yaml", 1)[1].split("DRIFT", 1)[0]
    assert users.index("#0 GET") < users.index("#1 GET")
    report.cassettes[1].interactions.reverse()  # the error (#1) first in the report: still #0 first
    users = render_report(report, "text", fail_on="breaking").split("get_user.yaml", 1)[1]
    assert users.index("#0 GET") < users.index("#1 GET")


def test_next_step_hints_name_the_real_report_and_fit_the_command(project: Path) -> None:
    (project / "reports").mkdir()
    (project / "reports" / "night 1.json").write_text(sample_report().dumps())
    result = run_cli(["report", "reports/night 1.json"])
    assert "REPORT.json" not in result.stdout
    assert "Next: cassettes accept 'reports/night 1.json' writes the live responses" in " ".join(result.stdout.split())
    html = run_cli(["report", "reports/night 1.json", "--format", "html"]).stdout
    assert "REPORT.json" not in html and "cassettes accept &#39;reports/night 1.json&#39; --cassette" in html


def test_diff_names_the_two_files_and_their_recording_dates_shows_urls_and_suggests_no_accept(project: Path) -> None:
    old = write_cassette(project / "old.yaml", [interaction("GET", f"https://{HOST}/users/1", {"id": 1, "zip": "1"})])
    new = write_cassette(project / "new.yaml", [
        interaction("GET", f"https://{HOST}/users/1", {"id": 1}),
        interaction("GET", f"https://{HOST}/orders/9", {"id": 9}),
    ])
    for path, stamp in ((old, "2026-01-02T03:04:05Z"), (new, "2026-06-07T08:09:10Z")):
        data = yaml.safe_load(path.read_text())
        data["metadata"] = {"recorded_at": stamp}
        path.write_text(yaml.safe_dump(data))
    result = run_cli(["diff", "old.yaml", "new.yaml"])
    assert result.exit_code == 1, result.output
    first = result.stdout.splitlines()[0]
    assert first == ("cassettes diff: old.yaml (recorded 2026-01-02T03:04:05Z) → "
                     "new.yaml (recorded 2026-06-07T08:09:10Z)")
    assert "accept" not in result.stdout and "REPORT.json" not in result.stdout
    assert f"#1 GET https://{HOST}/orders/9" in result.stdout


def test_two_unrelated_cassettes_diffed_show_their_urls_not_bare_skips(project: Path) -> None:
    write_cassette(project / "a.yaml", [interaction("GET", f"https://{HOST}/alpha", {"a": 1})])
    write_cassette(project / "b.yaml", [interaction("GET", f"https://{HOST}/beta", {"b": 1})])
    result = run_cli(["diff", "a.yaml", "b.yaml"])
    assert f"https://{HOST}/alpha" in result.stdout and f"https://{HOST}/beta" in result.stdout
    assert "#0 GET skipped" not in result.stdout


# --- accept --------------------------------------------------------------------------------------


def test_a_second_accept_says_the_cassette_already_holds_those_responses(
        project: Path, loopback_server: LoopbackServer) -> None:
    write_json_cassette(project / "cassettes" / "users.yaml", [("GET", f"https://{HOST}/users/1", {"id": 1, "zip": "1"})])
    loopback_server.route("GET", "/users/1", json={"id": 1})
    run_cli(["refresh", "cassettes", "--rewrite-host", f"{HOST}={loopback_server.base_url}", "--report", "r.json"])
    first = run_cli(["accept", "r.json"])
    assert first.exit_code == 0 and "updated cassettes/users.yaml" in first.stderr
    written = (project / "cassettes" / "users.yaml").read_bytes()
    second = run_cli(["accept", "r.json"])
    assert second.exit_code == 0, second.output
    assert "cassettes/users.yaml already holds these responses" in second.stderr
    assert "updated" not in second.stderr
    assert (project / "cassettes" / "users.yaml").read_bytes() == written


# --- SARIF ---------------------------------------------------------------------------------------


def _sarif_schema() -> dict[str, Any]:
    return json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text())


def test_sarif_output_validates_against_the_sarif_2_1_0_schema() -> None:
    schema = _sarif_schema()
    assert schema["id"].endswith("sarif-schema-2.1.0.json")
    validator = jsonschema.Draft4Validator(schema)
    for report in (sample_report(), breaking_report(), Report("a", "b", [])):
        log = json.loads(render_report(report, "sarif", fail_on="breaking"))
        errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
        assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def test_the_schema_check_catches_a_broken_sarif_log() -> None:
    validator = jsonschema.Draft4Validator(_sarif_schema())
    log = json.loads(render_report(sample_report(), "sarif", fail_on="breaking"))
    log["runs"][0]["results"][0]["level"] = "fatal"
    assert list(validator.iter_errors(log))


def test_sarif_has_one_result_per_finding_with_its_fingerprint_severity_and_file() -> None:
    report = sample_report()
    log = json.loads(render_report(report, "sarif", fail_on="breaking"))
    results = log["runs"][0]["results"]
    assert len(results) == len(report.findings())
    by_fp = {r["partialFingerprints"]["cassettesFinding/v1"]: r for r in results}
    assert set(by_fp) == {f.fingerprint for f in report.findings()}
    assert by_fp["3f9a0c1d2b4e"]["level"] == "error" and by_fp["c0ffee123456"]["level"] == "warning"
    assert by_fp["a1b2c3d4e5f6"]["level"] == "note"
    assert by_fp["0badc0ffee00"]["suppressions"][0]["kind"] == "external"  # acknowledged
    location = by_fp["3f9a0c1d2b4e"]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "tests/cassettes/users/get_user.yaml"
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False  # an error and an unreadable cassette
    assert any("broken.yaml" in n["message"]["text"] for n in invocation["toolExecutionNotifications"])


def test_sarif_points_at_the_line_where_the_interaction_starts(project: Path) -> None:
    path = write_cassette(project / "c.yaml", [
        interaction("GET", f"https://{HOST}/a", {"id": 1}), interaction("GET", f"https://{HOST}/b", {"id": 2})])
    report = breaking_report("c.yaml")
    report.cassettes[0].interactions[0].index = 1
    lines = interaction_lines(report, project)
    text = path.read_text().splitlines()
    assert text[lines[("c.yaml", 1)] - 1].startswith("- request:")
    assert f"https://{HOST}/b" in "\n".join(text[lines[("c.yaml", 1)] - 1:])
    (project / "r.json").write_text(report.dumps())
    log = json.loads(run_cli(["report", "r.json", "--format", "sarif"]).stdout)
    region = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": lines[("c.yaml", 1)]}


# --- JUnit ---------------------------------------------------------------------------------------


def test_junit_has_real_durations_per_interaction_and_a_dotted_classname(
        project: Path, loopback_server: LoopbackServer) -> None:
    write_json_cassette(project / "cassettes" / "api" / "users.yaml", [
        ("GET", f"https://{HOST}/slow", {"id": 1}), ("POST", f"https://{HOST}/skip", {"id": 2})])
    loopback_server.route("GET", "/slow", json={"id": 1}, latency=0.05)
    result = run_cli(["refresh", "cassettes", "--rewrite-host", f"{HOST}={loopback_server.base_url}",
                      "--format", "junit", "--report", "r.json"])
    assert result.exit_code == 0, result.output
    root = ET.fromstring(result.stdout)
    cases = {case.get("name"): case for case in root.iter("testcase")}
    sent, skipped = cases[f"#0 GET https://{HOST}/slow"], cases[f"#1 POST https://{HOST}/skip"]
    assert float(sent.get("time") or 0) > 0  # a live call was made: its time is not zero
    assert skipped.get("time") == "0.000"
    assert sent.get("classname") == "cassettes.api.users"
    # The durations survive the JSON report: re-rendering gives the same times.
    again = ET.fromstring(run_cli(["report", "r.json", "--format", "junit"]).stdout)
    assert [c.get("time") for c in again.iter("testcase")] == [c.get("time") for c in root.iter("testcase")]


@pytest.mark.parametrize(("path", "name"), [
    ("tests/cassettes/users/get_user.yaml", "tests.cassettes.users.get_user"),
    ("c.json", "c"), ("odd.name/x.v2.yml", "odd_name.x_v2"), ("/abs/c.yaml", "abs.c"), ("README", "README"),
])
def test_junit_classnames_are_dotted_paths_without_the_suffix(path: str, name: str) -> None:
    assert classname(path) == name


# --- Markdown ------------------------------------------------------------------------------------


def test_markdown_reads_well_as_raw_text_escaping_only_what_github_needs() -> None:
    text = render_report(sample_report(), "markdown", fail_on="breaking")
    assert "get_user.yaml" in text and "https://api.example.com/users/7" in text  # no &#95; nor &#58;
    assert "field_removed" in text
    assert "&#42;" in text and "&#36;" in text  # $.tags[*]: math and emphasis stay literal
    assert "&#64;team" in text and "&lt;b&gt;" in text


# --- Ctrl-C --------------------------------------------------------------------------------------


def test_ctrl_c_during_refresh_update_lists_what_was_written_and_keeps_a_partial_report(
        tmp_path: Path, loopback_server: LoopbackServer) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.cassettes]\n")
    originals: dict[Path, bytes] = {}
    for n in range(12):
        path = write_json_cassette(tmp_path / "cassettes" / f"c{n:02}.yaml",
                                   [("GET", f"https://{HOST}/r/{n}", {"id": n, "old": True})])
        originals[path] = path.read_bytes()
        # the first answers at once; the rest are slow, so the run is still going when SIGINT comes
        loopback_server.route("GET", f"/r/{n}", json={"id": n, "new": True}, latency=0 if n == 0 else 1.0)
    process = subprocess.Popen(
        [sys.executable, "-m", "cassettes_tool", "refresh", "cassettes", "--rewrite-host",
         f"{HOST}={loopback_server.base_url}", "--update", "all", "--workers", "2", "--report", "partial.json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env={**os.environ, "CI": "1"})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:  # the event: a first cassette written
        if any(p.read_bytes() != data for p, data in originals.items()):
            break
        time.sleep(0.01)
    assert process.poll() is None, "the refresh ended before it could be interrupted"
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    written = {p.relative_to(tmp_path).as_posix() for p, data in originals.items() if p.read_bytes() != data}
    listed = set(re.findall(r"written before the interruption: (\S+)", stderr))
    assert written and listed == written
    report = load_report(tmp_path / "partial.json")
    assert report.status == "incomplete"
    assert json.loads((tmp_path / "partial.json").read_text())["status"] == "incomplete"
    statuses = {c.path: c.status for c in report.cassettes}
    assert len(statuses) == 12 and all(statuses[path] == "drift" for path in written)
    assert any(i.reason == "not checked: the run was interrupted" for c in report.cassettes for i in c.interactions)
    again = run_cli(["report", str(tmp_path / "partial.json")])
    assert again.exit_code == 1  # the drift found before Ctrl-C
    assert "interrupted: this report holds only what was checked before the run stopped" in again.stdout


def test_a_merge_with_one_interrupted_shard_is_incomplete_and_keeps_the_timings(project: Path) -> None:
    done, stopped = breaking_report("a.yaml"), breaking_report("b.yaml")
    done.cassettes[0].interactions[0].seconds = 0.5
    stopped.status = "incomplete"
    (project / "s1.json").write_text(done.dumps())
    (project / "s2.json").write_text(stopped.dumps())
    assert run_cli(["merge", "s1.json", "s2.json", "--output", "m.json"]).exit_code == 0
    merged = load_report(project / "m.json")
    assert merged.status == "incomplete"
    assert merged.cassettes[0].interactions[0].seconds == 0.5


def test_on_a_terminal_the_text_report_fits_the_terminals_width(project: Path) -> None:
    (project / "r.json").write_text(sample_report().dumps())
    primary, secondary = os.openpty()
    env = {**os.environ, "COLUMNS": "70", "NO_COLOR": "1"}
    subprocess.run([sys.executable, "-m", "cassettes_tool", "report", "r.json"], stdout=secondary,
                   stderr=subprocess.DEVNULL, cwd=project, env=env, timeout=120, check=False)
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # EIO: the terminal's other end is closed and everything was read
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(primary)
    shown = b"".join(chunks).decode("utf-8").replace("\r\n", "\n")
    assert "FAILED: 1 finding(s) at or above fail-on breaking (exit 1)" in shown
    assert max(len(line) for line in shown.splitlines()) <= 70
    assert "…" in shown  # the long URL was shortened to fit
    piped = run_cli(["report", "r.json"]).stdout
    assert max(len(line) for line in piped.splitlines()) > 70  # the same report off a terminal is not wrapped
