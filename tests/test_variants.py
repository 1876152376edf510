"""The project's own fixtures: one small cassette per variant the reader supports.

These run everywhere (a fresh clone, an extracted sdist); the real-world corpus beside the
repository (``tests/test_corpus.py``) checks the same reader on other people's recordings in
addition, when it is there.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from cassettes_tool.core.reader import load_cassette
from cassettes_tool.errors import CassetteFormatError
from tests.helpers.cli import run_cli
from tests.helpers.variants import BY_NAME, VARIANTS, VARIANTS_DIR, Variant


def test_every_fixture_file_is_described_and_every_description_has_a_file() -> None:
    on_disk = {p.name for p in VARIANTS_DIR.iterdir() if p.name != "README.md"}
    assert on_disk == set(BY_NAME)


@pytest.mark.parametrize("case", [v for v in VARIANTS if v.variant], ids=lambda v: v.name)
def test_each_variant_is_read_into_the_model(case: Variant) -> None:
    cassette = load_cassette(case.path)
    assert cassette.variant == case.variant
    assert cassette.writable is case.writable
    assert len(cassette) == case.interactions
    for interaction in cassette:
        assert interaction.request.method and interaction.request.host.endswith("example.test")
        assert 200 <= interaction.response.status < 300
        assert interaction.response.body


def test_a_grpc_stream_recording_is_refused_in_one_line_naming_the_file() -> None:
    path = BY_NAME["grpc_stream.yaml"].path
    with pytest.raises(CassetteFormatError) as refused:
        load_cassette(path)
    assert str(path) in str(refused.value) and "gRPC" in str(refused.value) and "\n" not in str(refused.value)


def test_bodies_of_each_shape_decode_to_what_was_recorded() -> None:
    [status] = load_cassette(BY_NAME["httpx_content.yaml"].path).interactions
    assert json.loads(status.response.body) == {"ok": True, "version": "2.1"}
    [chat] = load_cassette(BY_NAME["parsed_body.yaml"].path).interactions
    assert json.loads(chat.request.body or b"")["messages"][0]["content"] == "hello"
    assert json.loads(chat.response.body)["choices"][0]["message"]["content"] == "hi"
    token, search = load_cassette(BY_NAME["form_bodies.json"].path).interactions
    assert token.request.body == b"grant_type=password&username=ada"
    assert search.request.body == b"sr=python&limit=2"
    [label] = load_cassette(BY_NAME["betamax.json"].path).interactions
    assert json.loads(label.response.body) == {"name": "bug", "color": "ff0000"}
    [items] = load_cassette(BY_NAME["pre_1_0.yaml"].path).interactions
    assert items.request.uri == "https://api.example.test/v1/items?limit=1"
    assert items.response.header("content-type") == "application/json"
    [gzipped] = load_cassette(BY_NAME["gzip_body.yaml"].path).interactions
    assert gzipped.response.body.startswith(b"\x1f\x8b")
    assert json.loads(gzipped.response.decoded_body())["headers"] == {"Accept-Encoding": "gzip"}


def test_the_gzip_fixtures_hold_plain_cassette_text() -> None:
    plain = BY_NAME["vcrpy_list_headers.yaml"].path.read_bytes()
    assert gzip.decompress(BY_NAME["vcrpy_gzip.yaml"].path.read_bytes()) == plain
    assert gzip.decompress(BY_NAME["langchain.yaml.gz"].path.read_bytes()).startswith(b"requests:\n")


def test_list_over_the_fixtures_prints_a_row_per_file_and_one_error(tmp_path: Path) -> None:
    result = run_cli(["list", "--format", "json", str(VARIANTS_DIR)])
    assert "Traceback" not in result.output
    rows = json.loads(result.stdout)
    assert sorted(Path(row["path"]).name for row in rows) == sorted(BY_NAME)
    assert [Path(row["path"]).name for row in rows if row["error"]] == ["grpc_stream.yaml"]
    assert result.exit_code == 3  # one file could not be read: incomplete
