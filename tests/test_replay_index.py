"""The request index gives exactly vcrpy's answers: same matches, same play order, same errors.

Both cassette classes load the same files through vcrpy's own persister, so only the search for
matching requests differs. Checked on every corpus cassette vcrpy can load and on generated
cassettes full of near-duplicates (hypothesis).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vcr import matchers as m
from vcr.cassette import Cassette as VcrCassette
from vcr.errors import UnhandledHTTPRequestError
from vcr.persisters.filesystem import FilesystemPersister
from vcr.request import Request

from cassettes_tool.recording.cassette import IndexedCassette
from cassettes_tool.recording.index import RequestIndex
from tests.helpers.corpus import CORPUS, CORPUS_FILES, serializer_for

DEFAULT = [m.method, m.scheme, m.host, m.port, m.path, m.query]
MATCH_SETS = {
    "default": DEFAULT,
    "method+uri": [m.method, m.uri],
    "path-only": [m.path],
    "with-body": [*DEFAULT, m.body],
    "with-headers": [m.method, m.uri, m.headers],
    "raw-body-only": [m.raw_body],
}




def load_both(path: Path, match_on: list[Any], **kwargs: Any) -> tuple[Any, Any]:
    common = {"path": str(path), "persister": FilesystemPersister, "serializer": serializer_for(path),
              "match_on": match_on, "record_mode": "none", **kwargs}
    return VcrCassette.load(**common), IndexedCassette.load(**common)


def outcome(cassette: Any, action: str, request: Any) -> Any:
    """What vcrpy's public API answers, as comparable data (positions instead of objects)."""
    def position(response: Any) -> int:
        return next(i for i, (_, r) in enumerate(cassette.data) if r is response)

    try:
        if action == "contains":
            return request in cassette
        if action == "can_play":
            return bool(cassette.can_play_response_for(request))
        if action == "responses_of":
            return [position(r) for r in cassette.responses_of(request)]
        return position(cassette.play_response(request))
    except UnhandledHTTPRequestError:
        return "unhandled"


def mutated(request: Any) -> Any:
    return Request(request.method, request.uri + ("&" if "?" in request.uri else "?") + "zz=1",
                   request.body, dict(request.headers))


def probes(cassette: Any) -> list[Any]:
    stored = [request for request, _ in cassette.data]
    return stored + stored[:5] + [mutated(r) for r in stored[:5]]


def test_the_corpus_has_cassettes_vcrpy_can_load() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS}")
    assert len(CORPUS_FILES) >= 20


@pytest.mark.parametrize("name", sorted(MATCH_SETS))
@pytest.mark.parametrize("repeats", [False, True], ids=["once-each", "playback-repeats"])
def test_the_index_answers_like_vcrpy_on_every_corpus_cassette_vcrpy_loads(name: str, repeats: bool) -> None:
    if not CORPUS_FILES:
        pytest.skip("no corpus")
    compared = 0
    for path in CORPUS_FILES:
        plain, indexed = load_both(path, MATCH_SETS[name], allow_playback_repeats=repeats)
        for request in probes(plain):
            for action in ("contains", "can_play", "responses_of", "play"):
                assert outcome(indexed, action, request) == outcome(plain, action, request), (path, action, request)
                compared += 1
    assert compared > 100


methods = st.sampled_from(["GET", "POST"])
uris = st.sampled_from([
    "http://a.test/x", "http://a.test/x?p=1", "http://a.test/x?q=2&p=1", "http://a.test/x?p=1&q=2",
    "https://a.test/x", "http://a.test:8080/x", "http://b.test/y", "http://b.test", "http://b.test/",
])
bodies = st.sampled_from([None, b"1", b"2", b'{"a": 1}', b'{ "a":1 }'])
content_types = st.sampled_from(["text/plain", "application/json"])
requests_ = st.builds(
    lambda method, uri, body, ctype: Request(method, uri, body, {"Content-Type": ctype}),
    methods, uris, bodies, content_types,
)
operations = st.lists(st.tuples(st.sampled_from(["play", "contains", "responses_of", "append", "rewind"]), requests_),
                      max_size=40)


