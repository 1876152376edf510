"""`cassettes refresh --update`: what is written, what is left byte-identical, crashes, concurrency."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from cassettes_tool.core.reader import load_cassette
from tests.helpers.cassettes import interaction, write_cassette
from tests.helpers.cli import CliResult, run_cli
from tests.helpers.server import LoopbackServer

HOST = "api.example.com"


@pytest.fixture(autouse=True)
def own_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test is its own project, so the project-wide update lock is its own too."""
    (tmp_path / "pyproject.toml").write_text("[tool.cassettes]\n")
    monkeypatch.chdir(tmp_path)


def mixed_cassette(folder: Path, api: LoopbackServer) -> Path:
    """0 ok, 1 drift, 2 error (500), 3 skipped (POST)."""
    path = write_cassette(folder / "mixed.yaml", [
        interaction("GET", f"https://{HOST}/same", {"id": 1, "name": "old"}),
        interaction("GET", f"https://{HOST}/drift", {"id": 1, "zip": "1000"}),
        interaction("GET", f"https://{HOST}/broken", {"id": 1}),
        interaction("POST", f"https://{HOST}/create", {"id": 2}),
    ])
    api.route("*", "/same", json={"id": 7, "name": "new"})
    api.route("*", "/drift", json={"id": 1, "zip": 1000})
    api.route("*", "/broken", json={"error": "boom"}, status=500)
    api.route("*", "/create", json={"id": 3})
    return path


def interactions_of(path: Path) -> list[dict[str, object]]:
    return list(yaml.safe_load(path.read_text())["interactions"])


def refresh(api: LoopbackServer, *args: str) -> CliResult:
    return run_cli(["refresh", "--rewrite-host", f"{HOST}={api.base_url}", "--retries", "0", *args])


def test_update_never_leaves_the_cassette_byte_identical(tmp_path: Path, loopback_server: LoopbackServer) -> None:
    path = mixed_cassette(tmp_path, loopback_server)
    before = path.read_bytes()
    assert refresh(loopback_server, str(path)).exit_code == 1
    assert path.read_bytes() == before


def test_update_drift_writes_only_drifted_interactions(tmp_path: Path, loopback_server: LoopbackServer) -> None:
    path = mixed_cassette(tmp_path, loopback_server)
    before = interactions_of(path)
    text_before = path.read_text()

    result = refresh(loopback_server, str(path), "--update", "drift")

    after = interactions_of(path)
    assert [after[i] for i in (0, 2, 3)] == [before[i] for i in (0, 2, 3)]
    assert json.loads(after[1]["response"]["body"]["string"]) == {"id": 1, "zip": 1000}  # type: ignore[index]
    assert after[1]["request"] == before[1]["request"]
    assert load_cassette(path).metadata["recorded_at"] != "2026-01-01T00:00:00Z"
    # Minimal diff: the untouched interactions' text is still in the file, verbatim.
    for index in (0, 2, 3):
        chunk = yaml.safe_dump(before[index], sort_keys=False)
        assert chunk.splitlines()[1] in path.read_text()
    assert "updated 1 cassette(s)" in result.stderr
    assert text_before != path.read_text()


def test_update_all_writes_every_checked_interaction_but_never_errored_or_skipped_ones(
        tmp_path: Path, loopback_server: LoopbackServer) -> None:
    path = mixed_cassette(tmp_path, loopback_server)
    before = interactions_of(path)

    code = refresh(loopback_server, str(path), "--update", "all").exit_code

    assert code == 1  # the drift is still reported
    after = interactions_of(path)
    assert json.loads(after[0]["response"]["body"]["string"]) == {"id": 7, "name": "new"}  # type: ignore[index]
    assert json.loads(after[1]["response"]["body"]["string"]) == {"id": 1, "zip": 1000}  # type: ignore[index]
    assert after[2] == before[2] and after[3] == before[3]


def test_an_unchanged_api_with_update_drift_writes_nothing(tmp_path: Path, loopback_server: LoopbackServer) -> None:
    path = write_cassette(tmp_path / "c.yaml", [interaction("GET", f"https://{HOST}/a", {"id": 1})])
    loopback_server.route("*", "/a", json={"id": 2})
    before = path.read_bytes()
    assert refresh(loopback_server, str(path), "--update", "drift").exit_code == 0
    assert path.read_bytes() == before


