"""The persister reads what vcrpy reads (every corpus cassette vcrpy loads) and writes what
vcrpy writes, plus metadata; secrets are filtered on the way to disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from vcr.persisters.filesystem import FilesystemPersister
from vcr.request import Request
from vcr.serialize import deserialize
from vcr.serializers import jsonserializer, yamlserializer

from cassettes_tool.core.filters import FilterRules
from cassettes_tool.errors import CassetteError
from cassettes_tool.recording.persister import CassettesPersister
from tests.helpers.corpus import CORPUS_FILES, serializer_for


def lists(value: Any) -> Any:
    """Tuples as lists: vcrpy builds ``!!python/tuple`` as a tuple, our safe loader as a list."""
    if isinstance(value, list | tuple):
        return [lists(v) for v in value]
    if isinstance(value, dict):
        return {k: lists(v) for k, v in value.items()}
    return value


def comparable(result: tuple[Any, ...]) -> Any:
    requests, responses, *_rest = result
    return lists(([(r.method, r.uri, r.body, dict(r.headers)) for r in requests], responses))


@pytest.mark.parametrize("path", CORPUS_FILES, ids=[p.name for p in CORPUS_FILES])
def test_every_corpus_cassette_vcrpy_loads_is_loaded_identically(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASSETTES_CACHE_DIR", "off")
    expected = FilesystemPersister.load_cassette(str(path), serializer_for(path))
    ours = CassettesPersister(FilterRules()).load_cassette(str(path))
    assert comparable(ours) == comparable(expected)


def test_a_saved_cassette_is_vcrpys_serialization_plus_metadata(tmp_path: Path) -> None:
    request = Request("POST", "http://api.test/login?token=abc&x=1", b'{"user": "ada"}',
                      {"Content-Type": "application/json"})
    response = {"status": {"code": 200, "message": "OK"},
                "headers": {"Set-Cookie": ["sid=1"], "Content-Type": ["application/json"]},
                "body": {"string": b'{"access_token": "t0k3n", "id": 1}'}}
    for suffix, serializer in ((".yaml", yamlserializer), (".json", jsonserializer)):
        path = tmp_path / f"c{suffix}"
        CassettesPersister(FilterRules()).save_cassette(
            path, {"requests": [request], "responses": [response]}, serializer)
        requests, responses, metadata = deserialize(path.read_text(), serializer)
        assert requests[0].uri == "http://api.test/login?token=abc&x=1"  # requests are filtered earlier
        assert responses[0]["headers"]["Set-Cookie"] == ["<FILTERED>"]
        assert b"t0k3n" not in responses[0]["body"]["string"]
        assert set(metadata) == {"recorded_at", "recorded_with"}
    assert response["body"]["string"] == b'{"access_token": "t0k3n", "id": 1}'  # in memory untouched


def test_recording_into_a_betamax_cassette_is_refused_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "betamax.json"
    path.write_text('{"http_interactions": [{"request": {"method": "GET", "uri": "http://a.test/", '
                    '"body": {"string": ""}, "headers": {}}, "response": {"status": {"code": 200, '
                    '"message": "OK"}, "headers": {}, "body": {"string": "ok"}}, '
                    '"recorded_at": "2020-01-01T00:00:00"}], "recorded_with": "betamax/0.8"}')
    persister = CassettesPersister(FilterRules())
    requests, _, _ = persister.load_cassette(str(path))
    assert requests[0].uri == "http://a.test/"
    with pytest.raises(CassetteError, match="is a betamax cassette and cannot be recorded into"):
        persister.save_cassette(path, {"requests": [], "responses": []}, jsonserializer)
