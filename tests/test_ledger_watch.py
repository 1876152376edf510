"""The ledger's watch of vcrpy: cassettes opened by plain vcrpy are recorded with their use."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import vcr

from cassettes_tool.recording.session import UsageRecorder
from cassettes_tool.recording.watch import CassetteWatch
from tests.helpers.server import LoopbackServer

TWO = """\
interactions:
- request: {body: null, headers: {}, method: GET, uri: 'http://127.0.0.1:9/a'}
  response: {body: {string: A}, headers: {Content-Type: [text/plain]}, status: {code: 200, message: OK}}
- request: {body: null, headers: {}, method: GET, uri: 'http://127.0.0.1:9/b'}
  response: {body: {string: B}, headers: {Content-Type: [text/plain]}, status: {code: 200, message: OK}}
version: 1
"""


@pytest.fixture
def watched(tmp_path: Path) -> Iterator[tuple[CassetteWatch, UsageRecorder]]:
    recorder = UsageRecorder(root=tmp_path)
    watch = CassetteWatch(recorder, lambda: "tests/test_x.py::test_x")
    watch.install()
    try:
        yield watch, recorder
    finally:
        watch.uninstall()


def test_a_plain_vcrpy_replay_is_recorded_with_the_test_and_the_played_interaction(
    tmp_path: Path, watched: tuple[CassetteWatch, UsageRecorder]
) -> None:
    watch, recorder = watched
    path = tmp_path / "plain.yaml"
    path.write_text(TWO)
    with vcr.use_cassette(str(path), record_mode="none"):
        assert requests.get("http://127.0.0.1:9/b").text == "B"
    watch.flush()
    assert recorder.to_json() == {"plain.yaml": {"tests": ["tests/test_x.py::test_x"], "interactions": 2, "played": [1]}}


def test_a_recording_in_mode_all_counts_every_interaction_as_played(
    tmp_path: Path, watched: tuple[CassetteWatch, UsageRecorder], loopback_server: LoopbackServer
) -> None:
    watch, recorder = watched
    loopback_server.route("GET", "/x", json={"x": 1})
    path = tmp_path / "all.yaml"
    path.write_text(TWO)
    with vcr.use_cassette(str(path), record_mode="all"):
        requests.get(loopback_server.url("/x"))
    watch.flush()
    usage = recorder.to_json()["all.yaml"]
    assert usage["played"] == list(range(usage["interactions"]))


def test_after_uninstall_vcrpy_loads_cassettes_unwatched(tmp_path: Path) -> None:
    recorder = UsageRecorder(root=tmp_path)
    watch = CassetteWatch(recorder, lambda: None)
    watch.install()
    watch.uninstall()
    path = tmp_path / "plain.yaml"
    path.write_text(TWO)
    with vcr.use_cassette(str(path), record_mode="none"):
        requests.get("http://127.0.0.1:9/a")
    watch.flush()
    assert recorder.to_json() == {}
