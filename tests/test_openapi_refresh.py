"""`cassettes refresh --spec`: the live responses are checked against the spec too."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.helpers.cassettes import interaction, write_cassette
from tests.helpers.cli import run_cli
from tests.helpers.server import LoopbackServer

HOST = "api.example.com"
SPEC = {
    "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
    "paths": {"/items/{id}": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {
        "schema": {"type": "object", "required": ["id", "name"],
                   "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}}}}}}}},
}


def test_refresh_with_a_spec_adds_the_live_responses_misfits_to_the_drift_findings(
        tmp_path: Path, loopback_server: LoopbackServer) -> None:
    cassettes = tmp_path / "cassettes"
    write_cassette(cassettes / "same.yaml", [interaction("GET", f"https://{HOST}/items/1", {"id": 1})])
    write_cassette(cassettes / "changed.yaml", [interaction("GET", f"https://{HOST}/items/2",
                                                            {"id": 2, "name": "b"})])
    write_cassette(cassettes / "extra.yaml", [interaction("GET", f"https://{HOST}/other", {"id": 3})])
    loopback_server.route("*", "/items/1", json={"id": 1})
    loopback_server.route("*", "/items/2", json={"id": "two", "name": "b"})
    loopback_server.route("*", "/other", json={"id": 3})
    spec = tmp_path / "openapi.yaml"
    spec.write_text(yaml.safe_dump(SPEC), encoding="utf-8")
    args = ["refresh", str(cassettes), "--rewrite-host", f"{HOST}={loopback_server.base_url}", "--format", "json"]

    plain = run_cli(args, cwd=tmp_path)
    plain_kinds = sorted(f["kind"] for c in json.loads(plain.stdout)["cassettes"]
                         for i in c["interactions"] for f in i["findings"])
    assert plain_kinds == ["type_changed"]

    checked = run_cli([*args, "--spec", str(spec)], cwd=tmp_path)
    assert checked.exit_code == 1, checked.stderr
    found = {(Path(c["path"]).name, f["kind"], f["path"]) for c in json.loads(checked.stdout)["cassettes"]
             for i in c["interactions"] for f in i["findings"]}
    assert found == {
        ("same.yaml", "missing_required_field", "$.name"),  # no drift, but the live response misses it
        ("changed.yaml", "type_changed", "$.id"),
        ("changed.yaml", "type_mismatch", "$.id"),
        ("extra.yaml", "undocumented_endpoint", None),
    }


def test_refresh_with_a_spec_that_cannot_be_read_stops_before_sending_anything(
        tmp_path: Path, loopback_server: LoopbackServer) -> None:
    write_cassette(tmp_path / "c.yaml", [interaction("GET", f"https://{HOST}/items/1", {"id": 1})])
    route = loopback_server.route("*", "/items/1", json={"id": 1})
    result = run_cli(["refresh", str(tmp_path), "--rewrite-host", f"{HOST}={loopback_server.base_url}",
                      "--spec", str(tmp_path / "missing.yaml")], cwd=tmp_path)
    assert result.exit_code == 2 and "missing.yaml" in result.stderr and result.stderr.count("\n") == 1
    assert route.served == 0
