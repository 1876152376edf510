"""Acknowledged findings: ``[[tool.cassettes.audit.allow]]`` entries and an audit baseline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.cassettes import interaction, write_cassette
from tests.helpers.cli import run_cli
from tests.helpers.planted import AWS_KEY, GITHUB


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A scanner fixture that sends fake keys on purpose, and a real leak elsewhere."""
    (tmp_path / "pyproject.toml").write_text('[tool.cassettes]\ncassette_dir = "tests/cassettes"\n')
    scanner = tmp_path / "tests" / "cassettes" / "scanner" / "scan.yaml"
    scanner.parent.mkdir(parents=True)
    write_cassette(scanner, [interaction("POST", "https://scanner.example.com/scan", {"found": [AWS_KEY]},
                                         request_body=json.dumps({"text": AWS_KEY}).encode())])
    write_cassette(tmp_path / "tests" / "cassettes" / "users.yaml",
                   [interaction("GET", "https://api.example.com/users", {"note": GITHUB})])
    return tmp_path


def _allow(project: Path, entry: str) -> None:
    with (project / "pyproject.toml").open("a") as handle:
        handle.write("\n[[tool.cassettes.audit.allow]]\n" + entry + "\n")


def test_an_allow_entry_acknowledges_the_fixtures_and_keeps_reporting_the_rest(project: Path) -> None:
    before = run_cli(["audit"], cwd=project)
    assert before.exit_code == 1
    assert "scanner/scan.yaml" in before.stdout and "users.yaml" in before.stdout

    _allow(project, 'path = "tests/cassettes/scanner/*"\nreason = "fake keys for the scanner"')
    after = run_cli(["audit"], cwd=project)
    assert after.exit_code == 1, "the real leak still fails the audit"
    assert "scanner/scan.yaml" not in after.stdout
    assert "users.yaml" in after.stdout
    assert "2 acknowledged (allowlist or audit baseline)" in after.stdout

    _allow(project, 'path = "tests/cassettes/users.yaml"\nrule = "github-token"')
    green = run_cli(["audit", "--format", "json"], cwd=project)
    assert green.exit_code == 0, green.output
    assert json.loads(green.stdout)["summary"]["acknowledged"] == 3


def test_fix_never_scrubs_an_acknowledged_fixture(project: Path) -> None:
    _allow(project, 'path = "tests/cassettes/scanner/*"')
    scanner = project / "tests" / "cassettes" / "scanner" / "scan.yaml"
    before = scanner.read_bytes()
    result = run_cli(["audit", "--fix"], cwd=project)
    assert result.exit_code == 0, result.output
    assert scanner.read_bytes() == before
    assert GITHUB not in (project / "tests" / "cassettes" / "users.yaml").read_text()


def test_an_audit_baseline_acknowledges_exactly_the_findings_it_was_written_from(project: Path) -> None:
    baseline = project / "audit-baseline.json"
    written = run_cli(["audit", "--write-baseline", str(baseline)], cwd=project)
    assert written.exit_code == 0, written.output
    assert "wrote 3 finding fingerprint(s)" in written.stderr
    assert run_cli(["audit", "--baseline", str(baseline)], cwd=project).exit_code == 0

    # A new secret is not in the baseline.
    write_cassette(project / "tests" / "cassettes" / "new.yaml",
                   [interaction("GET", "https://api.example.com/new", {"note": GITHUB})])
    result = run_cli(["audit", "--baseline", str(baseline)], cwd=project)
    assert result.exit_code == 1
    assert "new.yaml" in result.stdout and "users.yaml" not in result.stdout

    # Configured, the baseline needs no option.
    with (project / "pyproject.toml").open("a") as handle:
        handle.write('\n[tool.cassettes.audit]\nbaseline = "audit-baseline.json"\n')
    assert "new.yaml" in run_cli(["audit"], cwd=project).stdout
    assert "users.yaml" not in run_cli(["audit"], cwd=project).stdout


@pytest.mark.parametrize(("entry", "message"), [
    ('reason = "all of them"', "audit.allow[0] allows every finding"),
    ('path = 3', "audit.allow[0].path = 3 is not valid"),
    ('paht = "x"', "unknown key audit.allow[0].'paht'"),
])
def test_a_bad_allow_entry_is_one_line_naming_the_file(project: Path, entry: str, message: str) -> None:
    _allow(project, entry)
    result = run_cli(["audit"], cwd=project)
    assert result.exit_code == 2
    assert message in result.stderr and "pyproject.toml" in result.stderr
    assert "Traceback" not in result.output


def test_a_file_that_is_not_an_audit_baseline_is_refused_in_one_line(project: Path) -> None:
    other = project / "other.json"
    other.write_text('{"fingerprints": "nope"}')
    result = run_cli(["audit", "--baseline", str(other)], cwd=project)
    assert result.exit_code == 2, result.output
    assert "not a cassettes audit baseline" in result.stderr
