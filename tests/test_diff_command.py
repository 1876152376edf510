"""`cassettes diff OLD NEW` as a reviewer runs it on a pull request that re-recorded a cassette."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from cassettes_tool.core.cassette import Cassette, Interaction, Request, Response
from cassettes_tool.core.storage import serialize_document
from tests.helpers.cli import run_cli
from tests.helpers.corpus import CORPUS
from tests.helpers.variants import BY_NAME

USER = {"id": 1, "name": "Ada", "address": {"zip": "1000", "city": "Bern"}, "tags": ["a"]}


def interaction(uri: str, body: Any, *, method: str = "GET", status: int = 200, gzipped: bool = False) -> Interaction:
    data = json.dumps(body).encode()
    headers = {"Content-Type": ["application/json"]}
    if gzipped:
        data = gzip.compress(data)
        headers["Content-Encoding"] = ["gzip"]
    return Interaction(Request(method, uri, {}), Response(status, "OK", headers, data))


def write(path: Path, *interactions: Interaction, fmt: str = "yaml") -> Path:
    document = Cassette(path=path, format=fmt, interactions=list(interactions)).to_document()
    path.write_bytes(serialize_document(document, fmt))
    return path


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.cassettes]\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = run_cli(["diff", *args])
    return result.exit_code, result.stdout, result.stderr


def test_identical_cassettes_give_an_ok_report_and_exit_0(project: Path) -> None:
    old = write(project / "old.yaml", interaction("https://api.test/users/1", USER))
    new = write(project / "new.yaml", interaction("https://api.test/users/1", {**USER, "id": 2, "name": "Bob"}))
    code, out, _ = run(str(old), str(new), "--format", "json")
    report = json.loads(out)
    assert code == 0
    assert report["command"] == "diff" and report["summary"]["ok"] == 1
    [cassette] = report["cassettes"]
    assert cassette["path"] == "new.yaml" and cassette["status"] == "ok" and len(cassette["sha256"]) == 64


def test_breaking_drift_exits_1_and_lists_findings(project: Path) -> None:
    old = write(project / "old.yaml", interaction("https://api.test/users/1", USER))
    changed = {"id": "1", "name": "Ada", "address": {"city": "Bern"}, "tags": ["a"], "email": "x"}
    new = write(project / "new.json", interaction("https://api.test/users/1", changed), fmt="json")
    code, out, _ = run(str(old), str(new), "--format", "json")
    assert code == 1
    [item] = json.loads(out)["cassettes"][0]["interactions"]
    assert item["status"] == "drift" and item["recorded"] == {"status": 200, "content_type": "application/json"}
    assert [(f["kind"], f["severity"], f["path"]) for f in item["findings"]] == [
        ("field_removed", "breaking", "$.address.zip"), ("type_changed", "breaking", "$.id"),
        ("field_added", "info", "$.email"),
    ]
    assert json.loads(item["live"]["body"]) == changed
    assert run(str(old), str(new), "--fail-on", "never", "--format", "json")[0] == 0


def test_fail_on_decides_whether_info_findings_fail(project: Path) -> None:
    old = write(project / "old.yaml", interaction("https://api.test/users/1", USER))
    new = write(project / "new.yaml", interaction("https://api.test/users/1", {**USER, "email": "x"}))
    assert run(str(old), str(new), "--format", "json")[0] == 0
    assert run(str(old), str(new), "--format", "json", "--fail-on", "info")[0] == 1
    (project / "pyproject.toml").write_text('[tool.cassettes.refresh]\nfail_on = "info"\n')
    assert run(str(old), str(new), "--format", "json")[0] == 1


def test_interactions_pair_by_request_and_unpaired_ones_are_skipped_with_a_reason(
    project: Path
) -> None:
    old = write(project / "old.yaml",
                interaction("https://api.test/users?page=1&per=2", [USER]),
                interaction("https://api.test/users/1", USER, method="DELETE", status=204),
                interaction("https://api.test/users?page=1&per=2", [USER]))
    new = write(project / "new.yaml",
                interaction("https://api.test/users?per=2&page=1", [USER]),
                interaction("https://api.test/users?page=1&per=2", [{"id": 1}]),
                interaction("https://api.test/health", {"ok": True}))
    code, out, _ = run(str(old), str(new), "--format", "json")
    items = json.loads(out)["cassettes"][0]["interactions"]
    assert [(i["index"], i["method"], i["status"]) for i in items] == [
        (0, "GET", "ok"), (1, "GET", "drift"), (2, "GET", "skipped"), (1, "DELETE", "skipped"),
    ]
    assert items[2]["reason"].startswith("only in NEW") and items[3]["reason"].startswith("only in OLD")
    assert code == 1


def test_a_gzip_recording_compares_with_a_decoded_re_recording(project: Path) -> None:
    old = write(project / "old.yaml", interaction("https://api.test/users/1", USER, gzipped=True))
    new = write(project / "new.yaml", interaction("https://api.test/users/1", {**USER, "id": 7}))
    code, out, _ = run(str(old), str(new), "--format", "json")
    assert code == 0 and json.loads(out)["summary"]["ok"] == 1


def test_drift_ignore_paths_from_the_config_are_applied(project: Path) -> None:
    old = write(project / "old.yaml", interaction("https://api.test/users/1", USER))
    new = write(project / "new.yaml", interaction("https://api.test/users/1", {**USER, "address": {"city": "B"}}))
    assert run(str(old), str(new), "--format", "json")[0] == 1
    (project / "pyproject.toml").write_text('[tool.cassettes.drift]\nignore = ["$.address.zip"]\n')
    assert run(str(old), str(new), "--format", "json")[0] == 0


@pytest.mark.parametrize(("fmt", "marker"), [
    ("text", "$.address.zip"), ("markdown", "address.zip"), ("junit", "<testsuite"), ("html", "<html"),
])
def test_every_report_format_renders_to_stdout_and_to_a_file(
    project: Path, fmt: str, marker: str
) -> None:
    old = write(project / "old.yaml", interaction("https://api.test/users/1", USER))
    new = write(project / "new.yaml", interaction("https://api.test/users/1", {**USER, "address": {}}))
    code, out, _ = run(str(old), str(new), "--format", fmt)
    assert code == 1 and marker in out
    code, out, err = run(str(old), str(new), "--format", fmt, "--output", "report.out")
    assert code == 1 and out == "" and "report.out" in err
    assert marker in (project / "report.out").read_text()


def test_the_html_report_shows_olds_shape_as_the_recorded_side(project: Path) -> None:
    old = write(project / "old.yaml", interaction("https://api.test/users/1", {"only_in_old": 1}))
    new = write(project / "new.yaml", interaction("https://api.test/users/1", {"only_in_new": 1}))
    _, out, _ = run(str(old), str(new), "--format", "html")
    assert "only_in_old" in out and "only_in_new" in out


def test_an_unreadable_file_exits_3_with_one_line_naming_it(project: Path) -> None:
    old = write(project / "old.yaml", interaction("https://api.test/users/1", USER))
    broken = project / "broken.yaml"
    broken.write_text("interactions: [unclosed\n")
    code, out, err = run(str(old), str(broken))
    assert code == 3 and out == "" and "broken.yaml" in err and len(err.strip().splitlines()) == 1
    # A missing input file is a usage error in every command (exit 2), not an unreadable one.
    code, _, err = run(str(project / "missing.yaml"), str(old))
    assert code == 2 and "missing.yaml" in err


def test_bad_usage_exits_2(project: Path) -> None:
    old = write(project / "old.yaml", interaction("https://api.test/users/1", USER))
    assert run(str(old))[0] == 2
    assert run(str(old), str(old), "--format", "yaml")[0] == 2
    assert run(str(old), str(old), "--fail-on", "sometimes")[0] == 2


@pytest.mark.parametrize("name", ["gzip_body.yaml", "binary_body.yaml", "form_bodies.json", "betamax.json"])
def test_a_cassette_of_each_kind_diffed_with_itself_is_clean(project: Path, name: str) -> None:
    path = BY_NAME[name].path
    code, out, _ = run(str(path), str(path), "--format", "json")
    assert code == 0 and json.loads(out)["summary"]["drift"] == 0


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS}")
def test_a_real_cassette_diffed_with_itself_is_clean(project: Path) -> None:
    real = CORPUS / "kevin1024__vcrpy" / "gzip_requests.yaml"
    code, out, _ = run(str(real), str(real), "--format", "json")
    assert code == 0 and json.loads(out)["summary"]["drift"] == 0
