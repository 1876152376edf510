"""Concurrency: two ``refresh --update all`` processes and a pytest run recording into the same
cassette folder at the same time. Nothing may be lost and no file may be corrupted.

The pytest run (the real plugin, in a subprocess) opens each cassette with
``record_mode="new_episodes"``, replays its recorded request and records one new interaction.
Meanwhile two refreshes rewrite every recorded response with the live one (which has a new
field, ``stock``). Afterwards, for every cassette:

* it loads;
* if its test passed, the interaction the test recorded is in it;
* if a refresh reported it updated (no error for that cassette), the live response is in it (the
  recorder's save merges onto a file that changed while it was open: see the last test).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cassettes_tool.core.reader import load_cassette
from tests.helpers.projects import SECRET_TOKEN, small_project
from tests.helpers.server import LoopbackServer, ReceivedRequest

COUNT = 12
HOLD = 0.6  # seconds each test keeps its cassette open between vcrpy's read and its write
HOSTS = ("api0.example.com", "api1.example.com", "api2.example.com")


def api(request: ReceivedRequest) -> tuple[int, dict[str, str], bytes]:
    """/items/<n>: the recorded shape plus ``stock``; /extra/<n>: what the tests record."""
    kind, number = request.path.strip("/").split("/")[:2]
    time.sleep(0.01)
    if kind == "items":
        payload: dict[str, Any] = {"id": int(number), "name": f"item {number}", "tags": ["a"], "price": 1.5,
                                   "stock": 3}
    else:
        payload = {"extra": int(number)}
    return 200, {"Content-Type": "application/json"}, json.dumps(payload).encode()


@pytest.fixture
def api_url() -> Iterator[str]:
    server = LoopbackServer(dated=False).start()
    server.route("GET", "*", handler=api)
    yield server.base_url
    server.stop()


TEST_MODULE = """
import time

import pytest
import requests

URL = {url!r}


@pytest.mark.parametrize("i", [
    pytest.param(i, marks=pytest.mark.cassette(f"c0/c{{i:05d}}", record_mode="new_episodes")) for i in range({count})
])
def test_record_into_a_cassette_being_refreshed(i):
    query = f"?api_key={token}" if i % 10 == 3 else ""  # the cassettes with a planted credential
    replayed = requests.get(f"https://api{{i % 3}}.example.com/items/{{i}}{{query}}")
    assert replayed.status_code == 200
    time.sleep({hold})  # the window between vcrpy's read of the cassette and its write
    assert requests.get(f"{{URL}}/extra/{{i}}").json() == {{"extra": i}}
"""


def start(root: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, *args], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "CI": "1"})


def refresh(root: Path, url: str, report: str) -> subprocess.Popen[str]:
    rewrites = [a for host in HOSTS for a in ("--rewrite-host", f"{host}={url}")]
    return start(root, "-m", "cassettes_tool", "-q", "refresh", "--update", "all", "--fail-on", "never",
                 "--workers", "4", "--report", report, "--format", "json", *rewrites)


def test_two_refreshes_and_a_recording_pytest_run_lose_no_update_and_corrupt_no_file(
    tmp_path: Path, api_url: str,
) -> None:
    project = small_project(tmp_path, COUNT)
    (tmp_path / "tests" / "test_record.py").write_text(textwrap.dedent(TEST_MODULE.format(url=api_url, count=COUNT, hold=HOLD, token=SECRET_TOKEN)))

    recorder = start(tmp_path, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:cassetter", "-q", "-rA",
                     "tests/test_record.py")
    # Start both refreshes while the recorder holds a cassette open: once the first test wrote.
    deadline = time.monotonic() + 60
    while b"/extra/0" not in project.cassettes[0].read_bytes() and time.monotonic() < deadline:
        time.sleep(0.01)
    first = refresh(tmp_path, api_url, "first.json")
    second = refresh(tmp_path, api_url, "second.json")
    outputs = {name: p.communicate(timeout=300) for name, p in
               (("pytest", recorder), ("first", first), ("second", second))}
    for name in ("first", "second"):
        assert "Traceback" not in outputs[name][1] and "internal error" not in outputs[name][1], outputs[name][1]
    assert recorder.returncode in (0, 1), outputs["pytest"]

    passed = {int(line.rsplit("[", 1)[1].rstrip("]")) for line in outputs["pytest"][0].splitlines()
              if line.startswith("PASSED")}
    assert passed, outputs["pytest"][0][-3000:]
    updated: set[str] = set()
    for report in ("first.json", "second.json"):
        data = json.loads((tmp_path / report).read_text())
        updated |= {c["path"] for c in data["cassettes"] if c["status"] != "error"}
    assert updated, "no refresh updated anything: the test would prove nothing"

    lost: list[str] = []
    stomped: list[str] = []
    for i, path in enumerate(sorted(project.cassettes)):
        cassette = load_cassette(path)  # never corrupted
        uris = [interaction.request.uri for interaction in cassette]
        if i in passed and f"{api_url}/extra/{i}" not in uris:
            lost.append(f"{path.name}: the interaction its test recorded is gone")
        items = [json.loads(x.response.body) for x in cassette if "/items/" in x.request.uri]
        if path.relative_to(tmp_path).as_posix() in updated and not all("stock" in body for body in items):
            stomped.append(path.name)
    assert not list(tmp_path.rglob(".cassettes-tmp-*"))
    assert not lost, "\n".join(lost)
    assert not stomped, f"a refresh update was undone by the recorder: {stomped}"


def test_a_refresh_update_is_not_lost_to_a_recorder_that_read_the_cassette_before_it(
    tmp_path: Path, api_url: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import requests

    from cassettes_tool import use_cassette

    project = small_project(tmp_path, 1)
    [path] = project.cassettes
    monkeypatch.chdir(tmp_path)
    with use_cassette(str(path), record_mode="new_episodes"):
        assert requests.get("https://api0.example.com/items/0").status_code == 200  # replayed
        # The nightly job updates this cassette while the test has it open (a real process).
        done = refresh(tmp_path, api_url, "report.json")
        done.communicate(timeout=120)
        assert done.returncode == 0
        assert b"stock" in path.read_bytes()
        requests.get(f"{api_url}/extra/0")  # a new episode: the cassette is saved on exit
    cassette = load_cassette(path)
    assert f"{api_url}/extra/0" in [i.request.uri for i in cassette]
    assert all("stock" in json.loads(i.response.body) for i in cassette if "/items/" in i.request.uri)
