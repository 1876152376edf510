"""`cassettes refresh` against a real HTTP server on 127.0.0.1: drift, auth, faults, concurrency."""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import pytest

from cassettes_tool.core.config import Config, RefreshSettings, parse_config
from cassettes_tool.refresh import RefreshOptions, live, run_refresh
from cassettes_tool.refresh.live import LiveClient
from cassettes_tool.refresh.plan import PlannedCall
from cassettes_tool.review.report import load_report
from tests.helpers.cassettes import interaction, write_cassette
from tests.helpers.cli import run_cli
from tests.helpers.server import LoopbackServer, ReceivedRequest

HOST = "api.example.com"


def refresh(*args: str) -> tuple[int, str, str]:
    result = run_cli(["refresh", *args])
    return result.exit_code, result.stdout, result.stderr


def rewrite(api: LoopbackServer) -> list[str]:
    return ["--rewrite-host", f"{HOST}={api.base_url}"]


def run(tmp_path: Path, api: LoopbackServer, *, config: Config | None = None, **options: object):  # type: ignore[no-untyped-def]
    """Refresh through the library with tiny backoff (keeps retry tests fast)."""
    config = config or Config(root=tmp_path)
    values: dict[str, object] = {"rewrite_hosts": {HOST: api.base_url}, "backoff_factor": 0.0, "retries": 0}
    values.update(options)
    return run_refresh(config, RefreshOptions.from_config(config, [tmp_path], **values), environ={})


def only_interaction(outcome):  # type: ignore[no-untyped-def]
    [cassette] = outcome.report.cassettes
    return cassette.interactions[0]


def test_each_kind_of_drift_is_found_end_to_end(tmp_path: Path, loopback_server: LoopbackServer,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.cassettes]\ncassette_dir = "cassettes"\n[tool.cassettes.drift]\nwatch_headers = ["x-rate-limit"]\n'
    )
    base = f"https://{HOST}"
    write_cassette(tmp_path / "cassettes" / "drift.yaml", [
        interaction("GET", f"{base}/status", {"id": 1}),
        interaction("GET", f"{base}/ctype", {"id": 1}),
        interaction("GET", f"{base}/format", {"id": 1}, content_type="application/json"),
        interaction("GET", f"{base}/fields", {"id": 1, "zip": "1000", "count": 3, "note": "a"}),
        interaction("GET", f"{base}/header", {"id": 1}, response_headers={"X-Rate-Limit": ["10"]}),
        interaction("GET", f"{base}/same", {"id": 1, "tags": ["a"], "at": "2020-01-01"}),
    ])
    loopback_server.route("*", "/status", json={"error": "gone"}, status=404)
    loopback_server.route("*", "/ctype", json={"id": 2}, headers={"Content-Type": "application/vnd.api+json"})
    loopback_server.route("*", "/format", body=b"plain text now", headers={"Content-Type": "text/plain"})
    loopback_server.route("*", "/fields", json={"id": 1, "count": "three", "note": None, "added": True})
    loopback_server.route("*", "/header", json={"id": 1})
    loopback_server.route("*", "/same", json={"id": 99, "tags": ["x", "y", "z"], "at": "2026-11-24"})
    monkeypatch.chdir(tmp_path)

    code, out, err = refresh(*rewrite(loopback_server), "--format", "json", "--fail-on", "never")

    assert code == 0, err
    report = json.loads(out)
    kinds = {i["uri"].rsplit("/", 1)[1]: {f["kind"] for f in i["findings"]}
             for i in report["cassettes"][0]["interactions"]}
    assert "status_changed" in kinds["status"]
    assert kinds["ctype"] == {"content_type_changed"}
    assert "body_format_changed" in kinds["format"]
    assert {"field_removed", "type_changed", "nullability_changed", "field_added"} <= kinds["fields"]
    assert kinds["header"] == {"header_changed"}
    assert kinds["same"] == set()  # other values, lengths and dates are not drift
    assert report["cassettes"][0]["path"] == "cassettes/drift.yaml"  # relative to the working dir
    assert "refresh: 1 cassette(s), 6 interaction(s)" in err


def test_breaking_drift_exits_1_and_fail_on_never_exits_0(tmp_path: Path, loopback_server: LoopbackServer) -> None:
    write_cassette(tmp_path / "c.yaml", [interaction("GET", f"https://{HOST}/u", {"id": 1, "zip": "1"})])
    loopback_server.route("*", "/u", json={"id": 1})
    assert refresh(str(tmp_path), *rewrite(loopback_server))[0] == 1
    assert refresh(str(tmp_path), *rewrite(loopback_server), "--fail-on", "never")[0] == 0


