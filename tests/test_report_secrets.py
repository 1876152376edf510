"""A report of any origin holds no secret once read: every format renders filtered values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cassettes_tool.review.render import FORMATS
from tests.helpers.cli import run_cli
from tests.helpers.reports import sample_report, write_json_cassette

TOKEN = "Zq7Lm2Xr9Vk4Nb1Wc8Tf5Hs3Pd6Gy0Aj"


def _planted_report(path: Path) -> Path:
    """The sample report, its first checked interaction carrying the token in every live place."""
    data = json.loads(sample_report().dumps())
    target = next(i for c in data["cassettes"] for i in c["interactions"] if i.get("live"))
    target["uri"] = f"https://api.test/items?access_token={TOKEN}"
    target["reason"] = f"live 401 Unauthorized access_token={TOKEN}"
    target["live"]["reason"] = f"Unauthorized token={TOKEN}"
    target["live"]["headers"] = {"Location": [f"https://api.test/cb#access_token={TOKEN}"],
                                 "Link": [f'<https://api.test/p2?sig={TOKEN}>; rel="next"'],
                                 "Content-Type": ["text/plain"]}
    target["live"]["body"] = json.dumps({"payload": json.dumps({"password": TOKEN})})
    target["live"].pop("body_encoding", None)
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_report_format_renders_a_planted_report_without_its_secret(tmp_path: Path, fmt: str) -> None:
    report = _planted_report(tmp_path / "planted.json")
    assert TOKEN in report.read_text()  # planted, really
    out = tmp_path / f"out.{fmt}"
    result = run_cli(["report", str(report), "--format", fmt, "-o", str(out), "--fail-on", "never"])
    assert result.exit_code in (0, 3), result.output  # the sample report has an unchecked interaction
    assert TOKEN not in out.read_text() and TOKEN not in result.output


PROJECT_TOKEN = "Pr0jTk8Xq2Lm7Vb1Nz9Wc4Tf3Hs6Pd0Gy"
PROJECT_FILTERS = ('[tool.cassettes]\ncassette_dir = "cassettes"\nfilter_headers = ["X-Tenant-Token"]\n'
                   'filter_query_parameters = ["tenant_key"]\nfilter_body_fields = ["pin"]\n')


def _report_with_project_names(path: Path) -> Path:
    """The sample report with the token only under names the project's filter lists add."""
    data = json.loads(sample_report().dumps())
    target = next(i for c in data["cassettes"] for i in c["interactions"] if i.get("live"))
    target["uri"] = f"https://api.test/items?tenant_key={PROJECT_TOKEN}&page=2"
    target["reason"] = f"live 401 tenant_key={PROJECT_TOKEN}"
    target["live"]["headers"] = {"X-Tenant-Token": [PROJECT_TOKEN], "Content-Type": ["application/json"]}
    target["live"]["body"] = json.dumps({"account": {"pin": PROJECT_TOKEN}, "id": 1})
    target["live"].pop("body_encoding", None)
    target["findings"].append({
        "fingerprint": "0123456789abcdef", "severity": "info", "kind": "header_changed", "location": "headers",
        "path": "x-tenant-token", "recorded": "<FILTERED>", "live": PROJECT_TOKEN,
        "message": f"header x-tenant-token changed from '<FILTERED>' to '{PROJECT_TOKEN}'",
        "acknowledged": False, "group": None,
    })
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_report_read_back_is_filtered_with_the_projects_own_names_in_every_format(
        tmp_path: Path, fmt: str) -> None:
    (tmp_path / "pyproject.toml").write_text(PROJECT_FILTERS)
    report = _report_with_project_names(tmp_path / "planted.json")
    assert PROJECT_TOKEN in report.read_text()  # planted, really
    out = tmp_path / f"out.{fmt}"
    result = run_cli(["report", str(report), "--format", fmt, "-o", str(out), "--fail-on", "never"], cwd=tmp_path)
    assert result.exit_code in (0, 3), result.output
    assert PROJECT_TOKEN not in out.read_text() and PROJECT_TOKEN not in result.output
    # The default names alone would have shown it: the project's configuration is what hides it.
    (tmp_path / "pyproject.toml").write_text('[tool.cassettes]\ncassette_dir = "cassettes"\n')
    unfiltered = run_cli(["report", str(report), "--format", "json", "--fail-on", "never"], cwd=tmp_path)
    assert PROJECT_TOKEN in unfiltered.output


def test_merge_and_accept_read_a_report_with_the_projects_own_names(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PROJECT_FILTERS)
    report = _report_with_project_names(tmp_path / "planted.json")
    merged = run_cli(["merge", str(report), "-o", "-"], cwd=tmp_path)
    assert merged.exit_code in (0, 1, 3), merged.output
    assert PROJECT_TOKEN not in merged.output
    accepted = run_cli(["accept", str(report), "--dry-run", "--format", "json"], cwd=tmp_path)
    assert PROJECT_TOKEN not in accepted.output


def test_diff_shows_news_responses_filtered_with_the_projects_own_names(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PROJECT_FILTERS)
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    write_json_cassette(old, [("GET", "https://api.test/me", {"id": 1})])
    write_json_cassette(new, [("GET", "https://api.test/me", {"id": 1, "pin": PROJECT_TOKEN})])
    assert PROJECT_TOKEN in new.read_text()  # a cassette written by a tool that filters nothing
    for fmt in FORMATS:
        result = run_cli(["diff", str(old), str(new), "--format", fmt, "--fail-on", "never"], cwd=tmp_path)
        assert result.exit_code in (0, 1), result.output
        assert PROJECT_TOKEN not in result.output, fmt
