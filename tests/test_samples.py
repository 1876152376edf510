"""The sample cassettes: realistic, loadable by plain vcrpy and by cassettes, shipped in the package."""

from __future__ import annotations

import filecmp
import json
import shutil
from pathlib import Path

import pytest
from vcr.serialize import deserialize
from vcr.serializers import jsonserializer, yamlserializer

from cassettes_tool.core.config import DEFAULT_FILTER_HEADERS
from cassettes_tool.core.reader import load_cassette
from cassettes_tool.setup.demo.api import EXPECTED_FINDINGS, EXPECTED_OK, EXPECTED_SKIPPED, HOST
from cassettes_tool.setup.demo.runner import samples_path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_cassettes"
FILES = sorted(p for p in SAMPLES.rglob("*") if p.is_file() and not p.name.startswith("."))


def rel(path: Path) -> str:
    return path.relative_to(SAMPLES).as_posix()


def test_there_are_between_8_and_15_samples_in_yaml_and_json() -> None:
    assert 8 <= len(FILES) <= 15
    assert {p.suffix for p in FILES} == {".yaml", ".json"}


@pytest.mark.parametrize("path", FILES, ids=rel)
def test_each_sample_loads_in_plain_vcrpy_and_in_cassettes_alike(path: Path) -> None:
    serializer = jsonserializer if path.suffix == ".json" else yamlserializer
    requests, responses = deserialize(path.read_text(encoding="utf-8"), serializer)[:2]
    cassette = load_cassette(path)
    assert len(requests) == len(cassette) >= 1
    for request, interaction in zip(requests, cassette, strict=True):
        assert request.method == interaction.request.method
        assert request.uri == interaction.request.uri
    for response, interaction in zip(responses, cassette, strict=True):
        assert response["status"]["code"] == interaction.response.status
    assert cassette.metadata["recorded_with"] == "cassettes_tool 0.1.0"
    assert cassette.metadata["recorded_at"].endswith("Z")
    assert cassette.hosts == [HOST]


@pytest.mark.parametrize("path", FILES, ids=rel)
def test_secrets_in_the_samples_are_shown_filtered(path: Path) -> None:
    for interaction in load_cassette(path):
        for name, values in interaction.request.headers.items():
            if name.lower() in DEFAULT_FILTER_HEADERS:
                assert values == ["<FILTERED>"], (name, values)
        assert interaction.response.header("set-cookie") in (None, "<FILTERED>")
        body = interaction.response.decoded_body()
        if interaction.response.content_type == "application/json" and b"access_token" in body:
            assert json.loads(body)["access_token"] == "<FILTERED>"


def test_the_samples_cover_the_variety_the_docs_and_demo_rely_on() -> None:
    responses = [i.response for p in FILES for i in load_cassette(p)]
    methods = {i.request.method for p in FILES for i in load_cassette(p)}
    types = {r.content_type for r in responses}
    assert {"application/json", "application/problem+json", "text/csv", "text/html"} <= types
    assert any(r.status == 404 for r in responses)
    gzipped = [r for r in responses if r.header("content-encoding") == "gzip"]
    assert gzipped and all(r.body[:2] == b"\x1f\x8b" for r in gzipped)  # stored compressed (!!binary)
    assert json.loads(gzipped[0].decoded_body())["data"]
    assert {"GET", "POST"} <= methods
    assert any("page=2" in i.request.uri for p in FILES for i in load_cassette(p))  # pagination


def test_every_sample_has_a_planned_outcome_in_the_demo_api() -> None:
    planned = {c for c, _, _ in EXPECTED_FINDINGS} | set(EXPECTED_OK) | set(EXPECTED_SKIPPED)
    # create_order.yaml holds a POST (skipped) and a GET (ok): the cassette is ok.
    assert planned | {"orders/create_order.yaml"} == {rel(p) for p in FILES}


def test_the_packaged_samples_are_the_top_level_samples() -> None:
    packaged = samples_path()
    assert packaged.is_dir()
    comparison = filecmp.dircmp(packaged, SAMPLES)
    assert not comparison.left_only and not comparison.right_only and not comparison.diff_files
    packaged_files = sorted(p.relative_to(packaged).as_posix() for p in packaged.rglob("*") if p.is_file())
    assert packaged_files == [rel(p) for p in FILES]
    for name in packaged_files:
        assert (packaged / name).read_bytes() == (SAMPLES / name).read_bytes()


@pytest.mark.slow
def test_a_non_editable_wheel_ships_the_samples_as_real_files(tmp_path: Path) -> None:
    import subprocess
    import sys
    import zipfile

    source = tmp_path / "src"
    shutil.copytree(ROOT, source, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "cassettes-demo"))
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"),
                           str(source)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    wheel = next((tmp_path / "dist").glob("cassettes-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        shipped = {name.removeprefix("cassettes_tool/setup/demo/sample_cassettes/"): archive.read(name)
                   for name in archive.namelist() if name.startswith("cassettes_tool/setup/demo/sample_cassettes/")}
    assert shipped == {rel(p): p.read_bytes() for p in FILES}