def test_the_auth_token_reaches_the_server_but_never_the_report_nor_the_cassette(
        tmp_path: Path, loopback_server: LoopbackServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    token = "tok-6f1d9c2b7a-planted"
    monkeypatch.setenv("EXAMPLE_TOKEN", token)
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.cassettes]\ncassette_dir = "c"\n[tool.cassettes.auth."{HOST}"]\n'
        'header = "Authorization"\nenv = "EXAMPLE_TOKEN"\nformat = "Bearer {}"\n'
    )
    cassette = write_cassette(tmp_path / "c" / "echo.yaml", [
        interaction("GET", f"https://{HOST}/echo?api_key=<FILTERED>&page=2", {"headers": {}},
                    headers={"Authorization": ["<FILTERED>"], "X-Trace": ["<FILTERED>"],
                             "Accept": ["application/json"]}),
    ])
    loopback_server.route("*", "/echo", echo_headers=True)
    monkeypatch.chdir(tmp_path)

    code, out, err = refresh(*rewrite(loopback_server), "--update", "all", "--report", "r.json",
                             "--format", "json", "--fail-on", "never")

    assert code == 0, err
    [seen] = loopback_server.requests_to("/echo")
    assert seen.headers["Authorization"] == f"Bearer {token}"
    assert "X-Trace" not in seen.headers  # a placeholder is never sent as a value
    assert seen.target == "/echo?page=2"
    assert seen.headers["Accept"] == "application/json"
    for text in (out, err, (tmp_path / "r.json").read_text(), cassette.read_text()):
        assert token not in text
    assert "<FILTERED>" in cassette.read_text()  # the echoed credential was scrubbed, not dropped


def test_a_missing_environment_variable_is_one_clear_line_and_nothing_is_sent(
        tmp_path: Path, loopback_server: LoopbackServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MISSING_TOKEN_VAR", raising=False)
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.cassettes]\n[tool.cassettes.auth."{HOST}"]\nenv = "MISSING_TOKEN_VAR"\n'
    )
    write_cassette(tmp_path / "c.yaml", [interaction("GET", f"https://{HOST}/u", {"id": 1})])
    loopback_server.route("*", "/u", json={"id": 1})
    monkeypatch.chdir(tmp_path)

    code, _, err = refresh("c.yaml", *rewrite(loopback_server))

    assert code == 2
    assert "MISSING_TOKEN_VAR" in err and HOST in err
    assert len(err.strip().splitlines()) == 1
    assert loopback_server.requests == []


def test_unsafe_methods_never_reach_the_server_unless_allowed(tmp_path: Path, loopback_server: LoopbackServer) -> None:
    write_cassette(tmp_path / "c.yaml", [
        interaction("GET", f"https://{HOST}/items", []),
        interaction("POST", f"https://{HOST}/items", {"id": 1}, request_body=b'{"name": "a"}'),
        interaction("DELETE", f"https://{HOST}/items/1", {}),
        interaction("GET", f"wss://{HOST}/stream", {}),
    ])
    loopback_server.route("*", "/items", json=[])

    code, out, _ = refresh(str(tmp_path), *rewrite(loopback_server), "--format", "json")

    assert code == 0
    statuses = [(i["status"], i["reason"]) for i in json.loads(out)["cassettes"][0]["interactions"]]
    assert statuses[0] == ("ok", None)
    assert statuses[1][0] == statuses[2][0] == statuses[3][0] == "skipped"
    assert "--allow-methods" in statuses[1][1] and "http" in statuses[3][1]
    assert [s.method for s in loopback_server.requests] == ["GET"]

    refresh(str(tmp_path), *rewrite(loopback_server), "--allow-methods", "get,post")
    assert sorted(s.method for s in loopback_server.requests) == ["GET", "GET", "POST"]
    assert loopback_server.requests_to("/items")[-1].body in (b'{"name": "a"}', b"")


def test_a_request_body_holding_a_placeholder_is_skipped_not_sent(tmp_path: Path, loopback_server: LoopbackServer) -> None:
    write_cassette(tmp_path / "c.yaml", [
        interaction("POST", f"https://{HOST}/login", {"ok": True},
                    request_body=b'{"user": "a", "password": "<FILTERED>"}'),
    ])
    outcome = run(tmp_path, loopback_server, methods=("POST",))
    result = only_interaction(outcome)
    assert result.status == "skipped" and "filtered value" in (result.reason or "")
    assert loopback_server.requests == []


