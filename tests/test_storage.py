"""Writing cassettes: vcrpy-identical output, atomic replacement, locks, and crash safety."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from vcr.serialize import deserialize, serialize
from vcr.serializers import jsonserializer, yamlserializer

from cassettes_tool.core.cassette import Response
from cassettes_tool.core.reader import load_cassette
from cassettes_tool.core.storage import TMP_PREFIX, atomic_write_bytes
from cassettes_tool.core.transaction import save_cassette
from cassettes_tool.errors import CassetteError
from tests.helpers.corpus import CORPUS, FILES, vcrpy_count
from tests.helpers.variants import BY_NAME


def vcrpy_written(serializer: object, interactions: int = 3) -> str:
    """A cassette written by plain vcrpy's own serializer."""
    from vcr.request import Request

    requests = [
        Request("GET", f"https://api.example.com/items/{i}?page=2", None, {"Accept": "application/json"})
        for i in range(interactions)
    ]
    responses = [
        {
            "status": {"code": 200, "message": "OK"},
            "headers": {"Content-Type": ["application/json"], "X-Trace": ["a", "b"]},
            "body": {"string": b'{"id": %d, "tags": ["x"], "price": 1.5}' % i},
        }
        for i in range(interactions)
    ]
    return str(serialize({"requests": requests, "responses": responses}, serializer))


@pytest.mark.parametrize(("suffix", "serializer"), [(".yaml", yamlserializer), (".json", jsonserializer)])
def test_saving_an_unchanged_vcrpy_cassette_writes_identical_bytes(tmp_path: Path, suffix: str, serializer: object) -> None:
    path = tmp_path / f"c{suffix}"
    original = vcrpy_written(serializer)
    path.write_text(original)
    save_cassette(load_cassette(path), record=False)
    assert path.read_text() == original


def test_a_replaced_response_changes_only_its_interaction(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    original = vcrpy_written(yamlserializer)
    path.write_text(original)
    cassette = load_cassette(path)
    cassette.interactions[1].replace_response(
        Response(201, "Created", {"Content-Type": ["application/json"]}, b'{"id": 9}')
    )
    save_cassette(cassette)
    requests, responses, metadata = deserialize(path.read_text(), yamlserializer)
    assert [r.uri for r in requests] == [f"https://api.example.com/items/{i}?page=2" for i in range(3)]
    assert [r["status"]["code"] for r in responses] == [200, 201, 200]
    assert metadata["recorded_with"].startswith("cassettes_tool ")
    assert metadata["recorded_at"].endswith("Z")
    again = load_cassette(path)
    assert again.interactions[0].raw == cassette.interactions[0].raw
    assert again.interactions[1].response.body == b'{"id": 9}'


WRITABLE = [p for p in FILES if p.name != "test_cancel_recorded_provider_stream[xai].xai.yaml"]


@pytest.mark.parametrize("path", WRITABLE, ids=[p.name for p in WRITABLE])
def test_corpus_round_trip_load_save_load_is_equal_and_vcrpy_loads_it(tmp_path: Path, path: Path) -> None:
    cassette = load_cassette(path)
    if not cassette.writable:
        with pytest.raises(CassetteError, match="read-only"):
            save_cassette(cassette, path=tmp_path / "copy.yaml")
        return
    copy = tmp_path / path.name
    save_cassette(cassette, path=copy, record=False)
    again = load_cassette(copy)
    assert len(again) == len(cassette)
    for before, after in zip(cassette, again, strict=True):
        assert after.request == before.request
        assert after.response == before.response
    if vcrpy_count(path) is not None:
        assert vcrpy_count(copy) == len(cassette)


def test_a_failed_rename_leaves_the_old_file_and_no_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("old")

    def broken_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space"):
        atomic_write_bytes(path, b"new")
    assert path.read_text() == "old"
    assert list(tmp_path.iterdir()) == [path]


WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from cassettes_tool.core.storage import atomic_write_bytes
    path = Path(sys.argv[1])
    versions = [Path(sys.argv[2]).read_bytes(), Path(sys.argv[3]).read_bytes()]
    print("ready", flush=True)
    i = 0
    while True:
        atomic_write_bytes(path, versions[i % 2])
        i += 1
    """
)


def test_a_writer_killed_at_random_moments_leaves_the_old_or_the_new_file(tmp_path: Path) -> None:
    big = vcrpy_written(yamlserializer, interactions=400)
    other = big.replace("items", "things")
    (tmp_path / "a").write_text(big)
    (tmp_path / "b").write_text(other)
    folder = tmp_path / "cassettes"
    folder.mkdir()
    target = folder / "c.yaml"
    target.write_text(big)
    rng = random.Random(1234)
    for _ in range(8):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(target), str(tmp_path / "a"), str(tmp_path / "b")],
            stdout=subprocess.PIPE,
        )
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.01, 0.25))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert target.read_text() in (big, other)
        assert len(load_cassette(target)) == 400
    # The next write sweeps whatever temporary files the killed writers left behind.
    import cassettes_tool.core.storage as storage

    storage._swept.clear()
    atomic_write_bytes(target, big.encode())
    assert [p.name for p in folder.iterdir() if p.name.startswith(TMP_PREFIX)] == []


COUNTER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from cassettes_tool.core.storage import atomic_write_bytes, locked
    path = Path(sys.argv[1])
    for _ in range(int(sys.argv[2])):
        with locked(path):
            value = int(path.read_text())
            atomic_write_bytes(path, str(value + 1).encode())
    """
)


def test_concurrent_writers_are_serialised_by_the_lock_and_lose_no_update(tmp_path: Path) -> None:
    target = tmp_path / "counter"
    target.write_text("0")
    procs = [subprocess.Popen([sys.executable, "-c", COUNTER, str(target), "25"]) for _ in range(3)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    assert target.read_text() == "75"
    assert not any(p.name.endswith(".lock") for p in tmp_path.iterdir())


@pytest.mark.parametrize("where", ["fixtures", "corpus"])
def test_read_only_variants_are_never_written(tmp_path: Path, where: str) -> None:
    if where == "corpus" and not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS}")
    betamax = (CORPUS / "betamax" / "betamaxpy__betamax" / "preserve_exact_bytes.json" if where == "corpus"
               else BY_NAME["betamax.json"].path)
    cassette = load_cassette(betamax)
    with pytest.raises(CassetteError, match="betamax cassette and is read-only"):
        save_cassette(cassette, path=tmp_path / "x.json")
    assert not (tmp_path / "x.json").exists()
