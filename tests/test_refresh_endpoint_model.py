"""`cassettes refresh` judges live drift with the endpoint model of the whole project (real HTTP on 127.0.0.1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cassettes_tool.cli import main
from cassettes_tool.core.reader import load_cassette

from .test_refresh_helpers import LiveAPI, interaction, live_api, write_cassette

__all__ = ["live_api"]

HOST = "api.example.com"
BASE = f"https://{HOST}"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text('[tool.cassettes]\ncassette_dir = "cassettes"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def refresh(capsys: pytest.CaptureFixture[str], api: LiveAPI, *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    code = main(["refresh", "--rewrite-host", f"{HOST}={api.url}", "--format", "json", *args])
    out, _ = capsys.readouterr()
    return code, json.loads(out)


def test_a_field_other_recorded_tweets_lack_is_optional_and_does_not_fail_the_night(
        project: Path, live_api: LiveAPI, capsys: pytest.CaptureFixture[str]) -> None:
    with_media = {"id": 1, "text": "a", "entities": {"media": [{"url": "u"}], "hashtags": []}}
    write_cassette(project / "cassettes" / "tweet.yaml", [interaction("GET", f"{BASE}/tweets/1", with_media)])
    live_api.json_route("/tweets/1", {"id": 1, "text": "a", "entities": {"hashtags": []}})

    code, report = refresh(capsys, live_api, "cassettes/tweet.yaml")
    [item] = report["cassettes"][0]["interactions"]
    assert code == 1 and [f["severity"] for f in item["findings"]] == ["breaking"]  # nothing else recorded

    write_cassette(project / "cassettes" / "timeline.yaml", [
        interaction("GET", f"{BASE}/tweets/{n}", {"id": n, "text": "b", "entities": {"hashtags": ["x"]}})
        for n in (2, 3, 4)])
    code, report = refresh(capsys, live_api, "cassettes/tweet.yaml")  # only tweet.yaml is sent
    [item] = report["cassettes"][0]["interactions"]
    [finding] = item["findings"]
    assert code == 0 and len(live_api.requests_to("/tweets/2")) == 0
    assert (finding["kind"], finding["severity"]) == ("field_removed", "info")
    assert "optional: absent in 3 of 4 recorded samples" in finding["message"]
    assert item["pairing"] == "request" and finding["group"]


def test_a_live_empty_list_is_not_compared_instead_of_ok_and_update_all_writes_it(
        project: Path, live_api: LiveAPI, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_cassette(project / "cassettes" / "list.yaml", [
        interaction("GET", f"{BASE}/orders?status=open", [{"id": 1, "total": 3}])])
    live_api.json_route("/orders", [])

    code, report = refresh(capsys, live_api)
    [item] = report["cassettes"][0]["interactions"]
    assert code == 0 and item["status"] == "not_compared" and report["summary"]["not_compared"] == 1
    assert "live body is an empty array or object" in item["reason"]
    assert report["cassettes"][0]["status"] == "not_compared"

    code = main(["refresh", "--rewrite-host", f"{HOST}={live_api.url}", "--update", "all"])
    capsys.readouterr()
    assert load_cassette(path).interactions[0].response.body == b"[]"


def test_the_same_change_in_two_cassettes_is_one_group_with_one_severity(
        project: Path, live_api: LiveAPI, capsys: pytest.CaptureFixture[str]) -> None:
    for name, user in (("a", 7), ("b", 8)):
        write_cassette(project / "cassettes" / f"{name}.yaml", [
            interaction("GET", f"{BASE}/users/{user}", {"id": user, "profile": {"zip": "1"}})])
        live_api.json_route(f"/users/{user}", {"id": user, "profile": {}})

    code, report = refresh(capsys, live_api)
    findings = [f for c in report["cassettes"] for i in c["interactions"] for f in i["findings"]]
    assert code == 1 and len(findings) == 2 and len({f["fingerprint"] for f in findings}) == 2
    assert len({f["group"] for f in findings}) == 1 and {f["severity"] for f in findings} == {"breaking"}
    main(["refresh", "--rewrite-host", f"{HOST}={live_api.url}"])
    out, _ = capsys.readouterr()
    words = " ".join(out.split())  # lines wrap at 80 columns
    assert words.count("2 occurrences") == 2 and "the same change as group" in words


def test_accept_force_writes_each_response_into_the_interaction_that_made_its_request(
        project: Path, live_api: LiveAPI, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_cassette(project / "cassettes" / "u.yaml", [
        interaction("GET", f"{BASE}/users/7", {"id": 7, "zip": "1"}),
        interaction("GET", f"{BASE}/orgs/3", {"id": 3})])
    live_api.json_route("/users/7", {"id": 7})
    live_api.json_route("/orgs/3", {"id": 3})
    refresh(capsys, live_api, "--report", "r.json")
    # Someone re-recorded the cassette since: a new first interaction, user 7 is now user 9.
    write_cassette(path, [
        interaction("GET", f"{BASE}/health", {"ok": True}),
        interaction("GET", f"{BASE}/orgs/3", {"id": 3}),
        interaction("GET", f"{BASE}/users/9", {"id": 9, "zip": "2"})])
    assert main(["accept", "r.json"]) == 3  # changed since the report: refused without --force
    assert main(["accept", "r.json", "--force"]) == 0
    capsys.readouterr()
    after = load_cassette(path).interactions
    assert json.loads(after[2].response.body) == {"id": 7}  # the same endpoint, not index 0
    assert json.loads(after[0].response.body) == {"ok": True} and json.loads(after[1].response.body) == {"id": 3}


def test_accept_force_refuses_when_the_request_is_gone_and_writes_nothing(
        project: Path, live_api: LiveAPI, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_cassette(project / "cassettes" / "u.yaml", [interaction("GET", f"{BASE}/users/7", {"id": 7, "zip": "1"})])
    live_api.json_route("/users/7", {"id": 7})
    refresh(capsys, live_api, "--report", "r.json")
    write_cassette(path, [interaction("GET", f"{BASE}/health", {"ok": True})])
    before = path.read_bytes()
    assert main(["accept", "r.json", "--force"]) == 3
    _, err = capsys.readouterr()
    assert "no longer makes the request of the report's interaction 0" in err and len(err.strip().splitlines()) == 1
    assert path.read_bytes() == before