def test_rewrite_hosts_from_the_config_apply_and_an_unused_rewrite_is_noted(
        tmp_path: Path, loopback_server: LoopbackServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.cassettes]\ncassette_dir = "c"\n[tool.cassettes.refresh]\nrewrite_hosts = {{ "{HOST}" = "{loopback_server.base_url}/v2" }}\n'
    )
    write_cassette(tmp_path / "c" / "a.yaml", [interaction("GET", f"https://{HOST}/users?page=1", [])])
    loopback_server.route("*", "/v2/users", json=[])
    monkeypatch.chdir(tmp_path)

    code, _, err = refresh("--rewrite-host", f"other.example.org={loopback_server.base_url}")

    assert code == 0, err
    assert [s.target for s in loopback_server.requests] == ["/v2/users?page=1"]
    assert "other.example.org" in err and "unused" in err


def test_a_503_with_retry_after_is_retried_then_succeeds(tmp_path: Path, loopback_server: LoopbackServer) -> None:
    write_cassette(tmp_path / "c.yaml", [interaction("GET", f"https://{HOST}/busy", {"id": 1})])
    route = loopback_server.route("*", "/busy", json={"id": 1}, fail_times=1, fail_status=503,
                                fail_headers={"Retry-After": "1"})
    result = only_interaction(run(tmp_path, loopback_server, retries=2))
    assert result.status == "ok"
    assert route.served == 2


def test_a_server_error_that_persists_is_an_error_not_drift(tmp_path: Path, loopback_server: LoopbackServer) -> None:
    write_cassette(tmp_path / "c.yaml", [interaction("GET", f"https://{HOST}/down", {"id": 1})])
    route = loopback_server.route("*", "/down", json={"id": 1}, fail_times=99, fail_status=502)
    outcome = run(tmp_path, loopback_server, retries=2)
    result = only_interaction(outcome)
    assert result.status == "error" and not result.findings
    assert "502" in (result.reason or "") and "could not check" in (result.reason or "")
    assert route.served == 3
    from cassettes_tool.review.report import exit_code
    assert exit_code(outcome.report, "breaking") == 3


def test_401_is_an_error_that_points_at_the_credentials(tmp_path: Path, loopback_server: LoopbackServer) -> None:
    write_cassette(tmp_path / "c.yaml", [interaction("GET", f"https://{HOST}/me", {"id": 1})])
    loopback_server.route("*", "/me", json={"error": "unauthorized"}, status=401)
    result = only_interaction(run(tmp_path, loopback_server))
    assert result.status == "error"
    assert "credentials" in (result.reason or "") and HOST in (result.reason or "")


def test_a_slow_response_times_out_as_an_error(tmp_path: Path, loopback_server: LoopbackServer) -> None:
    write_cassette(tmp_path / "c.yaml", [interaction("GET", f"https://{HOST}/slow", {"id": 1})])
    loopback_server.route("*", "/slow", json={"id": 1}, latency=1.5)
    result = only_interaction(run(tmp_path, loopback_server, timeout=0.3))
    assert result.status == "error"
    assert "--timeout" in (result.reason or "")


