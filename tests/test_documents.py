"""Every machine-output document: one envelope (schema_version, tool) and one serialisation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cassettes_tool._version import __version__
from cassettes_tool.cli import main
from cassettes_tool.core.jsonfile import document, dumps_document
from cassettes_tool.recording.ledger import Ledger
from cassettes_tool.review.baseline import baseline_document
from tests.helpers.reports import sample_report, write_json_cassette

ENVELOPE = ["schema_version", "tool"]


def assert_enveloped(value: Any, *, tool_version: str = __version__) -> None:
    assert list(value)[:2] == ENVELOPE
    assert value["schema_version"] == 1
    assert value["tool"] == {"name": "cassettes", "version": tool_version}


def test_the_envelope_comes_first_and_keeps_the_fields_in_their_order() -> None:
    built = document(3, {"b": 1, "a": 2}, tool_version="9.9")
    assert list(built) == ["schema_version", "tool", "b", "a"]
    assert built["tool"] == {"name": "cassettes", "version": "9.9"}
    assert dumps_document({"name": "café"}) == '{\n  "name": "café"\n}\n'


def test_reports_baselines_and_ledgers_share_the_envelope() -> None:
    report = sample_report()
    assert_enveloped(report.to_json(), tool_version="0.1.0")  # a report keeps the version that made it
    assert list(report.to_json())[2:] == ["command", "started_at", "finished_at", "summary", "cassettes"]
    assert report.dumps() == dumps_document(report.to_json())
    baseline = baseline_document(report, source="r.json")
    assert_enveloped(baseline)
    assert list(baseline)[2:] == ["created_at", "source", "fingerprints", "findings"]
    ledger = Ledger(root=Path.cwd()).to_json()
    assert_enveloped(ledger)
    assert list(ledger)[2:] == ["started_at", "finished_at", "complete", "incomplete_reasons", "cassettes"]


@pytest.mark.parametrize(("argv", "fields"), [
    (["audit", "--format", "json"], ["fix", "summary", "files"]),
    (["prune", "--format", "json", "--force"],
     ["mode", "dry_run", "forced", "ledger", "test_paths", "summary", "cassettes"]),
    (["refresh", "--dry-run", "--format", "json"], ["command", "summary", "cassettes", "notes"]),
])
def test_each_command_prints_its_json_document_in_the_one_envelope_and_format(
        argv: list[str], fields: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.cassettes]\ncassette_dir = "cassettes"\n')
    write_json_cassette(tmp_path / "cassettes" / "a.yaml", [("GET", "https://api.example.com/café", {"id": 1})])
    monkeypatch.chdir(tmp_path)
    main(argv)
    out = capsys.readouterr().out
    value = json.loads(out)
    assert_enveloped(value)
    assert list(value)[2:] == fields
    assert out == dumps_document(value)
