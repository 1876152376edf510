"""vcrpy's internals that cassettes relies on (docs/architecture.md, "vcrpy's internals").

``recording/cassette.py`` subclasses vcrpy's ``Cassette`` and overrides or calls private members;
``recording/index.py`` mirrors vcrpy's built-in matchers; ``recording/filtering.py`` reads
private attributes of vcrpy's ``Request``; ``recording/persister.py`` plugs into the persister
protocol. vcrpy does not promise any of these. Each check below names the member and what to
re-check in our code when it fails, so an upgrade of vcrpy breaks here, loudly, and not in a
user's test run.
"""

from __future__ import annotations

import inspect
import itertools
import re
import tomllib
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
import vcr
from vcr import matchers, stubs
from vcr.cassette import Cassette
from vcr.request import HeadersDict, Request

from cassettes_tool.recording.cassette import IndexedCassette
from cassettes_tool.recording.index import KEYED_MATCHERS

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def _parameters(function: Callable[..., Any]) -> list[str]:
    return list(inspect.signature(function).parameters)


def _source(function: Callable[..., Any]) -> str:
    return inspect.getsource(function)


# Overridden in IndexedCassette (name -> the parameters vcrpy calls it with).
OVERRIDDEN_METHODS = {
    "append": ["self", "request", "response"],
    "_load": ["self"],
    "_responses": ["self", "request"],
    "__contains__": ["self", "request"],
    "play_response": ["self", "request"],
    "rewind": ["self"],
    "_rerecorded_interactions": ["self"],
    "_new_interactions": ["self"],
    "_persist": ["self", "cassette_dict"],
}

# Set by vcrpy's Cassette.__init__ / _load and read or written by IndexedCassette or use_cassette.
INSTANCE_ATTRIBUTES = (
    "_match_on", "_before_record_request", "_before_record_response", "_path", "_persister",
    "_metadata", "_loaded_count", "_old_interactions", "_played_interactions", "data",
    "play_counts", "record_mode", "allow_playback_repeats", "drop_unused_requests",
)


@pytest.mark.parametrize(("name", "parameters"), sorted(OVERRIDDEN_METHODS.items()))
def test_every_cassette_method_the_index_overrides_still_exists_with_the_same_parameters(
        name: str, parameters: list[str]) -> None:
    member = getattr(Cassette, name, None)
    assert callable(member), (
        f"vcr.cassette.Cassette.{name} is gone: IndexedCassette.{name} in "
        "cassettes_tool/recording/cassette.py overrides it; find what replaced it and re-check the index"
    )
    assert _parameters(member) == parameters, (
        f"vcr.cassette.Cassette.{name} now takes {_parameters(member)}, IndexedCassette.{name} "
        f"expects {parameters}: re-check cassettes_tool/recording/cassette.py"
    )


@pytest.mark.parametrize("name", INSTANCE_ATTRIBUTES)
def test_every_cassette_attribute_the_index_reads_is_still_set_by_vcrpy(name: str, tmp_path: Path) -> None:
    cassette = Cassette(str(tmp_path / "c.yaml"))
    assert hasattr(cassette, name), (
        f"vcrpy's Cassette no longer sets {name!r}: cassettes_tool/recording/cassette.py "
        "(IndexedCassette) and recording/api.py read it; re-check what vcrpy keeps instead"
    )


def test_the_cassette_is_still_built_through_use_arg_getter_and_load_with_extra_keywords() -> None:
    assert callable(getattr(Cassette, "use_arg_getter", None)) and callable(getattr(Cassette, "load", None)), (
        "vcr.cassette.Cassette.use_arg_getter/load are gone: recording/api.py opens IndexedCassette through them"
    )
    assert "cls(**kwargs)" in _source(Cassette.load), (
        "vcr.cassette.Cassette.load no longer passes its keywords to the class: recording/api.py "
        "hands IndexedCassette cassettes_expiry that way"
    )
    assert "cassettes_expiry" in _parameters(IndexedCassette.__init__)


def test_loading_still_goes_through_append_so_the_index_sees_every_loaded_request() -> None:
    source = _source(Cassette._load)
    assert "self.append(" in source, (
        "vcr.cassette.Cassette._load no longer calls self.append: IndexedCassette._append_loaded "
        "(recording/cassette.py) would miss loaded interactions and the index would be empty"
    )
    assert "_loaded_count" in source and "_metadata" in source and "load_cassette(" in source, (
        "vcr.cassette.Cassette._load no longer sets _loaded_count/_metadata from the persister's "
        "load_cassette: re-check IndexedCassette._load and CassettesPersister.load_cassette"
    )


def test_saving_still_goes_through_the_overridden_interaction_lists_and_persist() -> None:
    save = _source(Cassette._save)
    used = _source(Cassette._build_used_interactions_dict)
    assert "self._rerecorded_interactions()" in save and "self._persist(" in save, (
        "vcr.cassette.Cassette._save no longer calls _rerecorded_interactions/_persist: "
        "IndexedCassette's overrides (usage accounting, O(n) re-recording) would be skipped"
    )
    assert "self._new_interactions()" in used and "self._played_interactions" in used, (
        "vcr.cassette.Cassette._build_used_interactions_dict changed: re-check "
        "IndexedCassette._new_interactions and play_response (drop_unused_requests)"
    )
    assert "self._persister.save_cassette(" in _source(Cassette._persist), (
        "vcr.cassette.Cassette._persist no longer calls the persister's save_cassette: "
        "re-check recording/persister.py"
    )