def response(number: int) -> dict[str, Any]:
    return {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": str(number).encode()}}


def same_first_byte(r1: Any, r2: Any) -> None:
    """A custom matcher: only ever run on candidates by the index."""
    assert (r1.body or b"")[:1] == (r2.body or b"")[:1]


@settings(max_examples=150, deadline=None)
@given(stored=st.lists(requests_, max_size=25), ops=operations,
       match_name=st.sampled_from([*sorted(MATCH_SETS), "custom"]), repeats=st.booleans(),
       mode=st.sampled_from(["none", "once", "new_episodes"]))
def test_the_index_answers_like_vcrpy_on_generated_cassettes_with_near_duplicates(
    stored: list[Any], ops: list[tuple[str, Any]], match_name: str, repeats: bool, mode: str
) -> None:
    match_on = [m.method, m.path, same_first_byte] if match_name == "custom" else MATCH_SETS[match_name]
    cassettes = []
    for cls in (VcrCassette, IndexedCassette):
        cassette = cls(path="unused.yaml", match_on=match_on, record_mode=mode, allow_playback_repeats=repeats)
        for number, request in enumerate(stored):
            cassette.append(request, response(number))
        cassette._loaded_count = len(cassette.data)  # as if read from a file (what _load does)
        cassette.rewound = True
        cassettes.append(cassette)
    plain, indexed = cassettes
    for step, (action, request) in enumerate(ops):
        if action == "append":
            for cassette in cassettes:
                cassette.append(request, response(1000 + step))
            continue
        if action == "rewind":
            for cassette in cassettes:
                cassette.rewind()
            continue
        assert outcome(indexed, action, request) == outcome(plain, action, request), (step, action, request)
    assert dict(indexed.play_counts) == dict(plain.play_counts)


def test_matching_cost_does_not_grow_with_the_number_of_interactions() -> None:
    calls = 0

    def counting(r1: Any, r2: Any) -> None:
        nonlocal calls
        calls += 1

    def calls_for(size: int) -> int:
        nonlocal calls
        cassette = IndexedCassette(path="unused.yaml", match_on=[m.method, m.uri, counting], record_mode="none")
        for number in range(size):
            cassette.append(Request("GET", f"http://a.test/{number}", None, {}), response(number))
        cassette.rewound = True
        calls = 0
        for number in range(0, size, max(1, size // 50)):
            cassette.play_response(Request("GET", f"http://a.test/{number}", None, {}))
        return calls

    assert calls_for(100) == calls_for(5000) == 50


def test_identical_requests_skip_the_played_ones_without_rescanning_them() -> None:
    index = RequestIndex([m.method, m.uri])
    request = Request("GET", "http://a.test/same", None, {})
    for _ in range(1000):
        index.add(request)
    counts: dict[int, int] = {}

    class Counts(dict[int, int]):
        lookups = 0

        def __missing__(self, key: int) -> int:
            return 0

        def __getitem__(self, key: int) -> int:
            Counts.lookups += 1
            return super().__getitem__(key)

    play_counts = Counts(counts)
    for expected in range(1000):
        position = index.first_playable(request, play_counts, repeats=False)
        assert position == expected
        play_counts[position] = 1
    assert Counts.lookups < 5 * 1000  # linear in total, not 1000 * 1000 / 2


@settings(max_examples=80, deadline=None)
@given(stored=st.lists(requests_, max_size=15), played=st.lists(requests_, max_size=10),
       recorded=st.lists(requests_, max_size=10), match_name=st.sampled_from(sorted(MATCH_SETS)))
def test_the_interactions_saved_with_drop_unused_requests_and_in_all_mode_are_vcrpys(
    stored: list[Any], played: list[Any], recorded: list[Any], match_name: str
) -> None:
    saved = []
    for mode in ("new_episodes", "all"):
        for cls in (VcrCassette, IndexedCassette):
            cassette = cls(path="unused.yaml", match_on=MATCH_SETS[match_name], record_mode=mode,
                           drop_unused_requests=True)
            for number, request in enumerate(stored):
                cassette.append(request, response(number))
                cassette._old_interactions.append((request, response(number)))
            cassette._loaded_count = len(cassette.data)
            cassette.rewound = True
            for request in played:
                if cassette.can_play_response_for(request):
                    cassette.play_response(request)
            for number, request in enumerate(recorded):
                cassette.append(request, response(500 + number))
            if mode == "all":
                cassette.drop_unused_requests = False
                result = cassette._rerecorded_interactions()
            else:
                result = cassette._build_used_interactions_dict()
                result = list(zip(result["requests"], result["responses"], strict=True))
            saved.append([(r.method, r.uri, r.body, resp["body"]["string"]) for r, resp in result])
    assert saved[0] == saved[1]
    assert saved[2] == saved[3]
