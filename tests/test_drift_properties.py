"""Properties of the drift engine over generated JSON and bytes (hypothesis)."""

from __future__ import annotations

import json
import math
import random
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from cassettes_tool.core.cassette import Response
from cassettes_tool.core.config import DriftConfig
from cassettes_tool.drift import compare_responses
from cassettes_tool.drift.paths import key_segment, parse_path
from tests.helpers.drift_data import (
    JSON_CT,
    SETTINGS,
    json_values,
    objects,
    revalue,
)


def response(body: Any) -> Response:
    return Response(200, "OK", dict(JSON_CT), json.dumps(body).encode("utf-8"))


def compare(recorded: Any, live: Any, **config: Any) -> list[Any]:
    return compare_responses(response(recorded), [response(live)], method="GET",
                             uri="https://api.example.com/x", config=DriftConfig(**config))


@SETTINGS
@given(json_values)
def test_any_json_compared_with_itself_gives_no_finding(value: Any) -> None:
    assert compare(value, value) == []
    assert compare(value, value, strict_numbers=True) == []


@SETTINGS
@given(json_values, st.randoms(use_true_random=False))
def test_any_value_only_change_gives_no_finding(value: Any, rnd: random.Random) -> None:
    assert compare(value, revalue(value, rnd)) == []


content_types = st.sampled_from([
    None, "application/json", "application/json; charset=utf-8", "application/problem+json",
    "application/x-ndjson", "text/html", "text/plain", "image/png", "",
])
encodings = st.sampled_from([None, "gzip", "deflate", "br", "gzip, br", "identity", "bogus"])


def raw_response(status: int, body: bytes, content_type: str | None, encoding: str | None) -> Response:
    headers: dict[str, list[str]] = {}
    if content_type is not None:
        headers["Content-Type"] = [content_type]
    if encoding is not None:
        headers["Content-Encoding"] = [encoding]
    return Response(status, "", headers, body)


bodies = st.binary(max_size=64) | json_values.map(lambda v: json.dumps(v).encode()) | st.sampled_from(
    [b"\x1f\x8b\x08\x00garbage", b"[" * 5000, b"NaN", b'{"a": Infinity}', b"\xff\xfe{}", b"\n\n", b'{"a":1}\n{']
)


@SETTINGS
@given(st.integers(100, 599), bodies, content_types, encodings,
       st.lists(st.tuples(st.integers(100, 599), bodies, content_types, encodings), min_size=1, max_size=3))
def test_the_engine_never_raises_on_any_bytes(status: int, body: bytes, ctype: str | None, enc: str | None,
                                              live: list[tuple[int, bytes, str | None, str | None]]) -> None:
    findings = compare_responses(raw_response(status, body, ctype, enc), [raw_response(*x) for x in live],
                                 method="GET", uri="https://api.example.com/x?a=1", config=DriftConfig())
    assert all(len(f.fingerprint) == 12 for f in findings)
    json.dumps([f.to_json() for f in findings])  # the report can always hold them


@SETTINGS
@given(json_values, json_values)
def test_any_two_json_bodies_give_valid_paths_and_distinct_fingerprints(recorded: Any, live: Any) -> None:
    findings = compare(recorded, live)
    for finding in findings:
        assert finding.path is not None and parse_path(finding.path) is not None
        assert "\n" not in finding.message
    assert len({f.fingerprint for f in findings}) == len(findings)
    assert findings == compare(recorded, live)  # deterministic, order included


def object_paths(value: dict[str, Any], path: str = "$") -> list[tuple[str, dict[str, Any], str]]:
    """Every (path of key, holding object, key) reachable through objects only (not arrays)."""
    found = []
    for key, item in value.items():
        found.append((path + key_segment(key), value, key))
        if isinstance(item, dict):
            found += object_paths(item, path + key_segment(key))
    return found


@SETTINGS
@given(objects, st.data())
def test_removing_a_key_always_yields_field_removed_at_its_path(value: dict[str, Any], data: st.DataObject) -> None:
    candidates = object_paths(value)
    path, holder, key = data.draw(st.sampled_from(candidates))
    recorded = json.loads(json.dumps(value))
    del holder[key]
    findings = compare(recorded, value)
    assert [(f.kind, f.severity, f.path) for f in findings] == [("field_removed", "breaking", path)]


@SETTINGS
@given(st.text())
def test_every_key_round_trips_through_its_path_segment(key: str) -> None:
    assert parse_path("$" + key_segment(key)) == ("k:" + key,)
    assert "\n" not in key_segment(key)


def test_nan_and_infinity_are_numbers() -> None:
    recorded = Response(200, "", dict(JSON_CT), b'{"a": NaN, "b": 1}')
    live = Response(200, "", dict(JSON_CT), json.dumps({"a": 1.5, "b": math.inf}).encode())
    assert compare_responses(recorded, [live], method="GET", uri="http://x/", config=DriftConfig()) == []
