"""Every real cassette in ../shared/corpus loads, or fails with one line naming the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cassettes_tool.core.reader import load_cassette
from cassettes_tool.errors import CassetteFormatError
from tests.helpers.cli import run_cli
from tests.helpers.corpus import CORPUS, FILES, vcrpy_count

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS}")

GRPC_LOOKALIKE = "test_cancel_recorded_provider_stream[xai].xai.yaml"


def test_the_corpus_has_all_fifty_files() -> None:
    assert len(FILES) == 50


@pytest.mark.parametrize("path", FILES, ids=[f.name for f in FILES])
def test_each_corpus_cassette_loads_like_vcrpy_or_fails_in_one_line(path: Path) -> None:
    expected = vcrpy_count(path)
    if path.name == GRPC_LOOKALIKE:
        with pytest.raises(CassetteFormatError) as info:
            load_cassette(path)
        message = str(info.value)
        assert str(path) in message and "gRPC" in message and "\n" not in message
        return
    cassette = load_cassette(path)
    if expected is not None:
        assert len(cassette) == expected
    for interaction in cassette:
        assert interaction.request.method and interaction.request.uri
        assert 100 <= interaction.response.status < 600


def test_forty_nine_of_fifty_load_and_vcrpy_loads_fewer() -> None:
    loaded = 0
    for path in FILES:
        try:
            load_cassette(path)
            loaded += 1
        except CassetteFormatError:
            pass
    vcrpy_loaded = sum(1 for p in FILES if vcrpy_count(p) is not None)
    assert loaded == 49
    assert vcrpy_loaded < loaded


def test_list_json_over_the_corpus_prints_a_row_per_file_and_no_traceback() -> None:
    result = run_cli(["list", "--format", "json", str(CORPUS)])
    assert "Traceback" not in result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 50
    keys = {"path", "format", "interactions", "hosts", "methods", "size", "recorded_at", "age_days", "used_by", "error"}
    assert all(keys <= set(row) for row in rows)
    errors = [row for row in rows if row["error"]]
    assert [Path(row["path"]).name for row in errors] == [GRPC_LOOKALIKE]
    assert result.exit_code == 3  # one file could not be read: incomplete


def test_decoded_bodies_of_gzip_cassettes_are_json_even_when_already_decoded() -> None:
    from cassettes_tool.core.bodies import try_parse_json

    binary_gzip = load_cassette(CORPUS / "kevin1024__vcrpy" / "gzip_requests.yaml").interactions[0].response
    assert binary_gzip.body.startswith(b"\x1f\x8b")
    assert try_parse_json(binary_gzip.decoded_body())[0]
    already_decoded = load_cassette(
        CORPUS / "stac-utils__pystac-client" / "TestItemSearch.test_result_paging_max_items.yaml"
    ).interactions[0].response
    assert already_decoded.header("content-encoding") == "gzip"
    assert try_parse_json(already_decoded.decoded_body())[0]


def test_betamax_base64_bodies_are_decoded() -> None:
    cassette = load_cassette(CORPUS / "betamax" / "sigmavirus24__github3.py" / "Repository_create_label.json")
    assert cassette.variant == "betamax" and not cassette.writable
    assert cassette.interactions[0].response.body.startswith(b"\x1f\x8b")
