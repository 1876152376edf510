"""Selection (shards, age, empty folders) and the plan (--dry-run): decided before any call."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cassettes_tool.core.cassette import Request
from cassettes_tool.core.config import Config, parse_config
from cassettes_tool.core.filters import FilterRules
from cassettes_tool.errors import ConfigError, UsageError
from cassettes_tool.refresh import parse_rewrite, parse_shard, select_cassettes
from cassettes_tool.refresh.plan import build_plan, outgoing_headers, plan_call, resolve_credentials
from tests.helpers.cassettes import interaction, write_cassette
from tests.helpers.cli import run_cli
from tests.helpers.server import LoopbackServer

HOST = "api.example.com"


def fleet(folder: Path, count: int) -> list[Path]:
    return [write_cassette(folder / f"group{n % 3}" / f"c{n:02}.yaml",
                           [interaction("GET", f"https://{HOST}/{n}", {})]) for n in range(count)]


@pytest.mark.parametrize("shards", [1, 2, 3, 7])
def test_shards_cover_every_cassette_exactly_once(tmp_path: Path, shards: int) -> None:
    paths = fleet(tmp_path, 30)
    chosen: list[Path] = []
    for index in range(1, shards + 1):
        selection = select_cassettes([tmp_path], root=tmp_path, shard=parse_shard(f"{index}/{shards}"))
        chosen += [item.path for item in selection.items]
    assert sorted(chosen) == sorted(paths)


def test_a_shard_does_not_depend_on_where_the_checkout_lives_nor_on_other_cassettes(tmp_path: Path) -> None:
    fleet(tmp_path / "a", 12)
    fleet(tmp_path / "b", 12)
    shard = parse_shard("2/3")
    in_a = [i.path.relative_to(tmp_path / "a") for i in select_cassettes([tmp_path / "a"], root=tmp_path / "a", shard=shard).items]
    in_b = [i.path.relative_to(tmp_path / "b") for i in select_cassettes([tmp_path / "b"], root=tmp_path / "b", shard=shard).items]
    assert in_a == in_b and in_a
    (tmp_path / "a" / "group0" / "c00.yaml").unlink()
    after = [i.path.relative_to(tmp_path / "a") for i in select_cassettes([tmp_path / "a"], root=tmp_path / "a", shard=shard).items]
    assert [p for p in in_a if p != Path("group0/c00.yaml")] == after


@pytest.mark.parametrize("text", ["0/3", "4/3", "1/0", "a/b", "3", "1/-2"])
def test_a_bad_shard_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="K/N"):
        parse_shard(text)


def test_older_than_keeps_old_cassettes_only(tmp_path: Path) -> None:
    old = write_cassette(tmp_path / "old.yaml", [interaction("GET", f"https://{HOST}/o", {})],
                         recorded_at="2020-01-01T00:00:00Z")
    recent = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    write_cassette(tmp_path / "new.yaml", [interaction("GET", f"https://{HOST}/n", {})], recorded_at=recent)
    selection = select_cassettes([tmp_path], root=tmp_path, older_than=timedelta(days=30))
    assert [i.path for i in selection.items] == [old]


def test_an_empty_folder_is_a_clear_usage_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = run_cli(["refresh", str(tmp_path / "empty")])
    assert result.exit_code == 2
    err = result.stderr
    assert "no cassettes found" in err and "empty" in err


def test_an_empty_shard_is_fine_says_so_and_still_writes_its_report(
        tmp_path: Path, loopback_server: LoopbackServer) -> None:
    folder = tmp_path / "cassettes"
    write_cassette(folder / "only.yaml", [interaction("GET", f"https://{HOST}/o", {})])
    loopback_server.route("*", "/o", json={})
    results = []
    for index in (1, 2):
        result = run_cli(["refresh", str(folder), "--shard", f"{index}/2", "--rewrite-host",
                     f"{HOST}={loopback_server.base_url}", "--report", str(tmp_path / f"r{index}.json")])
        code = result.exit_code
        results.append((code, "holds none of the 1 cassette(s)" in result.stderr))
    assert sorted(results) == [(0, False), (0, True)]
    assert (tmp_path / "r1.json").exists() and (tmp_path / "r2.json").exists()
    assert len(loopback_server.requests) == 1


def _plan_one(request: Request, config: Config | None = None, **kwargs: object):  # type: ignore[no-untyped-def]
    config = config or Config()
    return plan_call(0, request, config=config, rules=FilterRules.from_config(config),
                     rewrites=kwargs.get("rewrites", {}), methods=("GET", "HEAD", "OPTIONS"), used=set())  # type: ignore[arg-type]


def test_hop_by_hop_secret_and_placeholder_headers_are_never_sent() -> None:
    request = Request("GET", f"https://{HOST}/x", headers={
        "Connection": ["keep-alive"], "Transfer-Encoding": ["chunked"], "Host": [HOST],
        "Content-Length": ["0"], "Cookie": ["session=abc"], "Authorization": ["Bearer real-looking"],
        "X-Custom": ["<FILTERED>"], "Accept": ["application/json"], "User-Agent": ["app/1.0"],
    })
    headers = outgoing_headers(request, FilterRules.from_config(Config()), None)
    assert set(headers) == {"Accept", "User-Agent", "Accept-Encoding"}
    assert "<FILTERED>" not in "".join(headers.values())


def test_placeholder_query_values_are_dropped_and_userinfo_is_never_sent() -> None:
    call = _plan_one(Request("GET", f"https://user:pw@{HOST}/x?token=<FILTERED>&page=2&key=%3CFILTERED%3E"))
    assert call.url == f"https://{HOST}/x?page=2"


def test_rewrite_keeps_path_and_query_and_may_add_a_prefix() -> None:
    call = _plan_one(Request("GET", f"https://{HOST}/v1/users?page=2"),
                     rewrites=parse_rewrite([f"{HOST}=http://127.0.0.1:8080/mock"]))
    assert call.url == "http://127.0.0.1:8080/mock/v1/users?page=2"
    assert call.origin == "http://127.0.0.1:8080" and call.host == HOST


def test_a_rewrite_can_name_a_host_with_its_port() -> None:
    rewrites = parse_rewrite([f"{HOST}:8443=http://127.0.0.1:1"])
    assert _plan_one(Request("GET", f"https://{HOST}:8443/a"), rewrites=rewrites).url == "http://127.0.0.1:1/a"
    assert _plan_one(Request("GET", f"https://{HOST}/a"), rewrites=rewrites).url == f"https://{HOST}/a"


@pytest.mark.parametrize("value", ["api.example.com", "api.example.com=ftp://x", "=http://x", "h=notaurl"])
def test_a_bad_rewrite_is_a_config_error(value: str) -> None:
    with pytest.raises(ConfigError, match="HOST=BASE_URL"):
        parse_rewrite([value])


def test_credentials_are_only_required_for_hosts_that_are_contacted(tmp_path: Path) -> None:
    config = parse_config({"auth": {HOST: {"env": "TOKEN_A"}, "other.example.org": {"env": "TOKEN_B"}}},
                          root=tmp_path)
    path = write_cassette(tmp_path / "c.yaml", [interaction("GET", f"https://{HOST}/a", {}),
                                                interaction("POST", "https://other.example.org/b", {})])
    selection = select_cassettes([path], root=tmp_path)
    plan = build_plan(selection.items, config=config, rules=FilterRules.from_config(config), rewrites={},
                      methods=("GET",))
    assert resolve_credentials(plan, {"TOKEN_A": "abc"}) == {HOST: "abc"}
    with pytest.raises(ConfigError, match="TOKEN_A"):
        resolve_credentials(plan, {"TOKEN_B": "x"})


def test_dry_run_lists_what_would_be_sent_where_and_sends_nothing(
        tmp_path: Path, loopback_server: LoopbackServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DRY_TOKEN", raising=False)
    (tmp_path / "pyproject.toml").write_text(f'[tool.cassettes]\n[tool.cassettes.auth."{HOST}"]\nenv = "DRY_TOKEN"\n')
    write_cassette(tmp_path / "c.yaml", [interaction("GET", f"https://{HOST}/a?page=1", {}),
                                         interaction("DELETE", f"https://{HOST}/a/1", {})])
    monkeypatch.chdir(tmp_path)

    result = run_cli(["refresh", "c.yaml", "--rewrite-host", f"{HOST}={loopback_server.base_url}", "--dry-run"])
    code = result.exit_code

    out = result.stdout
    assert code == 0
    assert f"send GET {loopback_server.base_url}/a?page=1" in out and "DRY_TOKEN, NOT SET" in out
    assert "skip DELETE" in out and "nothing was sent" in out
    assert loopback_server.requests == []


def test_dry_run_as_json_has_the_same_facts_names_credentials_but_never_their_values(
        tmp_path: Path, loopback_server: LoopbackServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRY_TOKEN", "s3cr3t-token-value")
    (tmp_path / "pyproject.toml").write_text(f'[tool.cassettes]\n[tool.cassettes.auth."{HOST}"]\nenv = "DRY_TOKEN"\n')
    write_cassette(tmp_path / "c.yaml", [interaction("GET", f"https://{HOST}/a?page=1", {}),
                                         interaction("DELETE", f"https://{HOST}/a/1", {})])
    (tmp_path / "broken.yaml").write_text("interactions: [")
    monkeypatch.chdir(tmp_path)

    result = run_cli(["refresh", ".", "--rewrite-host", f"{HOST}={loopback_server.base_url}", "--dry-run", "--format", "json",
                 "--output", "plan.json"])
    code = result.exit_code

    assert code == 0 and loopback_server.requests == []
    text = (tmp_path / "plan.json").read_text()
    assert "s3cr3t" not in text
    plan = json.loads(text)
    assert plan["schema_version"] == 1 and plan["command"] == "refresh --dry-run"
    assert plan["summary"] == {"cassettes": 2, "send": 1, "skip": 1, "hosts": [loopback_server.base_url]}
    by_name = {Path(c["path"]).name: c for c in plan["cassettes"]}
    assert "invalid YAML" in by_name["broken.yaml"]["error"] and by_name["broken.yaml"]["interactions"] == []
    sent, skipped = by_name["c.yaml"]["interactions"]
    assert sent == {"index": 0, "method": "GET", "uri": f"https://{HOST}/a?page=1", "action": "send",
                    "url": f"{loopback_server.base_url}/a?page=1",
                    "auth": {"header": "Authorization", "env": "DRY_TOKEN", "set": True}}
    assert skipped["action"] == "skip" and skipped["method"] == "DELETE" and "DELETE" in skipped["reason"]
    assert "wrote json plan to plan.json" in result.stderr


@pytest.mark.parametrize("fmt", ["markdown", "junit", "html"])
def test_dry_run_in_a_report_format_is_a_usage_error(tmp_path: Path, fmt: str) -> None:
    path = write_cassette(tmp_path / "c.yaml", [interaction("GET", f"https://{HOST}/a", {})])
    result = run_cli(["refresh", str(path), "--dry-run", "--format", fmt])
    assert result.exit_code == 2
    err = result.stderr
    assert "--dry-run prints the plan as text or json" in err and len(err.strip().splitlines()) == 1


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path: Path, loopback_server: LoopbackServer) -> None:
    write_cassette(tmp_path / "c.yaml", [interaction("GET", f"https://{HOST}/a", {})])
    loopback_server.route("*", "/a", json={})
    result = run_cli(["refresh", str(tmp_path), "--rewrite-host", f"{HOST}={loopback_server.base_url}"])
    assert result.exit_code == 0
    err = result.stderr
    assert err.count("\n") == 1 and err.startswith("refresh: 1 cassette(s)")


def _refresh_with_terminal_stderr(folder: Path, api: LoopbackServer, env: dict[str, str]) -> str:
    import os
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    try:
        process = subprocess.run(
            [sys.executable, "-m", "cassettes_tool", "refresh", str(folder), "--rewrite-host",
             f"{HOST}={api.base_url}"], stdout=subprocess.PIPE, stderr=follower, env=env, timeout=60, check=False,
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
    assert process.returncode == 0
    return b"".join(chunks).decode(errors="replace")


def test_a_progress_bar_is_drawn_on_a_terminal_but_not_in_ci(tmp_path: Path, loopback_server: LoopbackServer) -> None:
    import os

    for n in range(3):
        write_cassette(tmp_path / f"c{n}.yaml", [interaction("GET", f"https://{HOST}/p", {})])
    loopback_server.route("*", "/p", json={})
    env = {k: v for k, v in os.environ.items() if k != "CI"}

    on_terminal = _refresh_with_terminal_stderr(tmp_path, loopback_server, env)
    in_ci = _refresh_with_terminal_stderr(tmp_path, loopback_server, {**env, "CI": "true"})

    assert "3/3" in on_terminal and "refresh: 3 cassette(s)" in on_terminal
    assert "3/3" not in in_ci and "refresh: 3 cassette(s)" in in_ci


def test_config_defaults_apply_and_the_command_line_overrides_them(
        tmp_path: Path, loopback_server: LoopbackServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.cassettes]\ncassette_dir = "c"\n[tool.cassettes.refresh]\nmethods = ["GET", "POST"]\n'
        f'fail_on = "info"\nrewrite_hosts = {{ "{HOST}" = "{loopback_server.base_url}" }}\n'
    )
    write_cassette(tmp_path / "c" / "a.yaml", [interaction("POST", f"https://{HOST}/p", {"id": 1})])
    loopback_server.route("*", "/p", json={"id": 1, "new": True})
    monkeypatch.chdir(tmp_path)

    result = run_cli(["refresh"])
    assert result.exit_code == 1  # POST allowed by the config; an info finding fails at fail_on=info
    assert [s.method for s in loopback_server.requests] == ["POST"]
    result = run_cli(["refresh", "--allow-methods", "GET", "--fail-on", "breaking"])
    assert result.exit_code == 0
    assert len(loopback_server.requests) == 1


def test_a_placeholder_in_the_url_path_makes_the_interaction_skipped() -> None:
    call = _plan_one(Request("GET", f"https://{HOST}/users/%3CFILTERED%3E/profile"))
    assert call.action == "skip" and "path" in (call.reason or "")


def test_dry_run_warns_when_a_filtered_credential_header_has_no_auth_entry(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.cassettes]\n")
    write_cassette(tmp_path / "c.yaml", [
        interaction("GET", f"https://{HOST}/me", {}, headers={"Authorization": ["<FILTERED>"]}),
        interaction("GET", "https://covered.example.com/me", {}, headers={"Authorization": ["<FILTERED>"]}),
        interaction("GET", "https://open.example.com/items", {}),
    ])
    with (tmp_path / "pyproject.toml").open("a") as handle:
        handle.write('[tool.cassettes.auth."covered.example.com"]\nenv = "COVERED_TOKEN"\n')
    result = run_cli(["refresh", "c.yaml", "--dry-run"], cwd=tmp_path)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stdout.splitlines() if line.startswith("warning:")]
    assert warnings == [
        f"warning: {HOST}: the recorded Authorization header was filtered and no "
        f'[tool.cassettes.auth."{HOST}"] entry supplies it; the live calls will likely be refused (401). '
        "Add the entry (header, env, format) before the real run"]
    document = json.loads(run_cli(["refresh", "c.yaml", "--dry-run", "--format", "json"], cwd=tmp_path).stdout)
    assert any(HOST in note and "401" in note for note in document["notes"])


@pytest.mark.parametrize("host", ["localhost:8000", "127.0.0.1:5000", "10.1.2.3", "192.168.0.7:8080",
                                  "[::1]:9000", "devbox.local"])
def test_dry_run_warns_about_hosts_recorded_on_a_developers_machine(tmp_path: Path, host: str) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.cassettes]\n")
    write_cassette(tmp_path / "c.yaml", [interaction("GET", f"http://{host}/items", {})])
    result = run_cli(["refresh", "c.yaml", "--dry-run"], cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert f"warning: http://{host.lower()} is localhost or a private address" in result.stdout


def test_a_rewritten_local_host_and_a_public_host_raise_no_warning(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.cassettes]\n")
    write_cassette(tmp_path / "c.yaml", [interaction("GET", "http://localhost:8000/items", {}),
                                         interaction("GET", f"https://{HOST}/items", {})])
    result = run_cli(["refresh", "c.yaml", "--dry-run", "--rewrite-host", "localhost:8000=https://staging.example.com"],
                     cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "warning:" not in result.stdout