def test_connection_refused_is_an_error_and_the_host_is_not_hammered(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    write_cassette(tmp_path / "c.yaml", [interaction("GET", f"https://{HOST}/a", {}),
                                        interaction("GET", f"https://{HOST}/b", {})])

    code, out, err = refresh(str(tmp_path), "--rewrite-host", f"{HOST}=http://127.0.0.1:{port}",
                             "--retries", "0", "--workers", "1", "--format", "json")

    assert code == 3
    reasons = [i["reason"] for i in json.loads(out)["cassettes"][0]["interactions"]]
    assert "connection refused" in reasons[0]
    assert reasons[1].startswith("not attempted")
    assert "2 error" in err


def test_an_unknown_host_is_an_error_that_suggests_rewrite_host(tmp_path: Path, loopback_server: LoopbackServer) -> None:
    write_cassette(tmp_path / "c.yaml", [interaction("GET", "http://api.nonexistent.invalid/x", {})])
    result = only_interaction(run(tmp_path, loopback_server))
    assert result.status == "error"
    assert "unknown host" in (result.reason or "") and "--rewrite-host" in (result.reason or "")


def test_a_connection_reset_mid_body_is_an_error(tmp_path: Path, loopback_server: LoopbackServer) -> None:
    write_cassette(tmp_path / "c.yaml", [interaction("GET", f"https://{HOST}/reset", {"id": 1})])
    loopback_server.route("*", "/reset", fault="reset-mid-body")
    result = only_interaction(run(tmp_path, loopback_server))
    assert result.status == "error"
    assert "broke while reading" in (result.reason or "")


def test_a_two_megabyte_body_is_compared_and_kept(tmp_path: Path, loopback_server: LoopbackServer) -> None:
    rows = [{"id": i, "name": "x" * 40, "tags": ["a", "b"]} for i in range(30_000)]
    body = json.dumps(rows).encode()
    assert len(body) > 2_000_000
    write_cassette(tmp_path / "c.yaml", [interaction("GET", f"https://{HOST}/big", rows[:2])])
    loopback_server.route("*", "/big", body=body, headers={"Content-Type": "application/json"})
    result = only_interaction(run(tmp_path, loopback_server))
    assert result.status == "ok"
    assert result.live is not None and result.live.body == body


def test_a_body_that_claims_json_but_is_not_is_drift_not_a_crash(tmp_path: Path, loopback_server: LoopbackServer) -> None:
    write_cassette(tmp_path / "c.yaml", [interaction("GET", f"https://{HOST}/liar", {"id": 1})])
    loopback_server.route("*", "/liar", body=b"<html>maintenance</html>", headers={"Content-Type": "application/json"})
    result = only_interaction(run(tmp_path, loopback_server))
    assert result.status == "drift"
    assert "body_format_changed" in {f.kind for f in result.findings}


def test_a_slow_server_is_called_concurrently_within_the_per_host_limit(tmp_path: Path, loopback_server: LoopbackServer) -> None:
    for n in range(4):
        write_cassette(tmp_path / f"c{n}.yaml",
                       [interaction("GET", f"https://{HOST}/slow/{n}/{i}", {"id": 1}) for i in range(3)])
    for n in range(4):
        for i in range(3):
            loopback_server.route("*", f"/slow/{n}/{i}", json={"id": 2}, latency=0.15)

    outcome = run(tmp_path, loopback_server, workers=6)
    assert [i.status for c in outcome.report.cassettes for i in c.interactions] == ["ok"] * 12
    assert 1 < loopback_server.max_in_flight <= 6

    loopback_server.max_in_flight = 0
    run(tmp_path, loopback_server, workers=6, per_host=2)
    assert loopback_server.max_in_flight <= 2


def test_every_deadline_of_a_run_is_kept_by_one_thread_that_ends_with_the_run(
        tmp_path: Path, loopback_server: LoopbackServer) -> None:
    # A thread per attempt (threading.Timer) used to cost more than the request; now the live
    # client has one watchdog thread, whatever the number of calls in flight.
    seen: list[list[str]] = []

    def answer(request: ReceivedRequest) -> tuple[int, dict[str, str], bytes]:
        time.sleep(0.05)
        seen.append([t.name for t in threading.enumerate()])
        return 200, {"Content-Type": "application/json"}, b'{"id": 2}'

    for n in range(3):
        write_cassette(tmp_path / f"c{n}.yaml",
                       [interaction("GET", f"https://{HOST}/watched/{n}/{i}", {"id": 1}) for i in range(4)])
    loopback_server.route("*", "*", handler=answer)
    outcome = run(tmp_path, loopback_server, workers=6)

    assert [i.status for c in outcome.report.cassettes for i in c.interactions] == ["ok"] * 12
    assert len(seen) == 12
    assert max(names.count("cassettes-deadlines") for names in seen) == 1
    assert "cassettes-deadlines" not in [t.name for t in threading.enumerate()]  # stopped by close()


def test_deadlines_of_finished_calls_do_not_pile_up_under_a_long_timeout(
        loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    # Each finished call leaves its deadline in the watchdog's heap until it would have fired;
    # with --timeout 3600 that is an hour of calls, so the heap is rebuilt once they are most of it.
    monkeypatch.setattr(live, "_COMPACT_AFTER", 10)
    loopback_server.route("*", "*", json={"id": 1})
    origin = loopback_server.base_url
    with LiveClient(RefreshSettings(timeout=3600.0), {}, [origin]) as client:
        for n in range(60):
            call = PlannedCall(index=0, method="GET", uri=f"{origin}/n/{n}", action="send",
                               url=f"{origin}/n/{n}", origin=origin, host="127.0.0.1")
            assert client.send(call).status == 200
        assert len(client._watchdog._heap) <= 2 * (10 + 1)  # 60 without the rebuild


def test_samples_call_each_interaction_several_times_and_merge_shapes(tmp_path: Path, loopback_server: LoopbackServer) -> None:
    write_cassette(tmp_path / "c.yaml", [interaction("GET", f"https://{HOST}/s", {"id": 1})])
    route = loopback_server.route("*", "/s", json={"id": 1})
    result = only_interaction(run(tmp_path, loopback_server, samples=3))
    assert result.status == "ok" and route.served == 3


def test_the_report_keeps_the_filtered_live_body_and_the_cassette_sha256(tmp_path: Path, loopback_server: LoopbackServer) -> None:
    from cassettes_tool.core.storage import file_sha256

    path = write_cassette(tmp_path / "c.yaml", [interaction("GET", f"https://{HOST}/tok", {"access_token": "x"})])
    loopback_server.route("*", "/tok", json={"access_token": "live-secret-123456", "password": "hunter2"},
                        headers={"Content-Type": "application/json", "Set-Cookie": "sid=abcdef123456"})
    outcome = run(tmp_path, loopback_server, config=parse_config({}, root=tmp_path))
    [cassette] = outcome.report.cassettes
    assert cassette.sha256 == file_sha256(path)
    text = outcome.report.dumps()
    assert "live-secret-123456" not in text and "hunter2" not in text and "sid=abcdef" not in text
    live = cassette.interactions[0].live
    assert live is not None and json.loads(live.body)["access_token"] == "<FILTERED>"


def test_an_unreadable_cassette_is_reported_and_the_rest_still_checked(tmp_path: Path, loopback_server: LoopbackServer) -> None:
    (tmp_path / "broken.yaml").write_text("interactions: [\n")
    write_cassette(tmp_path / "good.yaml", [interaction("GET", f"https://{HOST}/g", {"id": 1})])
    loopback_server.route("*", "/g", json={"id": 1})
    code, _, _ = refresh(str(tmp_path), *rewrite(loopback_server), "--report", str(tmp_path / "r.json"))
    assert code == 3
    report = load_report(tmp_path / "r.json")
    statuses = {Path(c.path).name: (c.status, c.error) for c in report.cassettes}
    assert statuses["good.yaml"] == ("ok", None)
    assert statuses["broken.yaml"][0] == "error" and "broken.yaml" in (statuses["broken.yaml"][1] or "")


@pytest.mark.parametrize("fmt", ["text", "markdown", "junit", "html"])
def test_every_report_format_renders_to_output(tmp_path: Path, loopback_server: LoopbackServer, fmt: str) -> None:
    write_cassette(tmp_path / "c.yaml", [interaction("GET", f"https://{HOST}/u", {"id": 1, "zip": "1"})])
    loopback_server.route("*", "/u", json={"id": 1})
    target = tmp_path / f"out.{fmt}"
    code, out, err = refresh(str(tmp_path / "c.yaml"), *rewrite(loopback_server), "--format", fmt,
                             "--output", str(target))
    assert code == 1
    assert out == ""
    assert "zip" in target.read_text()
    assert f"wrote {fmt} report" in err


def test_a_baseline_acknowledges_known_findings_so_they_no_longer_fail(
        tmp_path: Path, loopback_server: LoopbackServer) -> None:
    from cassettes_tool.review.baseline import write_baseline

    write_cassette(tmp_path / "c" / "u.yaml", [interaction("GET", f"https://{HOST}/u", {"id": 1, "zip": "1"})])
    loopback_server.route("*", "/u", json={"id": 1})
    report_path, baseline = tmp_path / "r.json", tmp_path / "baseline.json"
    assert refresh(str(tmp_path / "c"), *rewrite(loopback_server), "--report", str(report_path))[0] == 1
    write_baseline(baseline, load_report(report_path))

    code, out, err = refresh(str(tmp_path / "c"), *rewrite(loopback_server), "--baseline", str(baseline),
                             "--format", "json")

    assert code == 0, err
    [finding] = json.loads(out)["cassettes"][0]["interactions"][0]["findings"]
    assert finding["acknowledged"] is True and finding["kind"] == "field_removed"
    assert "1 acknowledged" in err


@pytest.mark.parametrize(("method", "status", "calls", "says_retried"), [
    ("GET", 502, 3, True),     # retried: the reason says so
    ("GET", 500, 1, False),    # 500 is never retried (it is rarely transient, and may not be safe)
    ("POST", 503, 1, False),   # a POST is never re-sent after it went out
])
def test_the_reason_says_after_n_retries_only_when_the_call_was_retried(
        tmp_path: Path, loopback_server: LoopbackServer, method: str, status: int, calls: int, says_retried: bool) -> None:
    write_cassette(tmp_path / "c.yaml", [interaction(method, f"https://{HOST}/failing", {"id": 1})])
    route = loopback_server.route("*", "/failing", json={"id": 1}, fail_times=99, fail_status=status)
    result = only_interaction(run(tmp_path, loopback_server, retries=2, methods=("GET", "POST")))
    assert route.served == calls
    assert result.status == "error" and str(status) in (result.reason or "")
    assert ("after 2 retries" in (result.reason or "")) is says_retried, result.reason


def test_a_post_that_times_out_is_not_said_to_be_retried(tmp_path: Path, loopback_server: LoopbackServer) -> None:
    write_cassette(tmp_path / "c.yaml", [interaction("POST", f"https://{HOST}/slow", {"id": 1})])
    route = loopback_server.route("*", "/slow", json={"id": 1}, latency=1.0)
    result = only_interaction(run(tmp_path, loopback_server, retries=2, methods=("POST",), timeout=0.3))
    assert route.served == 1
    assert "within 0.3s" in (result.reason or "") and "retr" not in (result.reason or ""), result.reason


def test_a_persistent_429_is_retried_then_reported_as_rate_limited(tmp_path: Path, loopback_server: LoopbackServer) -> None:
    write_cassette(tmp_path / "c.yaml", [interaction("GET", f"https://{HOST}/limited", {"id": 1})])
    route = loopback_server.route("*", "/limited", json={"id": 1}, fail_times=99, fail_status=429)
    result = only_interaction(run(tmp_path, loopback_server, retries=1))
    assert result.status == "error" and "rate limited" in (result.reason or "")
    assert route.served == 2


def test_a_recorded_error_status_that_is_still_returned_is_compared_not_an_error(
        tmp_path: Path, loopback_server: LoopbackServer) -> None:
    write_cassette(tmp_path / "c.yaml", [interaction("GET", f"https://{HOST}/private", {"error": "no"},
                                                     status=401)])
    loopback_server.route("*", "/private", json={"error": "still no"}, status=401)
    result = only_interaction(run(tmp_path, loopback_server))
    assert result.status == "ok"


def test_redirects_are_not_followed_to_other_hosts(tmp_path: Path, loopback_server: LoopbackServer) -> None:
    write_cassette(tmp_path / "c.yaml", [interaction("GET", f"https://{HOST}/moved", b"", status=302,
                                                     content_type="text/plain")])
    loopback_server.route("*", "/moved", status=302, body=b"", headers={"Location": "http://198.51.100.7/elsewhere",
                                                             "Content-Type": "text/plain"})
    result = only_interaction(run(tmp_path, loopback_server))
    assert result.status == "ok"
    assert result.live is not None and result.live.status == 302
    assert [s.target for s in loopback_server.requests] == ["/moved"]


def test_a_rewrite_host_written_with_capitals_in_pyproject_still_matches_the_recorded_host(
        tmp_path: Path, loopback_server: LoopbackServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.cassettes]\ncassette_dir = "cassettes"\n'
        f'[tool.cassettes.refresh]\nrewrite_hosts = {{ "API.Example.com" = "{loopback_server.base_url}" }}\n'
    )
    write_cassette(tmp_path / "cassettes" / "a.yaml", [interaction("GET", f"https://{HOST}/a", {"id": 1})])
    loopback_server.route("*", "/a", json={"id": 1})
    monkeypatch.chdir(tmp_path)

    code, out, err = refresh("--format", "json")

    assert code == 0, err
    [item] = json.loads(out)["cassettes"][0]["interactions"]
    assert item["status"] == "ok", item["reason"]
    assert len(loopback_server.requests_to("/a")) == 1
    assert "rewrite unused" not in err


def test_a_rewrite_host_given_with_capitals_on_the_command_line_matches_too(
        tmp_path: Path, loopback_server: LoopbackServer) -> None:
    path = write_cassette(tmp_path / "a.yaml", [interaction("GET", f"https://{HOST}:443/a", {"id": 1})])
    loopback_server.route("*", "/a", json={"id": 1})

    code, out, err = refresh(str(path), "--rewrite-host", f"API.EXAMPLE.com:443={loopback_server.base_url}",
                             "--format", "json")

    assert code == 0, err
    assert json.loads(out)["cassettes"][0]["interactions"][0]["status"] == "ok"
    assert len(loopback_server.requests_to("/a")) == 1
