"""`cassettes accept`: the live responses of a report written into the cassettes, safely."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import vcr
import yaml

from cassettes_tool.core.cassette import Response
from cassettes_tool.core.reader import load_cassette
from cassettes_tool.core.transaction import save_cassette
from cassettes_tool.review.report import (
    CassetteResult,
    Finding,
    InteractionResult,
    Report,
    load_report,
)
from tests.helpers.cli import run_cli
from tests.helpers.reports import write_json_cassette
from tests.helpers.server import LoopbackServer

HOST = "api.example.com"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def finding(fp: str, path: str) -> Finding:
    return Finding(fp, "breaking", "field_removed", "body", path, "string", None, f"field {path} is gone")


def live(body: object, **headers: str) -> Response:
    return Response(200, "OK", {"Content-Type": ["application/json"],
                                **{k.replace("_", "-"): [v] for k, v in headers.items()}},
                    json.dumps(body).encode())


@pytest.fixture()
def two_cassettes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, Path]:
    """Two cassettes on disk and a report (written to report.json) saying both drifted."""
    monkeypatch.chdir(tmp_path)
    users = write_json_cassette(tmp_path / "cassettes/users.yaml", [
        ("GET", f"https://{HOST}/users/1", {"id": 1, "zip": "1000"}),
        ("GET", f"https://{HOST}/users/2", {"id": 2, "zip": "2000"}),
        ("GET", f"https://{HOST}/users/3", {"id": 3}),
    ])
    orders = write_json_cassette(tmp_path / "cassettes/orders.yaml", [
        ("GET", f"https://{HOST}/orders", {"items": []}),
    ])
    report = Report("2026-11-24T03:00:00Z", "2026-11-24T03:00:01Z", [
        CassetteResult("cassettes/users.yaml", "drift", sha256=sha(users), interactions=[
            InteractionResult(0, "GET", f"https://{HOST}/users/1", "drift", live=live(
                {"id": 1, "zip": 1000, "access_token": "s3cret"}, Set_Cookie="session=abc"),
                findings=[finding("aaaaaaaaaaa1", "$.zip")]),
            InteractionResult(1, "GET", f"https://{HOST}/users/2", "drift", live=live({"id": 2, "zip": 2000}),
                              findings=[finding("aaaaaaaaaaa2", "$.zip")]),
            InteractionResult(2, "GET", f"https://{HOST}/users/3", "ok", live=live({"id": 33})),
        ]),
        CassetteResult("cassettes/orders.yaml", "drift", sha256=sha(orders), interactions=[
            InteractionResult(0, "GET", f"https://{HOST}/orders", "drift", live=live({"orders": []}),
                              findings=[finding("bbbbbbbbbbb1", "$.items")]),
        ]),
    ])
    (tmp_path / "report.json").write_text(report.dumps())
    return users, orders, tmp_path / "report.json"


def bodies(path: Path) -> list[object]:
    return [json.loads(i.response.decoded_body()) for i in load_cassette(path).interactions]


def test_accept_writes_every_drifted_live_response_and_nothing_else(
        two_cassettes: tuple[Path, Path, Path]) -> None:
    users, orders, report = two_cassettes
    before = yaml.safe_load(users.read_text())["interactions"]
    result = run_cli(["accept", str(report)])
    assert result.exit_code == 0
    assert bodies(users) == [{"id": 1, "zip": 1000, "access_token": "<FILTERED>"}, {"id": 2, "zip": 2000},
                             {"id": 3}]  # the ok interaction (index 2) is left alone
    assert bodies(orders) == [{"orders": []}]
    after = yaml.safe_load(users.read_text())["interactions"]
    assert after[2] == before[2] and after[0]["request"] == before[0]["request"]
    assert load_cassette(users).interactions[0].response.headers["Set-Cookie"] == ["<FILTERED>"]
    assert "s3cret" not in users.read_text() and "session=abc" not in users.read_text()
    err = result.stderr
    assert "accepted 3 interaction(s) in 2 cassette(s)" in err


def test_accepted_cassette_still_plays_back_in_plain_vcrpy(two_cassettes: tuple[Path, Path, Path]) -> None:
    import requests

    users, _, report = two_cassettes
    result = run_cli(["accept", str(report)])
    assert result.exit_code == 0
    with vcr.VCR(record_mode="none").use_cassette(str(users)):
        assert requests.get(f"https://{HOST}/users/2", timeout=5).json() == {"id": 2, "zip": 2000}


def test_accept_only_the_selected_fingerprint(two_cassettes: tuple[Path, Path, Path]) -> None:
    users, orders, report = two_cassettes
    orders_before = orders.read_bytes()
    result = run_cli(["accept", str(report), "--fingerprint", "aaaaaaaaaaa2"])
    assert result.exit_code == 0
    assert bodies(users) == [{"id": 1, "zip": "1000"}, {"id": 2, "zip": 2000}, {"id": 3}]
    assert orders.read_bytes() == orders_before


def test_accept_only_the_selected_cassette(two_cassettes: tuple[Path, Path, Path]) -> None:
    users, orders, report = two_cassettes
    users_before = users.read_bytes()
    result = run_cli(["accept", str(report), "--cassette", "./cassettes/../cassettes/orders.yaml"])
    assert result.exit_code == 0
    assert users.read_bytes() == users_before
    assert bodies(orders) == [{"orders": []}]


def test_accept_refuses_a_cassette_changed_since_the_report_and_writes_nothing(
        two_cassettes: tuple[Path, Path, Path]) -> None:
    users, orders, report = two_cassettes
    orders.write_text(orders.read_text() + "\n# edited by hand\n")
    users_before, orders_before = users.read_bytes(), orders.read_bytes()
    result = run_cli(["accept", str(report)])
    assert result.exit_code == 3
    err = result.stderr.strip()
    assert err.count("\n") == 0
    assert "cassettes/orders.yaml: changed since the report was made; nothing was written" in err
    assert "run `cassettes refresh` again" in err and "--force" in err
    assert users.read_bytes() == users_before and orders.read_bytes() == orders_before
    result = run_cli(["accept", str(report), "--force"])
    assert result.exit_code == 0
    assert bodies(orders) == [{"orders": []}]


def test_accepting_the_same_report_twice_is_a_no_op_not_a_refusal(two_cassettes: tuple[Path, Path, Path]) -> None:
    # A re-run (e.g. after a killed accept) finds its own earlier writes: nothing to do.
    users, orders, report = two_cassettes
    result = run_cli(["accept", str(report)])
    assert result.exit_code == 0
    after = users.read_bytes(), orders.read_bytes()
    result = run_cli(["accept", str(report)])
    assert result.exit_code == 0
    assert (users.read_bytes(), orders.read_bytes()) == after


def test_a_cassette_changed_by_someone_else_after_an_accept_is_still_refused(
    two_cassettes: tuple[Path, Path, Path]
) -> None:
    users, _, report = two_cassettes
    result = run_cli(["accept", str(report)])
    assert result.exit_code == 0
    cassette = load_cassette(users)  # a teammate re-records interaction 0 meanwhile
    cassette.interactions[0].replace_response(Response(200, "OK", {"Content-Type": ["application/json"]}, b"{}"))
    save_cassette(cassette)
    edited = users.read_bytes()
    result = run_cli(["accept", str(report)])
    assert result.exit_code == 3
    assert "changed since the report was made" in result.stderr
    assert users.read_bytes() == edited


def test_dry_run_and_unknown_selections(two_cassettes: tuple[Path, Path, Path]) -> None:
    users, _, report = two_cassettes
    before = users.read_bytes()
    result = run_cli(["accept", str(report), "--dry-run"])
    assert result.exit_code == 0
    assert users.read_bytes() == before
    assert "would update cassettes/users.yaml: interaction(s) 0, 1" in result.stderr
    result = run_cli(["accept", str(report), "--fingerprint", "ffffffffffff"])
    assert result.exit_code == 2
    assert "--fingerprint ffffffffffff: no finding of the report has it" in result.stderr
    result = run_cli(["accept", str(report), "--cassette", "cassettes/nope.yaml"])
    assert result.exit_code == 2
    assert "--cassette cassettes/nope.yaml: not in the report" in result.stderr


def test_a_report_without_checksums_needs_force(two_cassettes: tuple[Path, Path, Path]) -> None:
    users, _, report = two_cassettes
    data = json.loads(report.read_text())
    for cassette in data["cassettes"]:
        cassette["sha256"] = None
    report.write_text(json.dumps(data))
    before = users.read_bytes()
    result = run_cli(["accept", str(report)])
    assert result.exit_code == 2
    assert "the report has no checksum of this cassette" in result.stderr
    assert users.read_bytes() == before
    result = run_cli(["accept", str(report), "--force"])
    assert result.exit_code == 0


# --- end to end with `cassettes refresh` against a loopback API ---------------------------------


def refresh(server: LoopbackServer, *args: str) -> int:
    return run_cli(["refresh", "--rewrite-host", f"{HOST}={server.base_url}", "--retries", "0", *args]).exit_code


def test_refresh_then_accept_then_refresh_again_shows_no_drift(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loopback_server: LoopbackServer) -> None:
    monkeypatch.chdir(tmp_path)
    path = write_json_cassette(tmp_path / "cassettes/api.yaml", [
        ("GET", f"https://{HOST}/users/1", {"id": 1, "address": {"zip": "1000"}}),
        ("GET", f"https://{HOST}/health", {"ok": True}),
    ])
    loopback_server.route("GET", "/users/1", json={"id": 1, "address": {"postcode": 1000}, "token": "x"})
    loopback_server.route("GET", "/health", json={"ok": False})
    before = path.read_bytes()

    assert refresh(loopback_server, "cassettes", "--report", "first.json") == 1
    assert path.read_bytes() == before  # report only
    first = load_report(Path("first.json"))
    assert first.summary()["drift"] == 1

    result = run_cli(["accept", "first.json"])
    assert result.exit_code == 0
    assert refresh(loopback_server, "cassettes", "--report", "second.json") == 0
    second = load_report(Path("second.json"))
    assert second.summary()["drift"] == 0 and second.findings() == []
    assert second.summary()["ok"] == 2


def test_accept_is_refused_when_the_cassette_changed_after_refresh(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loopback_server: LoopbackServer) -> None:
    monkeypatch.chdir(tmp_path)
    path = write_json_cassette(tmp_path / "cassettes/api.yaml", [
        ("GET", f"https://{HOST}/users/1", {"id": 1, "zip": "1000"}),
    ])
    loopback_server.route("GET", "/users/1", json={"id": 1})
    assert refresh(loopback_server, "cassettes", "--report", "r.json") == 1
    write_json_cassette(path, [("GET", f"https://{HOST}/users/1", {"id": 1, "zip": "2000"})])  # re-recorded
    edited = path.read_bytes()
    result = run_cli(["accept", "r.json"])
    assert result.exit_code == 3
    assert "changed since the report was made" in result.stderr
    assert path.read_bytes() == edited


def test_accept_writes_the_same_cassette_as_refresh_update_drift(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loopback_server: LoopbackServer) -> None:
    monkeypatch.chdir(tmp_path)
    recorded = [
        ("GET", f"https://{HOST}/users/1", {"id": 1, "zip": "1000", "client_secret": "<FILTERED>"}),
        ("GET", f"https://{HOST}/users/2", {"id": 2}),
    ]
    updated = write_json_cassette(tmp_path / "a/api.yaml", recorded)
    accepted = write_json_cassette(tmp_path / "b/api.yaml", recorded)
    loopback_server.route("GET", "/users/1", json={"id": 1, "zip": 1000, "client_secret": "live-secret"})
    loopback_server.route("GET", "/users/2", json={"id": 22})

    refresh(loopback_server, "a", "--update", "drift")
    refresh(loopback_server, "b", "--report", "b.json")
    result = run_cli(["accept", "b.json"])
    assert result.exit_code == 0

    def without_timestamp(path: Path) -> dict[str, object]:
        document = yaml.safe_load(path.read_text())
        document["metadata"].pop("recorded_at")
        for item in document["interactions"]:  # the server's clock may tick between the two runs
            item["response"]["headers"].pop("Date", None)
        return dict(document)

    assert without_timestamp(accepted) == without_timestamp(updated)
    assert "live-secret" not in accepted.read_text()


def test_accept_format_json_says_what_would_be_and_what_was_written(two_cassettes: tuple[Path, Path, Path]) -> None:
    users, orders, report = two_cassettes
    before = users.read_bytes()
    planned = run_cli(["accept", str(report), "--dry-run", "--format", "json"])
    assert planned.exit_code == 0 and users.read_bytes() == before
    document = json.loads(planned.stdout)
    assert document["schema_version"] == 1 and document["tool"]["name"] == "cassettes"
    assert document["dry_run"] is True and document["accepted"] == 3 and document["not_accepted"] == []
    assert sorted(document["cassettes"], key=lambda c: c["path"]) == [
        {"path": "cassettes/orders.yaml", "interactions": [0]}, {"path": "cassettes/users.yaml", "interactions": [0, 1]}]
    done = run_cli(["accept", str(report), "--format", "json"])
    assert done.exit_code == 0 and users.read_bytes() != before
    written = json.loads(done.stdout)
    assert written["dry_run"] is False and written["cassettes"] == document["cassettes"]
    assert bodies(orders) == [{"orders": []}]


def test_accept_reads_the_report_from_stdin(two_cassettes: tuple[Path, Path, Path]) -> None:
    users, _, report = two_cassettes
    result = run_cli(["accept", "-", "--cassette", "cassettes/users.yaml"], input=report.read_text())
    assert result.exit_code == 0, result.stderr
    assert bodies(users)[1] == {"id": 2, "zip": 2000}
    assert not (report.parent / "-").exists()
