"""Building blocks of the drift engine: shapes, paths, the deepdiff mapping, request pairing."""

from __future__ import annotations

from pathlib import Path

import pytest
from deepdiff.model import REPORT_KEYS

from cassettes_tool.core.cassette import Cassette, Interaction, Request, Response
from cassettes_tool.drift.compare import (
    IMPOSSIBLE,
    REPORT_KEY_ACTIONS,
    DriftEngineError,
    action_for,
    diff_shapes,
)
from cassettes_tool.drift.pairing import Pair, pair_interactions
from cassettes_tool.drift.paths import IgnoreRules, key_segment, parse_path
from cassettes_tool.drift.shape import is_id_like, shape_of
from cassettes_tool.errors import PathSyntaxError


def test_every_deepdiff_report_key_is_mapped() -> None:
    assert set(REPORT_KEYS) <= set(REPORT_KEY_ACTIONS)


@pytest.mark.parametrize("key", sorted(k for k, v in REPORT_KEY_ACTIONS.items() if v == IMPOSSIBLE))
def test_a_report_key_the_projection_cannot_produce_is_an_error_not_silence(key: str) -> None:
    with pytest.raises(DriftEngineError, match=key):
        action_for(key)


def test_an_unknown_report_key_is_an_error_not_silence() -> None:
    with pytest.raises(DriftEngineError, match="does not map"):
        action_for("volatile_type_changes")


def test_diff_shapes_reports_added_removed_and_changed_paths() -> None:
    delta = diff_shapes(shape_of([{"a": 1, "b": "x"}]), shape_of([{"a": "1", "c": None}]))
    assert (delta.added, delta.removed, delta.changed) == (["$.c"], ["$.b"], ["$.a"])
    assert not diff_shapes(shape_of([{"a": 1}]), shape_of([{"a": 2}]))


def test_shapes_know_presence_nullability_and_types_per_path() -> None:
    shape = shape_of([{"items": [{"id": 1, "note": None}, {"id": 2.5, "note": "x", "tag": True}], "empty": []}])
    assert shape["$.items[*].id"].types == {"number"} and shape["$.items[*].id"].always
    assert shape["$.items[*].note"].nullable and shape["$.items[*].note"].types == {"string"}
    assert not shape["$.items[*].tag"].always and shape["$.items[*].tag"].types == {"boolean"}
    assert shape["$.empty"].types == {"array"} and "$.empty[*]" not in shape
    assert shape["$.items[*].note"].descriptor == "string|null"
    strict = shape_of([[1, 2.5, True]], strict_numbers=True)
    assert strict["$[*]"].types == {"integer", "number", "boolean"}


def test_samples_merge_into_one_shape() -> None:
    shape = shape_of([{"a": 1}, {"a": None, "b": "x"}])
    assert shape["$.a"].nullable and shape["$.a"].types == {"number"} and shape["$.a"].always
    assert not shape["$.b"].always


@pytest.mark.parametrize(("key", "expected"), [
    ("123", True), ("-1", True), ("3f2504e0-4f89-11d3-9a0c-0305e82c3301", True), ("2026-11-24", True),
    ("2026-11-24T03:00:00Z", True), ("507f1f77bcf86cd799439011", True), ("cus_9s8D7f6g5hJ2", True),
    ("name", False), ("user_id", False), ("display_settings", False), ("deadbeef", False), ("", False),
    ("v2", False), ("address_line2", False),
])
def test_id_like_keys_are_recognised(key: str, expected: bool) -> None:
    assert is_id_like(key) is expected


def test_objects_used_as_maps_collapse_to_one_member_path() -> None:
    shape = shape_of([{"by_id": {"1": {"n": "a"}, "22": {"n": "b", "x": 1}}, "plain": {"1": 1, "name": "x"}}])
    assert "$.by_id.*.n" in shape and not shape["$.by_id.*.x"].always
    assert "$.plain['1']" in shape and "$.plain.name" in shape  # not every key is an id: a plain object


@pytest.mark.parametrize(("key", "segment"), [
    ("name", ".name"), ("_x1", "._x1"), ("a b", "['a b']"), ("a.b", "['a.b']"), ("it's", "['it\\'s']"),
    ("*", "['*']"), ("", "['']"), ("back\\slash", "['back\\\\slash']"), ("new\nline", "['new\\nline']"),
    ("é", "['é']"), ("1", "['1']"), ("\x00", "['\\u0000']"),
])
def test_key_segments_follow_the_spec_syntax(key: str, segment: str) -> None:
    assert key_segment(key) == segment


def test_paths_parse_into_segments_with_wildcards() -> None:
    assert parse_path("$.items[*].price") == ("k:items", "*", "k:price")
    assert parse_path("$.items[3]['odd key'].*") == ("k:items", "*", "k:odd key", "*")
    assert parse_path('$["dq"]') == ("k:dq",)
    assert parse_path("$") == ()
    for bad in ("items", "$.", "$[x]", "$['open", "$.a]"):
        with pytest.raises(PathSyntaxError):
            parse_path(bad)


def test_ignore_rules_cover_a_path_and_everything_below_it() -> None:
    rules = IgnoreRules(("$.meta", "$.items[*].id", "not a path"))
    assert rules.covers("$.meta") and rules.covers("$.meta.request_id") and rules.covers("$.meta[*]")
    assert rules.covers("$.items[*].id") and rules.covers("$.items[*].id.x")
    assert not rules.covers("$.metadata") and not rules.covers("$.items[*].idx") and not rules.covers("$")
    assert rules.covers("not a path at all") and not rules.covers(None)
    assert not IgnoreRules(())


def interaction(method: str, uri: str, status: int = 200) -> Interaction:
    return Interaction(Request(method, uri), Response(status))


def cassette(*interactions: Interaction) -> Cassette:
    return Cassette(path=Path("x.yaml"), interactions=list(interactions))


def test_interactions_pair_by_request_and_repeats_pair_in_order() -> None:
    old = cassette(interaction("GET", "https://a.test/users?b=2&a=1"), interaction("GET", "https://a.test/p"),
                   interaction("GET", "https://a.test/p"), interaction("DELETE", "https://a.test/users"))
    new = cassette(interaction("GET", "https://a.test/p"), interaction("get", "https://A.test:443/users?a=1&b=2"),
                   interaction("GET", "https://a.test/p"), interaction("GET", "https://a.test/p"),
                   interaction("GET", "http://a.test/p"))
    assert pair_interactions(old, new) == [
        Pair(1, 0), Pair(0, 1), Pair(2, 2), Pair(None, 3), Pair(None, 4), Pair(3, None),
    ]


def test_pairing_follows_match_on() -> None:
    old = cassette(interaction("GET", "https://a.test/p?page=1"))
    new = cassette(interaction("GET", "https://a.test/p?page=2"))
    assert pair_interactions(old, new) == [Pair(None, 0), Pair(0, None)]
    assert pair_interactions(old, new, ("method", "host", "path")) == [Pair(0, 0)]
