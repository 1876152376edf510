"""`cassettes refresh` judges live drift with the endpoint model of the whole project (real HTTP on 127.0.0.1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cassettes_tool.core.reader import load_cassette
from tests.helpers.cassettes import interaction, write_cassette
from tests.helpers.cli import run_cli
from tests.helpers.server import LoopbackServer

HOST = "api.example.com"
BASE = f"https://{HOST}"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text('[tool.cassettes]\ncassette_dir = "cassettes"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def refresh(api: LoopbackServer, *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    result = run_cli(["refresh", "--rewrite-host", f"{HOST}={api.base_url}", "--format", "json", *args])
    return result.exit_code, json.loads(result.stdout)


def test_a_field_other_recorded_tweets_lack_is_optional_and_does_not_fail_the_night(
        project: Path, loopback_server: LoopbackServer) -> None:
    with_media = {"id": 1, "text": "a", "entities": {"media": [{"url": "u"}], "hashtags": []}}
    write_cassette(project / "cassettes" / "tweet.yaml", [interaction("GET", f"{BASE}/tweets/1", with_media)])
    loopback_server.route("*", "/tweets/1", json={"id": 1, "text": "a", "entities": {"hashtags": []}})

    code, report = refresh(loopback_server, "cassettes/tweet.yaml")
    [item] = report["cassettes"][0]["interactions"]
    assert code == 1 and [f["severity"] for f in item["findings"]] == ["breaking"]  # nothing else recorded

    write_cassette(project / "cassettes" / "timeline.yaml", [
        interaction("GET", f"{BASE}/tweets/{n}", {"id": n, "text": "b", "entities": {"hashtags": ["x"]}})
        for n in (2, 3, 4)])
    code, report = refresh(loopback_server, "cassettes/tweet.yaml")  # only tweet.yaml is sent
    [item] = report["cassettes"][0]["interactions"]
    [finding] = item["findings"]
    assert code == 0 and len(loopback_server.requests_to("/tweets/2")) == 0
    assert (finding["kind"], finding["severity"]) == ("field_removed", "info")
    assert "optional: absent in 3 of 4 recorded samples" in finding["message"]
    assert item["pairing"] == "request" and finding["group"]


def test_a_live_empty_list_is_not_compared_instead_of_ok_and_update_all_writes_it(
        project: Path, loopback_server: LoopbackServer) -> None:
    path = write_cassette(project / "cassettes" / "list.yaml", [
        interaction("GET", f"{BASE}/orders?status=open", [{"id": 1, "total": 3}])])
    loopback_server.route("*", "/orders", json=[])

    code, report = refresh(loopback_server)
    [item] = report["cassettes"][0]["interactions"]
    assert code == 0 and item["status"] == "not_compared" and report["summary"]["not_compared"] == 1
    assert "live body is an empty array or object" in item["reason"]
    assert report["cassettes"][0]["status"] == "not_compared"

    code = run_cli(["refresh", "--rewrite-host", f"{HOST}={loopback_server.base_url}", "--update", "all"]).exit_code
    assert load_cassette(path).interactions[0].response.body == b"[]"


def test_the_same_change_in_two_cassettes_is_one_group_with_one_severity(
        project: Path, loopback_server: LoopbackServer) -> None:
    for name, user in (("a", 7), ("b", 8)):
        write_cassette(project / "cassettes" / f"{name}.yaml", [
            interaction("GET", f"{BASE}/users/{user}", {"id": user, "profile": {"zip": "1"}})])
        loopback_server.route("*", f"/users/{user}", json={"id": user, "profile": {}})

    code, report = refresh(loopback_server)
    findings = [f for c in report["cassettes"] for i in c["interactions"] for f in i["findings"]]
    assert code == 1 and len(findings) == 2 and len({f["fingerprint"] for f in findings}) == 2
    assert len({f["group"] for f in findings}) == 1 and {f["severity"] for f in findings} == {"breaking"}
    out = run_cli(["refresh", "--rewrite-host", f"{HOST}={loopback_server.base_url}"]).stdout
    words = " ".join(out.split())  # lines wrap at 80 columns
    assert words.count("2 occurrences") == 2 and "the same change as group" in words


def test_accept_force_writes_each_response_into_the_interaction_that_made_its_request(
        project: Path, loopback_server: LoopbackServer) -> None:
    path = write_cassette(project / "cassettes" / "u.yaml", [
        interaction("GET", f"{BASE}/users/7", {"id": 7, "zip": "1"}),
        interaction("GET", f"{BASE}/orgs/3", {"id": 3})])
    loopback_server.route("*", "/users/7", json={"id": 7})
    loopback_server.route("*", "/orgs/3", json={"id": 3})
    refresh(loopback_server, "--report", "r.json")
    # Someone re-recorded the cassette since: a new first interaction, user 7 is now user 9.
    write_cassette(path, [
        interaction("GET", f"{BASE}/health", {"ok": True}),
        interaction("GET", f"{BASE}/orgs/3", {"id": 3}),
        interaction("GET", f"{BASE}/users/9", {"id": 9, "zip": "2"})])
    assert run_cli(["accept", "r.json"]).exit_code == 3  # changed since the report: refused without --force
    assert run_cli(["accept", "r.json", "--force"]).exit_code == 0
    after = load_cassette(path).interactions
    assert json.loads(after[2].response.body) == {"id": 7}  # the same endpoint, not index 0
    assert json.loads(after[0].response.body) == {"ok": True} and json.loads(after[1].response.body) == {"id": 3}


def test_accept_force_refuses_when_the_request_is_gone_and_writes_nothing(
        project: Path, loopback_server: LoopbackServer) -> None:
    path = write_cassette(project / "cassettes" / "u.yaml", [interaction("GET", f"{BASE}/users/7", {"id": 7, "zip": "1"})])
    loopback_server.route("*", "/users/7", json={"id": 7})
    refresh(loopback_server, "--report", "r.json")
    write_cassette(path, [interaction("GET", f"{BASE}/health", {"ok": True})])
    before = path.read_bytes()
    accepted = run_cli(["accept", "r.json", "--force"])
    assert accepted.exit_code == 3
    err = accepted.stderr
    assert "no longer makes the request of the report's interaction 0" in err and len(err.strip().splitlines()) == 1
    assert path.read_bytes() == before