def test_playing_still_asks_contains_and_play_response_of_the_cassette() -> None:
    assert "request in self" in _source(Cassette.can_play_response_for), (
        "vcr.cassette.Cassette.can_play_response_for no longer uses `in`: IndexedCassette.__contains__ "
        "would not be consulted"
    )
    source = inspect.getsource(stubs)
    for call in ("cassette.can_play_response_for(", "cassette.play_response(", "cassette.append("):
        assert call in source, f"vcr.stubs no longer calls {call}...): re-check IndexedCassette's overrides"


SAMPLE_REQUESTS = [
    Request(method, uri, None, {})
    for method, uri in itertools.product(("GET", "POST"), (
        "http://h", "http://h/", "http://h:80/", "https://h/", "http://H/", "http://h:8080/",
        "http://h/a", "http://h/a?x=1&y=2", "http://h/a?y=2&x=1", "http://h/a?x=1", "https://g/a?x=1",
    ))
]


@pytest.mark.parametrize("name", ["method", "scheme", "host", "port", "path", "query", "uri"])
def test_every_builtin_matcher_the_index_keys_on_still_compares_two_requests(name: str) -> None:
    matcher = getattr(matchers, name, None)
    assert callable(matcher), f"vcr.matchers.{name} is gone: KEYED_MATCHERS in recording/index.py keys on it"
    assert len(_parameters(matcher)) == 2, f"vcr.matchers.{name} no longer takes (r1, r2): re-check recording/index.py"
    key = KEYED_MATCHERS[matcher]
    for first, second in itertools.product(SAMPLE_REQUESTS, repeat=2):
        assert matchers.requests_match(first, second, [matcher]) == (key(first) == key(second)), (
            f"vcr.matchers.{name} and KEYED_MATCHERS[{name}] in recording/index.py disagree on "
            f"{first!r} / {second!r}: align the index's key with vcrpy's matcher"
        )


def test_requests_match_still_takes_two_requests_and_the_matchers() -> None:
    assert _parameters(matchers.requests_match) == ["r1", "r2", "matchers"], (
        "vcr.matchers.requests_match changed its parameters: recording/index.py and recording/cassette.py call it"
    )


def test_the_request_still_keeps_the_body_and_its_origin_in_the_private_attributes_the_filter_reads() -> None:
    streamed = Request("POST", "http://h/p?a=1", iter([b"x"]), {"Content-Type": "text/plain"})
    plain = Request("POST", "http://h/p?a=1", b"body", {"Content-Type": "text/plain"})
    for name in ("_body", "_was_file", "_was_iter", "parsed_uri", "query", "_to_dict"):
        assert hasattr(plain, name), (
            f"vcr.request.Request.{name} is gone: recording/filtering.py, recording/index.py and "
            "recording/persister.py read it"
        )
    assert plain._body == b"body" and not plain._was_iter and streamed._was_iter, (
        "vcr.request.Request no longer stores the body in _body and marks iterators in _was_iter: "
        "recording/filtering.py would filter (and consume) a streamed body"
    )
    plain.body = "text"
    assert plain._body == b"text", "vcr.request.Request.body no longer encodes str: re-check recording/filtering.py"
    assert isinstance(plain.headers, HeadersDict)
    plain.headers["content-type"] = "application/json"
    assert list(plain.headers) == ["Content-Type"], (
        "vcr.request.HeadersDict no longer keeps the first spelling of a header name: "
        "recording/filtering.py would rename the headers it filters"
    )


def test_the_vcr_still_merges_the_options_use_cassette_hands_it() -> None:
    merged = vcr.VCR().get_merged_config(path="c.yaml", record_mode="none", match_on=["method"],
                                         before_record_request=[lambda r: r], filter_headers=["x"])
    for key in ("before_record_request", "before_record_response", "match_on", "record_mode", "persister"):
        assert key in merged, (
            f"vcr.VCR.get_merged_config no longer returns {key!r}: recording/api.py builds the cassette from it"
        )


def test_the_persister_protocol_and_serialization_helpers_are_where_the_persister_imports_them() -> None:
    from vcr.persisters.filesystem import CassetteNotFoundError
    from vcr.serialize import CASSETTE_FORMAT_VERSION, serialize
    from vcr.serializers import compat

    assert issubclass(CassetteNotFoundError, Exception)
    assert CASSETTE_FORMAT_VERSION == 1, "vcrpy's cassette format changed: re-check core/reader.py and the persister"
    assert _parameters(serialize) == ["cassette_dict", "serializer"]
    assert callable(compat.convert_to_unicode)


def test_the_installed_vcrpy_is_inside_the_range_pyproject_declares() -> None:
    dependencies = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["dependencies"]
    declared = next(d for d in dependencies if d.startswith("vcrpy"))
    found = re.fullmatch(r"vcrpy>=([\d.]+),<(\d+)", declared)
    assert found, f"declare vcrpy as 'vcrpy>=X,<Y' (an upper bound this contract was run against), not {declared!r}"
    installed = tuple(int(p) for p in version("vcrpy").split(".")[:3])
    lowest = tuple(int(p) for p in found.group(1).split("."))
    assert lowest <= installed and installed[0] < int(found.group(2)), (
        f"vcrpy {version('vcrpy')} is outside {declared}: run this contract and tests/test_replay_index.py "
        "against it, then move the bound"
    )