def test_a_cassette_edited_during_the_refresh_is_not_overwritten(tmp_path: Path, loopback_server: LoopbackServer) -> None:
    from cassettes_tool.core.config import Config
    from cassettes_tool.refresh import RefreshOptions, run_refresh

    path = write_cassette(tmp_path / "c.yaml", [interaction("GET", f"https://{HOST}/a", {"id": 1, "x": 1})])
    loopback_server.route("*", "/a", json={"id": 1})
    config = Config(root=tmp_path)
    options = RefreshOptions.from_config(config, [path], rewrite_hosts={HOST: loopback_server.base_url}, update="all",
                                         workers=1)
    progress_calls: list[tuple[int, int]] = []

    def edit_while_running(done: int, total: int) -> None:
        progress_calls.append((done, total))
        path.write_text(path.read_text() + "\n")  # someone re-records it meanwhile

    outcome = run_refresh(config, options, progress=edit_while_running, environ={})

    [result] = outcome.report.cassettes
    assert result.status == "error" and "changed on disk" in (result.error or "")
    assert progress_calls == [(1, 1)]
    assert outcome.updated == []


def _start_refresh(folder: Path, api: LoopbackServer, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CI": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "cassettes_tool", "refresh", str(folder), "--rewrite-host",
         f"{HOST}={api.base_url}", "--update", "all", "--workers", "4", "--fail-on", "never", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=folder,
    )


def _fleet(folder: Path, api: LoopbackServer, count: int, delay: float) -> dict[Path, bytes]:
    originals: dict[Path, bytes] = {}
    for n in range(count):
        path = write_cassette(folder / f"c{n:03}.yaml", [
            interaction("GET", f"https://{HOST}/r/{n}/{i}", {"id": i, "old": True}) for i in range(3)
        ])
        originals[path] = path.read_bytes()
        for i in range(3):
            api.route("*", f"/r/{n}/{i}", json={"id": i, "new": True}, latency=delay)
    return originals


def _kill_mid_update(folder: Path, api: LoopbackServer, originals: dict[Path, bytes], after: int = 1) -> None:
    """SIGKILL the refresh once ``after`` cassettes have been rewritten (writes still under way)."""
    process = _start_refresh(folder, api)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        if sum(p.read_bytes() != data for p, data in originals.items()) >= after:
            break
        time.sleep(0.002)
    process.send_signal(signal.SIGKILL)
    process.wait()
    changed = 0
    for path, data in originals.items():
        cassette = load_cassette(path)  # old or new, always loadable
        if path.read_bytes() != data:
            changed += 1
            assert all(json.loads(i.response.body) == {"id": n, "new": True}
                       for n, i in enumerate(cassette.interactions))
    assert changed >= 1


def test_a_refresh_killed_during_update_leaves_every_cassette_loadable(tmp_path: Path, loopback_server: LoopbackServer) -> None:
    originals = _fleet(tmp_path, loopback_server, 40, delay=0.01)
    _kill_mid_update(tmp_path, loopback_server, originals)


@pytest.mark.slow
def test_repeated_kills_during_update_never_leave_a_broken_cassette(tmp_path: Path, loopback_server: LoopbackServer) -> None:
    for trial, after in enumerate((2, 7, 15, 25, 35)):
        folder = tmp_path / f"t{trial}"
        originals = _fleet(folder, loopback_server, 40, delay=0.01)
        _kill_mid_update(folder, loopback_server, originals, after=after)


def test_two_concurrent_refreshes_on_one_folder_are_serialised(tmp_path: Path, loopback_server: LoopbackServer) -> None:
    originals = _fleet(tmp_path, loopback_server, 20, delay=0.005)
    first, second = _start_refresh(tmp_path, loopback_server), _start_refresh(tmp_path, loopback_server)
    outputs = [p.communicate(timeout=120) for p in (first, second)]
    # The second run waits for the first one's update lock, then reads what it wrote.
    assert [first.returncode, second.returncode] == [0, 0], outputs
    for path in originals:
        cassette = load_cassette(path)
        assert [json.loads(i.response.body) for i in cassette.interactions] == [
            {"id": i, "new": True} for i in range(3)
        ]
    assert not list(tmp_path.glob(".cassettes-tmp-*"))
