"""`cassettes check --spec`: recorded interactions against an OpenAPI spec, and --coverage."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers.cassettes import interaction, write_cassette
from tests.helpers.cli import run_cli, run_cli_process

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_cassettes"

USER = {"id": 7, "name": "Ada", "email": None, "tags": ["a"]}

# A hand-written 3.0 spec: $ref, allOf, oneOf, nullable; one planted mismatch per kind.
SPEC_30: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "t", "version": "1"},
    "servers": [{"url": "https://api.test/v1"}],
    "paths": {
        "/users/{id}": {"get": {"responses": {
            "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}}},
        }}},
        "/users": {"post": {"responses": {"201": {"description": "created"}}}},
    },
    "components": {"schemas": {
        "Base": {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}},
        "User": {"allOf": [
            {"$ref": "#/components/schemas/Base"},
            {"type": "object", "required": ["name"], "properties": {
                "name": {"type": "string"},
                "email": {"type": "string", "nullable": True},
                "tags": {"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]},
            }},
        ]},
    }},
}


def write_spec(path: Path, spec: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def kinds(report: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    return sorted((f["kind"], f["path"], f["severity"]) for c in report["cassettes"]
                  for i in c["interactions"] for f in i["findings"])


def check_json(tmp_path: Path, spec: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    result = run_cli(["check", "--spec", str(spec), str(tmp_path / "cassettes"), "--format", "json", *extra],
                     cwd=tmp_path)
    assert "Traceback" not in result.stderr
    return result.exit_code, json.loads(result.stdout)


@pytest.fixture
def cassettes(tmp_path: Path) -> Path:
    folder = tmp_path / "cassettes"
    folder.mkdir()
    return folder


def test_exporting_then_checking_the_same_cassettes_gives_no_finding_and_full_coverage(tmp_path: Path) -> None:
    spec = tmp_path / "openapi.yaml"
    assert run_cli(["schema", str(SAMPLES), "-o", str(spec)], cwd=ROOT).exit_code == 0
    result = run_cli(["check", "--spec", str(spec), str(SAMPLES), "--format", "json"], cwd=ROOT)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["command"] == "check" and report["summary"]["interactions"] == 13
    assert kinds(report) == []
    cov = run_cli(["check", "--spec", str(spec), str(SAMPLES), "--coverage", "--format", "json"], cwd=ROOT)
    data = json.loads(cov.stdout)
    assert data["operations"]["percent"] == 100.0 and data["uncovered_operations"] == []


def test_a_conforming_interaction_passes_refs_allof_oneof_and_3_0_nullable(tmp_path: Path, cassettes: Path) -> None:
    write_cassette(cassettes / "u.yaml", [interaction("GET", "https://api.test/v1/users/7", USER),
                                          interaction("GET", "https://api.test/v1/users/8", {**USER, "tags": "x"})])
    code, report = check_json(tmp_path, write_spec(tmp_path / "spec.yaml", SPEC_30))
    assert (code, kinds(report)) == (0, [])


def test_each_planted_mismatch_is_found_with_its_kind_and_severity(tmp_path: Path, cassettes: Path) -> None:
    renamed = {"id": 7, "full_name": "Ada", "email": None, "tags": []}  # name -> full_name
    wrong_type = {**USER, "id": "seven"}
    write_cassette(cassettes / "u.yaml", [
        interaction("GET", "https://api.test/v1/users/7", renamed),
        interaction("GET", "https://api.test/v1/users/8", wrong_type),
        interaction("GET", "https://api.test/v1/users/9", {"error": "gone"}, status=404),
        interaction("DELETE", "https://api.test/v1/users/9", {}),
        interaction("GET", "https://api.test/v1/orders", []),
        interaction("GET", "https://api.test/v1/users/10", b"<p>hi</p>", content_type="text/html"),
    ])
    code, report = check_json(tmp_path, write_spec(tmp_path / "spec.yaml", SPEC_30))
    assert code == 1
    assert kinds(report) == [
        ("media_type_not_in_spec", None, "warning"),
        ("missing_required_field", "$.name", "breaking"),
        ("type_mismatch", "$.id", "breaking"),
        ("undocumented_endpoint", None, "warning"),
        ("undocumented_endpoint", None, "warning"),
        ("undocumented_field", "$.full_name", "info"),
        ("undocumented_status", None, "warning"),
    ]
    fingerprints = [f["fingerprint"] for c in report["cassettes"] for i in c["interactions"] for f in i["findings"]]
    assert len(set(fingerprints)) == len(fingerprints)


def test_findings_go_through_baselines_and_the_other_renderers(tmp_path: Path, cassettes: Path) -> None:
    write_cassette(cassettes / "u.yaml", [interaction("GET", "https://api.test/v1/users/8", {**USER, "id": "x"})])
    spec = write_spec(tmp_path / "spec.yaml", SPEC_30)
    _, report = check_json(tmp_path, spec)
    saved = tmp_path / "report.json"
    saved.write_text(json.dumps(report), encoding="utf-8")
    baseline = tmp_path / "baseline.json"
    assert run_cli(["report", str(saved), "--write-baseline", str(baseline)], cwd=tmp_path).exit_code == 0
    code, again = check_json(tmp_path, spec, "--baseline", str(baseline))
    assert code == 0 and again["summary"]["acknowledged"] == 1
    markdown = run_cli(["check", "--spec", str(spec), str(cassettes), "--format", "markdown"], cwd=tmp_path)
    assert markdown.exit_code == 1 and "type_mismatch" in markdown.stdout
    assert "cassettes accept" not in markdown.stdout and "update the spec" in markdown.stdout
    junit = run_cli(["check", "--spec", str(spec), str(cassettes), "--format", "junit"], cwd=tmp_path)
    assert "<testsuite" in junit.stdout and "type_mismatch" in junit.stdout


def test_a_3_1_spec_with_type_arrays_and_additional_properties_false(tmp_path: Path, cassettes: Path) -> None:
    spec = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {"/things": {"get": {"responses": {
        "2XX": {"description": "ok", "content": {"application/json": {"schema": {
            "type": "object", "additionalProperties": False,
            "properties": {"n": {"type": ["integer", "null"]}}}}}}}}}}}
    write_cassette(cassettes / "t.yaml", [interaction("GET", "https://x.test/things", {"n": None}),
                                          interaction("GET", "https://x.test/things", {"n": 1, "extra": 2})])
    code, report = check_json(tmp_path, write_spec(tmp_path / "spec.yaml", spec))
    assert (code, kinds(report)) == (1, [("undocumented_field", "$.extra", "breaking")])


def test_coverage_lists_the_operations_and_codes_no_cassette_records(tmp_path: Path, cassettes: Path) -> None:
    write_cassette(cassettes / "u.yaml", [interaction("GET", "https://api.test/v1/users/7", USER)])
    spec = write_spec(tmp_path / "spec.yaml", SPEC_30)
    text = run_cli(["check", "--spec", str(spec), str(cassettes), "--coverage"], cwd=tmp_path)
    assert text.exit_code == 0
    assert "operations 1/2 (50.0%), response codes 1/2 (50.0%)" in text.stdout
    assert "POST /users" in text.stdout
    markdown = run_cli(["check", "--spec", str(spec), str(cassettes), "--coverage", "--format", "markdown"],
                       cwd=tmp_path)
    assert "| operations | 1/2 (50.0%) |" in markdown.stdout and "- `POST /users`" in markdown.stdout
    _, data = check_json(tmp_path, spec, "--coverage")
    assert data["schema_version"] == 1
    assert data["uncovered_operations"] == ["POST /users"] and data["uncovered_responses"] == ["POST /users 201"]


@pytest.mark.parametrize(("content", "words"), [
    ("paths: [\n", "not a YAML or JSON document"),
    ("swagger: '2.0'\npaths: {}\n", "not an OpenAPI 3.x document"),
    ("openapi: 3.1.0\npaths:\n  /a:\n    get:\n      responses:\n        '200': {$ref: '#/nowhere'}\n",
     "points at nothing"),
])
def test_a_spec_that_cannot_be_used_is_one_line_naming_it(tmp_path: Path, cassettes: Path, content: str,
                                                           words: str) -> None:
    write_cassette(cassettes / "u.yaml", [interaction("GET", "https://api.test/v1/users/7", USER)])
    spec = tmp_path / "bad.yaml"
    spec.write_text(content, encoding="utf-8")
    result = run_cli(["check", "--spec", str(spec), str(cassettes)], cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "bad.yaml" in result.stderr and words in result.stderr


def test_without_the_openapi_extra_check_is_one_line_naming_it(tmp_path: Path, cassettes: Path) -> None:
    write_cassette(cassettes / "u.yaml", [interaction("GET", "https://api.test/v1/users/7", USER)])
    spec = write_spec(tmp_path / "spec.yaml", SPEC_30)
    blocker = tmp_path / "blocked"
    blocker.mkdir()
    (blocker / "jsonschema.py").write_text("raise ImportError('not installed')\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(blocker), str(ROOT)])}
    proc = run_cli_process(["check", "--spec", spec, cassettes], cwd=tmp_path, env=env)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "cassettes: error: checking against a spec needs jsonschema: pip install 'cassettes[openapi]'"]
