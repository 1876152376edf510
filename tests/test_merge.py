"""`cassettes merge`: the reports of sharded runs joined into one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cassettes_tool.errors import ReportError
from cassettes_tool.review.merge import merge_reports
from cassettes_tool.review.report import CassetteResult, InteractionResult, Report, load_report
from tests.helpers.cli import run_cli
from tests.helpers.reports import sample_report, write_json_cassette
from tests.helpers.server import LoopbackServer

HOST = "api.example.com"


def shard(started: str, finished: str, *paths: str, status: str = "ok") -> Report:
    return Report(started, finished, [
        CassetteResult(p, status, interactions=[InteractionResult(0, "GET", f"https://{HOST}/{p}", status)])
        for p in paths
    ])


def test_merged_summary_is_the_sum_of_the_shards_and_cassettes_are_in_path_order() -> None:
    a = shard("2026-11-24T03:00:05Z", "2026-11-24T03:00:20Z", "c/b.yaml", "c/d.yaml")
    b = shard("2026-11-24T03:00:01Z", "2026-11-24T03:00:09Z", "c/a.yaml", status="error")
    c = sample_report()
    merged = merge_reports([("a.json", a), ("b.json", b), ("c.json", c)])
    assert [x.path for x in merged.cassettes] == sorted(x.path for r in (a, b, c) for x in r.cassettes)
    assert merged.started_at == "2026-11-24T03:00:00Z" and merged.finished_at == "2026-11-24T03:00:42Z"
    total = merged.summary()
    for key in ("cassettes", "interactions", "ok", "drift", "error", "skipped", "acknowledged"):
        assert total[key] == sum(r.summary()[key] for r in (a, b, c)), key
    assert total["findings"] == c.summary()["findings"]


def test_a_cassette_in_two_reports_is_refused_naming_both(tmp_path: Path) -> None:
    (tmp_path / "one.json").write_text(shard("2026-11-24T03:00:00Z", "2026-11-24T03:00:01Z", "c/a.yaml").dumps())
    (tmp_path / "two.json").write_text(
        shard("2026-11-24T03:00:00Z", "2026-11-24T03:00:01Z", "c/b.yaml", "c/a.yaml").dumps())
    out = tmp_path / "merged.json"
    result = run_cli(["merge", str(tmp_path / "one.json"), str(tmp_path / "two.json"), "--output", str(out)])
    assert result.exit_code == 2
    err = result.stderr.strip()
    assert err == (f"cassettes: error: {tmp_path / 'two.json'}: cassette c/a.yaml is also in {tmp_path / 'one.json'}; "
                   "shards never overlap, so merge each shard's report once, all from the same run")
    assert not out.exists()


def test_reports_of_different_commands_are_not_merged() -> None:
    a = shard("2026-11-24T03:00:00Z", "2026-11-24T03:00:01Z", "c/a.yaml")
    b = shard("2026-11-24T03:00:00Z", "2026-11-24T03:00:01Z", "c/b.yaml")
    b.command = "diff"
    with pytest.raises(ReportError, match="different commands"):
        merge_reports([("a", a), ("b", b)])


def test_a_malformed_or_foreign_report_is_a_clear_error(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(shard("2026-11-24T03:00:00Z", "2026-11-24T03:00:01Z", "c/a.yaml").dumps())
    future = tmp_path / "future.json"
    future.write_text(json.dumps({**json.loads(good.read_text()), "schema_version": 2}))
    result = run_cli(["merge", str(good), str(future), "-o", str(tmp_path / "m.json")])
    assert result.exit_code == 2
    assert "drift report schema_version 2 is not supported" in result.stderr
    (tmp_path / "junk.json").write_text("{not json")
    result = run_cli(["merge", str(good), str(tmp_path / "junk.json"), "-o", str(tmp_path / "m.json")])
    assert result.exit_code == 2
    assert "junk.json: line 1: drift report is not valid JSON" in result.stderr


def test_merge_writes_a_report_that_cassettes_report_reads(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(sample_report().dumps())
    (tmp_path / "b.json").write_text(shard("2026-11-24T03:00:00Z", "2026-11-24T03:00:01Z", "z/last.yaml").dumps())
    out = tmp_path / "merged.json"
    result = run_cli(["merge", str(tmp_path / "a.json"), str(tmp_path / "b.json"), "--output", str(out)])
    assert result.exit_code == 0
    assert "merged 2 report(s)" in result.stderr
    assert len(load_report(out).cassettes) == 6
    result = run_cli(["report", str(out), "--fail-on", "breaking"])
    assert result.exit_code == 1


def test_three_shards_merged_equal_one_unsharded_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     request: pytest.FixtureRequest) -> None:
    # No Date header: the sharded and the unsharded runs may answer in different seconds.
    loopback_server = LoopbackServer(dated=False).start()
    request.addfinalizer(loopback_server.stop)
    monkeypatch.chdir(tmp_path)
    for n in range(9):
        write_json_cassette(tmp_path / f"cassettes/c{n}.yaml", [
            ("GET", f"https://{HOST}/items/{n}", {"id": n, "name": "x"}),
            ("POST", f"https://{HOST}/items", {"id": n}),
        ])
        # every third endpoint drifted, one is down
        live = {"id": n, "name": 1} if n % 3 == 0 else {"id": n + 100, "name": "y"}
        loopback_server.route("GET", f"/items/{n}", json=live, status=500 if n == 4 else 200)
    base = ["refresh", "--rewrite-host", f"{HOST}={loopback_server.base_url}", "--retries", "0", "cassettes"]
    run_cli([*base, "--report", "all.json"])
    for k in (1, 2, 3):
        run_cli([*base, "--shard", f"{k}/3", "--report", f"shard{k}.json"])
    result = run_cli(["merge", "shard1.json", "shard2.json", "shard3.json", "--output", "merged.json"])
    assert result.exit_code == 0
    whole, merged = load_report(Path("all.json")), load_report(Path("merged.json"))
    shards = [load_report(Path(f"shard{k}.json")) for k in (1, 2, 3)]
    assert sum(1 for s in shards if s.cassettes) >= 2  # the split really happened
    summary = whole.summary()
    assert (summary["cassettes"], summary["drift"], summary["error"], summary["skipped"]) == (9, 3, 1, 9)
    assert merged.summary() == whole.summary()
    assert [c.to_json() for c in merged.cassettes] == [c.to_json() for c in sorted(whole.cassettes, key=lambda c: c.path)]
    result = run_cli(["report", "merged.json"])
    assert result.exit_code == run_cli(["report", "all.json"]).exit_code
