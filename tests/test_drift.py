"""The drift engine, case by case: every row of the docs/drift-kinds.md table and every "not drift" sentence."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from cassettes_tool.core.cassette import Response
from cassettes_tool.core.config import DriftConfig
from cassettes_tool.drift import compare_responses, fingerprint
from cassettes_tool.review.report import Finding

JSON_CT = {"Content-Type": ["application/json"]}
URI = "https://api.example.com/users/1?page=2"


def response(body: Any, status: int = 200, headers: dict[str, list[str]] | None = None, *,
             raw: bytes | None = None) -> Response:
    data = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    return Response(status=status, reason="", headers=dict(JSON_CT if headers is None else headers), body=data)


def compare(recorded: Response, *live: Response, config: DriftConfig | None = None) -> list[Finding]:
    return compare_responses(recorded, list(live), method="GET", uri=URI, config=config or DriftConfig())


def summary(findings: list[Finding]) -> set[tuple[str, str, str | None]]:
    return {(f.kind, f.severity, f.path) for f in findings}


@dataclass
class Case:
    name: str
    recorded: Any
    live: Any
    expected: set[tuple[str, str, str | None]] = field(default_factory=set)


BODY_CASES = [
    # table rows that are about the body
    Case("a field always present is removed: breaking",
         {"id": 1, "address": {"zip": "1000", "city": "X"}}, {"id": 1, "address": {"city": "X"}},
         {("field_removed", "breaking", "$.address.zip")}),
    Case("an optional field (only in some elements) is removed: warning",
         {"items": [{"p": 1, "discount": 2}, {"p": 2}]}, {"items": [{"p": 3}, {"p": 4}]},
         {("field_removed", "warning", "$.items[*].discount")}),
    Case("a new field: info", {"id": 1}, {"id": 1, "email": "a@b.c"}, {("field_added", "info", "$.email")}),
    Case("a new key in array elements: info", [{"a": 1}], [{"a": 1, "b": True}, {"a": 2}],
         {("field_added", "info", "$[*].b")}),
    Case("string became integer: breaking", {"id": "1"}, {"id": 1}, {("type_changed", "breaking", "$.id")}),
    Case("object became array: breaking, and its fields are not listed one by one",
         {"owner": {"id": 1, "name": "a"}}, {"owner": [{"id": 1}]}, {("type_changed", "breaking", "$.owner")}),
    Case("the element type of an array changed: breaking", {"tags": ["a", "b"]}, {"tags": [1, 2]},
         {("type_changed", "breaking", "$.tags[*]")}),
    Case("boolean is never a number", {"active": True}, {"active": 1}, {("type_changed", "breaking", "$.active")}),
    Case("a number became boolean", {"count": 0}, {"count": False}, {("type_changed", "breaking", "$.count")}),
    Case("a value became null: warning", {"name": "a"}, {"name": None}, {("nullability_changed", "warning", "$.name")}),
    Case("null became a value: info", {"deleted_at": None}, {"deleted_at": "2026-01-01"},
         {("nullability_changed", "info", "$.deleted_at")}),
    Case("an object became null: one finding, not one per field", {"a": {"b": 1, "c": 2}}, {"a": None},
         {("nullability_changed", "warning", "$.a")}),
    Case("a removed object is one finding, not one per field", {"a": {"b": {"c": 1}}, "k": 1}, {"k": 2},
         {("field_removed", "breaking", "$.a")}),
    Case("an added object is one finding", {"k": 1}, {"k": 1, "a": {"b": [{"c": 1}]}},
         {("field_added", "info", "$.a")}),
    # Not drift
    Case("different values, ids and timestamps",
         {"id": 1, "uuid": "8a1c", "created_at": "2020-01-01T00:00:00Z", "score": 1.5, "ok": True},
         {"id": 987654, "uuid": "ffff", "created_at": "2026-11-24T03:00:00Z", "score": 99, "ok": False}),
    Case("array lengths", {"items": [1, 2, 3, 4]}, {"items": [5]}),
    Case("array order", {"items": [{"a": 1}, {"a": "x"}]}, {"items": [{"a": "y"}, {"a": 2}]}),
    Case("an empty recorded array that is now full", {"items": []}, {"items": [{"id": 1, "name": "a"}]}),
    Case("a full recorded array that is now empty", {"items": [{"id": 1}]}, {"items": []}),
    Case("integer became float", {"price": 10}, {"price": 10.5}),
    Case("float became integer", {"price": 10.5}, {"price": 10}),
    Case("reordered keys", {"a": 1, "b": "x", "c": [1]}, {"c": [2], "b": "y", "a": 3}),
    Case("live types already seen in the recording", {"v": [1, "a", None]}, {"v": ["b"]}),
    Case("a nullable recorded field that is now null", {"v": [{"x": None}, {"x": "a"}]}, {"v": [{"x": None}]}),
    Case("a field sometimes null in the live array", {"v": [{"x": "a"}]}, {"v": [{"x": None}, {"x": "b"}]}),
    # Nested arrays, top-level arrays and scalars
    Case("nested arrays of arrays: element type", {"m": [[1, 2], [3]]}, {"m": [["a"], []]},
         {("type_changed", "breaking", "$.m[*][*]")}),
    Case("nested arrays of arrays of objects: a field removed", [[{"a": 1, "b": 2}]], [[{"a": 1}], []],
         {("field_removed", "breaking", "$[*][*].b")}),
    Case("nested arrays: empty inner arrays then full", [[], []], [[{"a": 1}]]),
    Case("top-level array of objects", [{"a": 1}], [{"b": 1}],
         {("field_removed", "breaking", "$[*].a"), ("field_added", "info", "$[*].b")}),
    Case("top-level scalar changed type", "text", 12, {("type_changed", "breaking", "$")}),
    Case("top-level scalar changed value", 12, 13.5),
    Case("top-level array became object", [1], {"a": 1}, {("type_changed", "breaking", "$")}),
    Case("top-level null became a value", None, {"a": 1}, {("nullability_changed", "info", "$")}),
    # Objects used as maps
    Case("a map keyed by numeric ids with other ids", {"users": {"1": {"n": "a"}, "2": {"n": "b"}}},
         {"users": {"7": {"n": "c"}}}),
    Case("a map keyed by UUIDs with other UUIDs",
         {"by_id": {"3f2504e0-4f89-11d3-9a0c-0305e82c3301": {"n": 1}}},
         {"by_id": {"9c5b94b1-35ad-49bb-b118-8e8fc24abf80": {"n": 2}, "1b4e28ba-2fa1-11d2-883f-0016d3cca427": {"n": 3}}}),
    Case("a map keyed by dates", {"daily": {"2026-01-01": 3, "2026-01-02": 4}}, {"daily": {"2026-11-24": 9}}),
    Case("a field removed from the members of a map", {"users": {"1": {"n": "a", "age": 3}}},
         {"users": {"2": {"n": "b"}}}, {("field_removed", "breaking", "$.users.*.age")}),
    Case("an empty map that is now full", {"users": {}}, {"users": {"12": {"n": "a"}}}),
    # Unicode and odd keys
    Case("unicode and odd keys use quoted segments",
         {"naïve key": 1, "a.b": 2, "it's": 3, "[x]": 4, "*": 5, "ok": 6}, {"ok": 6},
         {("field_removed", "breaking", "$['naïve key']"), ("field_removed", "breaking", "$['a.b']"),
          ("field_removed", "breaking", "$['it\\'s']"), ("field_removed", "breaking", "$['[x]']"),
          ("field_removed", "breaking", "$['*']")}),
    Case("emoji and CJK keys", {"名前": "a", "🎉": [1]}, {"名前": 1, "🎉": [2]},
         {("type_changed", "breaking", "$['名前']")}),
]


@pytest.mark.parametrize("case", BODY_CASES, ids=lambda c: c.name)
def test_body_shape_cases_give_exactly_the_expected_findings(case: Case) -> None:
    findings = compare(response(case.recorded), response(case.live))
    assert summary(findings) == case.expected


def test_integer_and_float_differ_when_strict_numbers_is_configured() -> None:
    findings = compare(response({"n": 1}), response({"n": 1.5}), config=DriftConfig(strict_numbers=True))
    assert summary(findings) == {("type_changed", "breaking", "$.n")}
    assert findings[0].recorded == "integer" and findings[0].live == "number"


def test_a_map_whose_keys_all_change_is_not_collapsed_by_deepdiffs_threshold() -> None:
    # deepdiff's default threshold_to_diff_deeper would report one change of the whole root here.
    findings = compare(response({"a": 1, "b": 2, "c": 3}), response({"x": 1, "y": 2, "z": 3}))
    assert summary(findings) == {
        ("field_removed", "breaking", "$.a"), ("field_removed", "breaking", "$.b"), ("field_removed", "breaking", "$.c"),
        ("field_added", "info", "$.x"), ("field_added", "info", "$.y"), ("field_added", "info", "$.z"),
    }


def test_finding_fields_carry_types_and_a_sentence() -> None:
    [finding] = compare(response({"address": {"zip": "1000"}}), response({"address": {}}))
    assert finding.location == "body" and finding.recorded == "string" and finding.live is None
    assert finding.message == "field $.address.zip (string) is gone"
    assert finding.fingerprint == fingerprint("GET", URI, "field_removed", "$.address.zip")
    assert not finding.acknowledged


def test_deep_nesting_is_compared_without_hitting_the_recursion_limit() -> None:
    def nest(depth: int, leaf: Any) -> Any:
        value: Any = {"leaf": leaf}
        for _ in range(depth):
            value = {"n": value}
        return value

    [finding] = compare(response(nest(900, "x")), response(nest(900, 1)))
    assert finding.kind == "type_changed" and finding.path == "$" + ".n" * 900 + ".leaf"


# Several live samples


def test_a_field_null_in_one_live_sample_and_a_value_in_another_is_not_drift() -> None:
    recorded = response({"nickname": "a"})
    assert compare(recorded, response({"nickname": None}))  # one sample alone would report it
    assert compare(recorded, response({"nickname": None}), response({"nickname": "b"})) == []


def test_a_field_absent_from_one_live_sample_only_is_not_drift() -> None:
    recorded = response({"id": 1, "next": "/p/2"})
    assert compare(recorded, response({"id": 2}))
    assert compare(recorded, response({"id": 2}), response({"id": 3, "next": "/p/3"})) == []


def test_a_field_absent_from_every_live_sample_is_removed() -> None:
    findings = compare(response({"id": 1, "next": "/p/2"}), response({"id": 2}), response({"id": 3}))
    assert summary(findings) == {("field_removed", "breaking", "$.next")}


# Status, content type, body format, headers


def test_a_status_change_across_classes_is_breaking_and_the_body_is_not_compared() -> None:
    findings = compare(response({"id": 1}), response({"error": "not found"}, status=404))
    assert summary(findings) == {("status_changed", "breaking", None)}
    assert (findings[0].recorded, findings[0].live, findings[0].location) == (200, 404, "status")


def test_a_status_change_within_a_class_is_a_warning_and_the_body_is_still_compared() -> None:
    findings = compare(response({"id": 1}), response({"id": 1, "new": 1}, status=201))
    assert summary(findings) == {("status_changed", "warning", None), ("field_added", "info", "$.new")}


def test_a_media_type_change_is_breaking_but_a_charset_change_is_not() -> None:
    recorded = response({"a": 1}, headers={"Content-Type": ["application/json; charset=utf-8"]})
    # Issue 18: between two JSON media types (application/json <-> *+json) the change is a
    # warning; any other media type change stays breaking.
    live = response({"a": 1}, headers={"Content-Type": ["application/vnd.api+json"]})
    assert summary(compare(recorded, live)) == {("content_type_changed", "warning", None)}
    text = response({"a": 1}, headers={"Content-Type": ["text/plain"]})
    assert summary(compare(recorded, text)) == {("content_type_changed", "breaking", None)}
    charset = response({"a": 1}, headers={"Content-Type": ["application/json; charset=latin-1"]})
    assert summary(compare(recorded, charset)) == {("header_changed", "info", "content-type")}


def test_json_that_became_html_is_a_body_format_change() -> None:
    live = response(None, headers={"Content-Type": ["text/html"]}, raw=b"<html><body>Maintenance</body></html>")
    findings = compare(response({"a": 1}), live)
    assert summary(findings) == {("content_type_changed", "breaking", None),
                                 ("body_format_changed", "breaking", "$")}
    assert next(f for f in findings if f.kind == "body_format_changed").message == \
        "body changed from JSON to non-JSON (text/html)"


def test_non_json_that_became_json_is_a_body_format_change() -> None:
    recorded = response(None, headers={"Content-Type": ["text/plain"]}, raw=b"hello")
    live = response({"a": 1}, headers={"Content-Type": ["text/plain"]})
    assert summary(compare(recorded, live)) == {("body_format_changed", "breaking", "$")}


def test_json_that_became_an_empty_body_is_a_body_format_change_but_not_the_reverse() -> None:
    empty = response(None, raw=b"")
    assert summary(compare(response({"a": 1}), empty)) == {("body_format_changed", "breaking", "$")}
    assert compare(empty, response({"a": 1})) == []
    assert compare(empty, empty) == []


def test_invalid_json_under_a_json_media_type_is_a_body_format_change() -> None:
    live = response(None, raw=b'{"a": 1, "b": ')
    assert summary(compare(response({"a": 1}), live)) == {("body_format_changed", "breaking", "$")}


@pytest.mark.parametrize(("content_type", "old", "new"), [
    ("text/html", b"<p>one</p>", b"<div>two <b>three</b></div>"),
    ("text/plain", b"hello", b"something else entirely"),
    ("image/png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"\x89PNG\r\n\x1a\n\x00\x00\x01\x00"),
    ("application/octet-stream", bytes(range(256)), bytes(reversed(range(256)))),
    ("text/csv", b"a,b\n1,2\n", b"a,b,c\n"),
])
def test_non_json_bodies_compare_by_media_type_only(content_type: str, old: bytes, new: bytes) -> None:
    headers = {"Content-Type": [content_type]}
    assert compare(response(None, headers=headers, raw=old), response(None, headers=headers, raw=new)) == []


def test_a_non_json_media_type_change_is_reported() -> None:
    recorded = response(None, headers={"Content-Type": ["text/html"]}, raw=b"<p>x</p>")
    live = response(None, headers={"Content-Type": ["text/plain"]}, raw=b"x")
    assert summary(compare(recorded, live)) == {("content_type_changed", "breaking", None)}


def test_a_gzip_recorded_body_compares_with_a_plain_live_body() -> None:
    recorded = Response(200, "OK", {"Content-Type": ["application/json"], "Content-Encoding": ["gzip"]},
                        gzip.compress(json.dumps({"id": 1, "name": "a"}).encode()))
    assert compare(recorded, response({"id": 2, "name": "b"})) == []
    assert summary(compare(recorded, response({"id": 2}))) == {("field_removed", "breaking", "$.name")}


def test_a_body_that_says_gzip_but_is_stored_decoded_still_compares() -> None:
    recorded = Response(200, "OK", {"Content-Type": ["application/json"], "Content-Encoding": ["gzip"]},
                        json.dumps({"id": 1}).encode())
    live = Response(200, "OK", {"Content-Type": ["application/json"], "Content-Encoding": ["gzip"]},
                    gzip.compress(json.dumps({"id": "x"}).encode()))
    assert summary(compare(recorded, live)) == {("type_changed", "breaking", "$.id")}


def test_ndjson_is_compared_line_by_line_as_samples_of_one_shape() -> None:
    headers = {"Content-Type": ["application/x-ndjson"]}
    recorded = response(None, headers=headers, raw=b'{"id": 1, "name": "a"}\n{"id": 2, "name": "b"}\n')
    same = response(None, headers=headers, raw=b'{"id": 3, "name": "c"}\n\n')
    changed = response(None, headers=headers, raw=b'{"id": "3"}\n{"id": "4"}\n')
    assert compare(recorded, same) == []
    assert summary(compare(recorded, changed)) == {("type_changed", "breaking", "$.id"),
                                                   ("field_removed", "breaking", "$.name")}
    broken = response(None, headers=headers, raw=b'{"id": 3}\nnot json\n')
    assert summary(compare(recorded, broken)) == {("body_format_changed", "breaking", "$")}


def test_only_watched_headers_are_compared() -> None:
    recorded = response({"a": 1}, headers={"Content-Type": ["application/json"], "X-Rate-Limit": ["10"],
                                           "Date": ["Mon"], "Deprecation": ["false"]})
    live = response({"a": 1}, headers={"Content-Type": ["application/json"], "Date": ["Tue"],
                                       "Link": ["</p/2>"], "deprecation": ["true"]})
    assert compare(recorded, live) == []
    config = DriftConfig(watch_headers=("content-type", "x-rate-limit", "link", "deprecation"))
    findings = compare(recorded, live, config=config)
    assert summary(findings) == {("header_changed", "warning", "x-rate-limit"),
                                 ("header_changed", "info", "link"),
                                 ("header_changed", "info", "deprecation")}
    assert all(f.location == "headers" for f in findings)


def test_a_removed_watched_content_type_header_is_a_warning() -> None:
    findings = compare(response({"a": 1}), response({"a": 1}, headers={}))
    assert summary(findings) == {("header_changed", "warning", "content-type")}


# ignore paths


@pytest.mark.parametrize(("ignore", "left"), [
    (("$.meta.request_id",), {"$.meta.trace", "$.items[*].price", "$.items[*].tags[*]"}),
    (("$.meta",), {"$.items[*].price", "$.items[*].tags[*]"}),
    (("$.items[*].price",), {"$.meta.request_id", "$.meta.trace", "$.items[*].tags[*]"}),
    (("$.items[0].price",), {"$.meta.request_id", "$.meta.trace", "$.items[*].tags[*]"}),
    (("$.items",), {"$.meta.request_id", "$.meta.trace"}),
    (("$['meta'].trace", "$.items.*.tags"), {"$.meta.request_id", "$.items[*].price"}),
    (("$",), set()),
])
def test_ignore_paths_are_never_reported_with_their_descendants(ignore: tuple[str, ...], left: set[str]) -> None:
    recorded = {"meta": {"request_id": "a", "trace": "t"}, "items": [{"price": 1, "tags": ["a"]}]}
    live = {"meta": {"request_id": 1}, "items": [{"price": "1", "tags": [True]}]}
    findings = compare(response(recorded), response(live), config=DriftConfig(ignore=ignore))
    assert {f.path for f in findings} == left


def test_ignoring_a_field_does_not_hide_the_removal_of_its_parent() -> None:
    findings = compare(response({"meta": {"request_id": "a"}, "k": 1}), response({"k": 1}),
                       config=DriftConfig(ignore=("$.meta.request_id",)))
    assert summary(findings) == {("field_removed", "breaking", "$.meta")}


# ordering, fingerprints


def test_findings_are_sorted_by_severity_then_location_then_path() -> None:
    findings = compare(response({"b": 1, "a": 1, "z": "s", "n": None}),
                       response({"c": 1, "z": 1, "n": 1}, status=201, headers={}))
    order = [(f.severity, f.location, f.path) for f in findings]
    assert order == [
        ("breaking", "body", "$.a"), ("breaking", "body", "$.b"), ("breaking", "body", "$.z"),
        ("warning", "status", None), ("warning", "headers", "content-type"),
        ("info", "body", "$.c"), ("info", "body", "$.n"),
    ]


def test_fingerprints_are_twelve_hex_and_ignore_query_values_but_keep_query_keys() -> None:
    base = fingerprint("GET", "https://api.example.com/users?page=1&q=x", "field_removed", "$.a")
    assert len(base) == 12 and int(base, 16) >= 0
    assert fingerprint("get", "HTTPS://API.example.com/users?q=y&page=9", "field_removed", "$.a") == base
    assert fingerprint("GET", "https://api.example.com/users?page=1", "field_removed", "$.a") != base
    assert fingerprint("POST", "https://api.example.com/users?page=1&q=x", "field_removed", "$.a") != base
    assert fingerprint("GET", "https://api.example.com/users?page=1&q=x", "field_added", "$.a") != base
    assert fingerprint("GET", "https://api.example.com/users?page=1&q=x", "field_removed", "$.b") != base
    assert fingerprint("GET", "http://[::1/broken?x=1", "status_changed", None) == \
        fingerprint("GET", "http://[::1/broken?x=2", "status_changed", None)


def test_no_live_sample_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="at least one live response"):
        compare(response({}))
