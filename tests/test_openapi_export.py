"""`cassettes schema`: an OpenAPI 3.1 document from the cassettes — valid, deterministic, secret-free."""

from __future__ import annotations

import json
import os
from pathlib import Path

import yaml
from openapi_spec_validator import validate

from cassettes_tool.core.storage import serialize_document
from cassettes_tool.openapi.export import export_schema, openapi_path
from cassettes_tool.openapi.infer import infer_schema
from tests.helpers.cassettes import interaction, write_cassette
from tests.helpers.cli import run_cli
from tests.helpers.planted import SECRETS, planted_document

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_cassettes"
GOLDEN = Path(__file__).parent / "golden" / "sample_cassettes.openapi.yaml"


def test_the_sample_cassettes_export_a_valid_document_equal_to_the_golden_file() -> None:
    result = run_cli(["schema", str(SAMPLES)], cwd=ROOT)
    assert result.exit_code == 0, result.stderr
    document = yaml.safe_load(result.stdout)
    validate(document)
    if os.environ.get("CASSETTES_UPDATE_GOLDEN"):
        GOLDEN.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == GOLDEN.read_text(encoding="utf-8"), "CASSETTES_UPDATE_GOLDEN=1 to rewrite"


def test_the_sample_document_is_sensible_templated_paths_parameters_and_examples() -> None:
    document = export_schema([SAMPLES]).document
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": "https://api.acme-shop.example"}]
    order = document["paths"]["/v1/orders/{orders_id}"]["get"]
    assert order["parameters"][0] == {"name": "orders_id", "in": "path", "required": True,
                                      "schema": {"type": "string"}}
    body = order["responses"]["200"]["content"]["application/json"]
    assert "line_items" in body["schema"]["required"] and body["example"]["id"].startswith("ord_")
    listing = document["paths"]["/v1/orders"]["get"]
    assert {p["name"]: p["schema"]["type"] for p in listing["parameters"]} == {"per_page": "integer",
                                                                              "status": "string"}
    token = document["paths"]["/oauth/token"]["post"]["responses"]["200"]["content"]["application/json"]
    assert token["example"]["access_token"] == "<FILTERED>"


def test_two_exports_of_the_same_cassettes_are_byte_identical_whatever_the_file_order(tmp_path: Path) -> None:
    files = {"one.yaml": [interaction("GET", "https://api.test/users/1", {"id": 1, "b": 2})],
             "two.yaml": [interaction("GET", "https://api.test/users/2", {"id": 2, "a": None})]}
    a, b = tmp_path / "a", tmp_path / "b"
    for folder, order in ((a, ["one.yaml", "two.yaml"]), (b, ["two.yaml", "one.yaml"])):
        folder.mkdir()
        for name in order:  # written (and so listed by the file system) in another order
            write_cassette(folder / name, files[name])
    first = run_cli(["schema", str(a)], cwd=tmp_path).stdout
    assert first == run_cli(["schema", str(a)], cwd=tmp_path).stdout
    assert first == run_cli(["schema", str(b)], cwd=tmp_path).stdout
    assert json.loads(run_cli(["schema", str(a), "--format", "json"], cwd=tmp_path).stdout) == yaml.safe_load(first)


def test_secrets_planted_in_the_cassettes_never_reach_the_exported_document(tmp_path: Path) -> None:
    path = tmp_path / "planted.yaml"
    path.write_bytes(serialize_document(planted_document(), "yaml"))
    for fmt in ("yaml", "json"):
        result = run_cli(["schema", str(tmp_path), "--format", fmt], cwd=tmp_path)
        assert result.exit_code == 0, result.stderr
        leaked = [secret for secret in SECRETS if secret in result.stdout or secret[:12] in result.stdout]
        assert leaked == []
        assert "<FILTERED>" in result.stdout  # the examples are there, with the placeholder


def test_required_optional_nullable_unions_and_maps_are_inferred() -> None:
    schema = infer_schema([
        {"id": 1, "note": None, "value": 1, "rates": {"2026-01-01": 1.5, "2026-01-02": 2}},
        {"id": 2, "note": "x", "value": "one", "extra": True, "rates": {"2026-01-03": 3}},
    ])
    assert schema["required"] == ["id", "note", "rates", "value"]
    props = schema["properties"]
    assert props["note"] == {"type": ["string", "null"]}
    assert props["value"] == {"type": ["integer", "string"]}
    assert props["extra"] == {"type": "boolean"}
    assert props["rates"] == {"type": "object", "additionalProperties": {"type": "number"}}
    assert infer_schema([[{"a": 1}], None]) == {"type": ["array", "null"], "items": {
        "type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}}
    assert infer_schema([{"a": 1}, [1]]) == {"oneOf": [
        {"type": "array", "items": {"type": "integer"}},
        {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}]}


def test_path_parameters_get_unique_names_after_the_segment_before_them() -> None:
    assert openapi_path("/users/{param}/orders/{param}") == "/users/{users_id}/orders/{orders_id}"
    assert openapi_path("/{param}/{param}") == "/{id}/{id2}"


def test_host_restricts_the_document_to_one_api_and_an_unknown_host_is_one_line(tmp_path: Path) -> None:
    write_cassette(tmp_path / "two.yaml", [interaction("GET", "https://a.test/x", {"a": 1}),
                                           interaction("GET", "https://b.test/y", {"b": 1})])
    both = yaml.safe_load(run_cli(["schema", str(tmp_path)], cwd=tmp_path).stdout)
    assert [s["url"] for s in both["servers"]] == ["https://a.test", "https://b.test"]
    assert both["paths"]["/x"]["servers"] == [{"url": "https://a.test"}]
    validate(both)
    one = yaml.safe_load(run_cli(["schema", str(tmp_path), "--host", "b.test"], cwd=tmp_path).stdout)
    assert list(one["paths"]) == ["/y"] and one["servers"] == [{"url": "https://b.test"}]
    missing = run_cli(["schema", str(tmp_path), "--host", "c.test"], cwd=tmp_path)
    assert missing.exit_code == 2 and missing.stderr.count("\n") == 1 and "c.test" in missing.stderr


def test_output_writes_json_for_a_json_name_and_an_unreadable_cassette_is_skipped_with_exit_3(
        tmp_path: Path) -> None:
    write_cassette(tmp_path / "good.yaml", [interaction("POST", "https://api.test/items?dry_run=1", {"id": 1},
                                                        status=201, request_body=b'{"name": "x"}',
                                                        headers={"Content-Type": ["application/json"]})])
    (tmp_path / "broken.yaml").write_text("interactions: [\n", encoding="utf-8")
    out = tmp_path / "openapi.json"
    result = run_cli(["schema", str(tmp_path), "-o", str(out)], cwd=tmp_path)
    assert result.exit_code == 3
    assert "broken.yaml" in result.stderr and "Traceback" not in result.stderr
    document = json.loads(out.read_text(encoding="utf-8"))
    validate(document)
    operation = document["paths"]["/items"]["post"]
    assert operation["parameters"] == [{"name": "dry_run", "in": "query", "required": True,
                                        "schema": {"type": "integer"}}]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["required"] == ["name"]
    assert list(operation["responses"]) == ["201"]
