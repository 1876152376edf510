"""The endpoint model: templates, pairing by endpoint, suite knowledge, not-compared, grouping."""

from __future__ import annotations

import json
import random
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cassettes_tool.cli import main
from cassettes_tool.core.cassette import Cassette, Response
from cassettes_tool.core.config import Config, DriftConfig
from cassettes_tool.drift import compare_interaction
from cassettes_tool.drift.cassette_diff import diff_cassettes
from cassettes_tool.drift.endpoints import EndpointModel, cassette_samples
from cassettes_tool.drift.grouping import group_findings
from cassettes_tool.drift.pairing import ENDPOINT, REQUEST, pair_interactions
from cassettes_tool.drift.templates import Templater, segment_is_id
from cassettes_tool.review.groups import split_path, template_paths
from tests.helpers.cassettes import interaction, write_cassette
from tests.helpers.drift_data import SETTINGS, objects, revalue

API = "https://api.test"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text('[tool.cassettes]\ncassette_dir = "cassettes"\n')
    (tmp_path / "cassettes").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def diff_json(capsys: pytest.CaptureFixture[str], old: Path, new: Path, *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["diff", str(old), str(new), "--format", "json", *args])
    out, _ = capsys.readouterr()
    return code, json.loads(out)


def items(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [i for c in report["cassettes"] for i in c["interactions"]]


# --- templates ---------------------------------------------------------------------------------

@pytest.mark.parametrize("segment", [
    "42", "32c7aa91bd0e4c2f", "84db", "0f8fad5b-d9cb-469f-a165-70867728950e", "2024-01-31",
    "2024-01-31T10:00:00Z", "ord_1001", "TEE-007", "filter-1652349134", "a1b2c3d4e5", "1652349134",
])
def test_ids_numbers_uuids_hashes_dates_and_ids_with_digits_are_parameters(segment: str) -> None:
    assert segment_is_id(segment) or segment == "84db"  # short hex without context is a word
    assert Templater().endpoint("GET", f"{API}/things/{segment}/x").path == (
        "/things/{param}/x" if segment != "84db" else "/things/84db/x")


@pytest.mark.parametrize("segment", ["v1", "v2", "v1beta1", "oauth2", "s3", "python3", "users", "me", "search"])
def test_versions_words_and_short_names_with_a_digit_stay_literal(segment: str) -> None:
    assert not segment_is_id(segment)


def test_a_segment_that_varies_across_the_suite_becomes_a_parameter_but_never_the_last_one() -> None:
    names = ["python", "rust", "golang", "haskell"]
    templater = Templater([f"{API}/r/{n}/hot" for n in names] + [f"{API}/users/{n}" for n in names])
    assert templater.endpoint("GET", f"{API}/r/rust/hot").path == "/r/{param}/hot"
    assert templater.endpoint("GET", f"{API}/r/ocaml/hot").path == "/r/{param}/hot"  # the place varies, any value
    assert templater.endpoint("GET", f"{API}/users/rust").path == "/users/rust"  # /users/me is its own endpoint
    few = Templater([f"{API}/r/{n}/hot" for n in names[:3]])
    assert few.endpoint("GET", f"{API}/r/rust/hot").path == "/r/rust/hot"  # three values are not enough


def test_query_keys_belong_to_the_endpoint_and_values_do_not() -> None:
    templater = Templater()
    a = templater.endpoint("get", f"{API}/items?limit=64&cursor=abc")
    b = templater.endpoint("GET", f"{API}/items?cursor=zz&limit=100")
    c = templater.endpoint("GET", f"{API}/items?limit=64")
    assert a == b and a != c
    assert str(a) == f"GET {API}/items?cursor&limit" and a.short == "GET /items?cursor&limit"


# --- pairing -------------------------------------------------------------------------------------

def cassette(*interactions: Any) -> Cassette:
    return Cassette(path=Path("x.yaml"), format="yaml", interactions=list(interactions))


def test_exact_matches_pair_first_then_the_rest_by_endpoint_in_order() -> None:
    old = cassette(
        interaction("GET", f"{API}/keys/32c7aa91bd0e4c2f"), interaction("GET", f"{API}/items?limit=64"),
        interaction("GET", f"{API}/keys/aaaa1111bbbb2222"), interaction("GET", f"{API}/same"),
    )
    new = cassette(
        interaction("GET", f"{API}/same"), interaction("GET", f"{API}/keys/84dbff0012ab34cd"),
        interaction("GET", f"{API}/items?limit=100"), interaction("GET", f"{API}/keys/cccc3333dddd4444"),
        interaction("GET", f"{API}/gone"),
    )
    templater = Templater(i.request.uri for i in [*old, *new])
    pairs = pair_interactions(old, new, templater=templater)
    assert [(p.old, p.new, p.how) for p in pairs] == [
        (3, 0, REQUEST), (0, 1, ENDPOINT), (1, 2, ENDPOINT), (2, 3, ENDPOINT), (None, 4, REQUEST),
    ]
    # Without a templater only exact pairs are made (the replay rule).
    assert [(p.old, p.new) for p in pair_interactions(old, new)] == [
        (3, 0), (None, 1), (None, 2), (None, 3), (None, 4), (0, None), (1, None), (2, None)]


def test_post_requests_pair_by_endpoint_only_with_the_same_body_shape() -> None:
    old = cassette(interaction("POST", f"{API}/users/1/notes", request_body=b'{"text": "a"}'),
                   interaction("POST", f"{API}/users/1/notes", request_body=b'{"title": "a", "tags": []}'))
    new = cassette(interaction("POST", f"{API}/users/2/notes", request_body=b'{"title": "b", "tags": ["x"]}'),
                   interaction("POST", f"{API}/users/2/notes", request_body=b'{"text": "zz"}'))
    pairs = pair_interactions(old, new, templater=Templater())
    assert [(p.old, p.new, p.how) for p in pairs] == [(1, 0, ENDPOINT), (0, 1, ENDPOINT)]


# --- the model and classification with suite knowledge -----------------------------------------

def model_of(*bodies: Any, uri: str = f"{API}/tweets/1") -> EndpointModel:
    samples = cassette_samples(cassette(*(interaction("GET", uri.replace("/1", f"/{n + 1}"), b)
                                          for n, b in enumerate(bodies))))
    return EndpointModel(samples)


def json_response(body: Any, content_type: str = "application/json") -> Response:
    return Response(200, "OK", {"Content-Type": [content_type]}, json.dumps(body).encode())


def compare(recorded: Any, live: Any, model: EndpointModel | None, **kwargs: Any) -> Any:
    known = model.shape("GET", f"{API}/tweets/99", 200) if model else None
    return compare_interaction(json_response(recorded), [json_response(live)], method="GET",
                               uri=f"{API}/tweets/99", config=DriftConfig(), known=known, **kwargs)


def test_the_merged_shape_counts_presence_types_and_nulls_across_samples() -> None:
    model = model_of({"id": 1, "media": [1], "replies": ""}, {"id": 2, "replies": {"kind": "Listing"}},
                     {"id": 3, "replies": None})
    shape = model.shape("GET", f"{API}/tweets/7", 200)
    assert shape is not None and shape.samples == 3
    assert shape.absent_in("$.media") == (2, 3) and shape.absent_in("$.id") is None
    assert shape.types_seen("$.replies", strict_numbers=False) == {"string", "object"}
    assert shape.null_seen("$.replies") and not shape.null_seen("$.id")
    assert model.shape("GET", f"{API}/tweets/7", 404) is None and model.shape("POST", f"{API}/tweets/7", 200) is None


def test_a_field_other_recorded_samples_lack_is_optional_info_with_the_evidence_named() -> None:
    recorded, live = {"id": 1, "entities": {"media": [{"url": "u"}], "tags": []}}, {"id": 2, "entities": {"tags": []}}
    alone = compare(recorded, live, model_of(recorded))
    assert [(f.kind, f.severity) for f in alone.findings] == [("field_removed", "breaking")]  # no evidence: breaking
    suite = model_of(recorded, {"id": 5, "entities": {"tags": ["a"]}}, {"id": 6, "entities": {}})
    [finding] = compare(recorded, live, suite).findings
    assert (finding.kind, finding.severity, finding.path) == ("field_removed", "info", "$.entities.media")
    assert "optional: absent in 2 of 3 recorded samples" in finding.message


def test_a_type_union_or_a_null_seen_across_samples_is_not_a_change() -> None:
    recorded, live = {"id": 1, "replies": "", "parent": "t1_x"}, {"id": 2, "replies": {"kind": "Listing"}, "parent": None}
    without = compare(recorded, live, model_of(recorded))
    assert {(f.kind, f.path) for f in without.findings} == {
        ("type_changed", "$.replies"), ("nullability_changed", "$.parent")}
    suite = model_of(recorded, {"id": 3, "replies": {"kind": "Listing", "data": {}}, "parent": None})
    assert compare(recorded, live, suite).findings == []
    # A type no sample ever showed is still a change.
    assert [f.kind for f in compare(recorded, {**live, "replies": 3, "parent": "p"}, suite).findings] == ["type_changed"]


def test_json_and_a_plus_json_media_type_change_is_a_warning() -> None:
    recorded = json_response({"a": 1})
    for media in ("application/vnd.api+json", "application/hal+json"):
        result = compare_interaction(recorded, [json_response({"a": 1}, media)], method="GET", uri=API,
                                     config=DriftConfig())
        assert [(f.kind, f.severity) for f in result.findings] == [("content_type_changed", "warning")]
    html = compare_interaction(recorded, [json_response({"a": 1}, "text/html")], method="GET", uri=API,
                               config=DriftConfig())
    assert ("content_type_changed", "breaking") in [(f.kind, f.severity) for f in html.findings]


# --- not compared --------------------------------------------------------------------------------

@pytest.mark.parametrize(("recorded", "live", "status"), [
    ([{"id": 1}], [], "not_compared"),
    ([], [{"id": 1}], "not_compared"),
    ({"data": [{"id": 1}]}, {"data": []}, "not_compared"),
    ({"a": {"b": 1}}, {}, "drift"),  # a removed field is a finding, not "nothing to compare"
    ([], [], "ok"),
    ({"data": [], "total": 0}, {"data": [{"id": 1}], "total": 1}, "ok"),  # total was compared
    ([{"id": 1}], [{"id": 2}, {"id": 3}], "ok"),
])
def test_one_side_without_anything_structural_is_not_compared(recorded: Any, live: Any, status: str) -> None:
    result = compare(recorded, live, None)
    assert result.status == status
    assert (result.not_compared is not None) == (status == "not_compared")


def test_two_bodies_that_claim_json_and_do_not_parse_are_not_compared() -> None:
    broken = Response(200, "OK", {"Content-Type": ["application/json"]}, b"{oops")
    result = compare_interaction(broken, [Response(200, "OK", {"Content-Type": ["application/json"]}, b"<html>")],
                                 method="GET", uri=API, config=DriftConfig())
    assert result.status == "not_compared" and "neither body parses as JSON" in (result.not_compared or "")
    text = Response(200, "OK", {"Content-Type": ["text/plain"]}, b"hello")
    assert compare_interaction(text, [text], method="GET", uri=API, config=DriftConfig()).status == "ok"


# --- grouping ------------------------------------------------------------------------------------

def test_paths_that_differ_by_one_map_key_share_a_template_path_but_sibling_fields_do_not() -> None:
    assert split_path("$.a['b c'][*].d") == (".a", "['b c']", "[*]", ".d")
    mapped = template_paths(["$.assets.blue.roles", "$.assets['blue-jp2'].roles", "$.assets.red.roles",
                             "$.name", "$.email"])
    assert mapped["$.assets['blue-jp2'].roles"] == "$.assets.*.roles" == mapped["$.assets.blue.roles"]
    assert mapped["$.name"] == "$.name" and mapped["$.email"] == "$.email"


def stac_item(n: int, *, roles: bool, asset_names: list[str]) -> dict[str, Any]:
    asset = {"href": f"https://x/{n}.tif", "type": "image/tiff"} | ({"roles": ["data"]} if roles else {})
    return {"id": f"item-{n}", "assets": {name: dict(asset) for name in asset_names}}


def test_one_change_repeated_over_twenty_map_keys_and_two_cassettes_is_one_group(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    names = ["blue", "blue-jp2", "red", "red-jp2", "green", "nir", "swir16", "swir22", "coastal", "rededge1",
             "rededge2", "rededge3", "nir08", "nir09", "scl", "aot", "wvp", "visual", "tci-jp2", "granule_metadata"]
    old = write_cassette(project / "old.yaml", [
        interaction("GET", f"{API}/collections/s2/items/S2A_{n}1", stac_item(n, roles=True, asset_names=names))
        for n in range(3)])
    new = write_cassette(project / "new.yaml", [
        interaction("GET", f"{API}/collections/s2/items/S2B_{n}9", stac_item(n + 10, roles=False, asset_names=names))
        for n in range(3)])
    code, report = diff_json(capsys, old, new)
    findings = [f for i in items(report) for f in i["findings"]]
    assert len(findings) == 60 and code == 1  # every occurrence is kept in the JSON report
    assert {f["group"] for f in findings} == {findings[0]["group"]}
    assert len({f["fingerprint"] for f in findings}) == 60
    assert {f["severity"] for f in findings} == {"breaking"}
    text = main(["diff", str(old), str(new)])
    out, _ = capsys.readouterr()
    assert text == 1 and out.count("$.assets.*.roles") == 3 and "60 occurrences" in out
    assert len(out.splitlines()) < 40


def test_a_group_takes_the_highest_severity_of_its_occurrences_and_its_id_is_stable(project: Path) -> None:
    def run(suffix: str) -> list[Any]:
        old = write_cassette(project / f"old{suffix}.yaml", [
            interaction("GET", f"{API}/maps/{suffix}1", {"m": {"a": {"x": 1, "y": 1}, "b": {"x": 1}}})])
        new = write_cassette(project / f"new{suffix}.yaml", [
            interaction("GET", f"{API}/maps/{suffix}2", {"m": {"a": {"y": 1}, "b": {}}})])
        result = diff_cassettes(old, new, Config(root=project, cassette_dir=Path("cassettes")))
        return [f for i in result.report.cassettes[0].interactions for f in i.findings]

    first, second = run("10"), run("20")
    assert {(f.path, f.severity) for f in first} == {("$.m.a.x", "breaking"), ("$.m.b.x", "breaking")}
    assert len({f.group for f in first}) == 1 and {f.group for f in first} == {f.group for f in second}


def test_grouping_a_report_read_back_gives_the_same_groups(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = write_cassette(project / "old.yaml", [interaction("GET", f"{API}/u/1", {"a": {"k": {"z": 1}, "l": {"z": 2}}})])
    new = write_cassette(project / "new.yaml", [interaction("GET", f"{API}/u/2", {"a": {"k": {}, "l": {}}})])
    _, report = diff_json(capsys, old, new)
    from cassettes_tool.review.report import Report
    again = group_findings(Report.from_json(report))
    assert [f.group for f in again.findings()] == [f["group"] for i in items(report) for f in i["findings"]]


# --- synthetic suites re-recorded: ids, timestamps, limits, optional fields ---------------------

def uid(rnd: random.Random) -> str:
    return str(uuid.UUID(int=rnd.getrandbits(128), version=4))


def recording(rnd: random.Random, *, optional: bool) -> list[Any]:
    """One recording of a small suite in five API styles (values, ids, limits and times vary)."""
    stamp = rnd.randint(1_600_000_000, 1_800_000_000)
    article = uid(rnd)
    limit = rnd.choice([10, 64, 100])
    user = rnd.randint(1, 10**6)
    events = [{"id": uid(rnd), "at": f"2026-0{rnd.randint(1, 9)}-1{rnd.randint(0, 9)}T00:00:00Z",
               "kind": rnd.choice(["a", "b"])} | ({"meta": {"x": 1}} if optional and i % 2 else {})
              for i in range(rnd.randint(2, 5))]
    return [
        interaction("GET", f"{API}/v1/articles/{article}?include=author", {
            "data": {"type": "articles", "id": article, "attributes": {"title": "t" * rnd.randint(1, 9),
                                                                          "published_at": stamp},
                     "relationships": {"author": {"data": {"type": "people", "id": str(user)}}}},
            "included": [{"type": "people", "id": str(user), "attributes": {"name": "n"}}],
        }, content_type="application/vnd.api+json"),
        interaction("GET", f"{API}/orders/ord_{rnd.randint(1000, 9999)}", {
            "_links": {"self": {"href": f"/orders/{user}"}}, "total": rnd.random() * 100,
            "_embedded": {"items": [{"sku": f"TEE-{rnd.randint(1, 999):03d}", "qty": rnd.randint(1, 5)}]},
        }, content_type="application/hal+json"),
        interaction("GET", f"{API}/users/{user}", {"id": user, "name": "x", "email": "e"}),
        interaction("POST", f"{API}/users/{user}/notes", {"id": rnd.randint(1, 99)},
                    request_body=json.dumps({"text": "hello " * rnd.randint(1, 3)}).encode()),
        interaction("GET", f"{API}/events?limit={limit}&filter=created-{stamp}", {
            "data": events, "next": f"cursor-{stamp}"}),
        interaction("GET", f"{API}/stats/2026-11-{rnd.randint(10, 28)}", {
            "by_user": {str(rnd.randint(1, 10**5)): {"n": rnd.randint(0, 9)} for _ in range(3)}}),
    ]


def test_a_re_recording_with_new_ids_times_and_limits_pairs_everything_and_finds_nothing(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rnd = random.Random(18)
    old = write_cassette(project / "old.yaml", recording(rnd, optional=True))
    new = write_cassette(project / "cassettes" / "new.yaml", recording(rnd, optional=True))
    code, report = diff_json(capsys, old, new)
    assert code == 0 and report["summary"]["skipped"] == 0 and report["summary"]["drift"] == 0
    assert {i["pairing"] for i in items(report)} == {"endpoint"}
    assert all(i["reason"].startswith("paired by endpoint") for i in items(report))


def test_a_real_change_in_a_re_recorded_suite_is_still_found(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rnd = random.Random(7)
    old = write_cassette(project / "old.yaml", recording(rnd, optional=False))
    changed = recording(rnd, optional=False)
    body = json.loads(changed[2].response.body)
    changed[2].response.body = json.dumps({**body, "id": str(body["id"])}).encode()  # users' id: number -> string
    new = write_cassette(project / "new.yaml", changed)
    code, report = diff_json(capsys, old, new)
    assert code == 1
    assert [(f["kind"], f["path"]) for i in items(report) for f in i["findings"]] == [("type_changed", "$.id")]


def test_an_optional_field_known_from_other_cassettes_of_the_project_is_not_breaking(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tweet = {"id": 1, "text": "t", "entities": {"media": [{"url": "u"}]}}
    old = write_cassette(project / "old.yaml", [interaction("GET", f"{API}/tweets/1", tweet)])
    new = write_cassette(project / "cassettes" / "new.yaml",
                         [interaction("GET", f"{API}/tweets/2", {"id": 2, "text": "u", "entities": {}})])
    code, report = diff_json(capsys, old, new)
    assert code == 1  # nothing else recorded: a removal, breaking
    write_cassette(project / "cassettes" / "timeline.yaml", [
        interaction("GET", f"{API}/tweets/{n}", {"id": n, "text": "x", "entities": {"hashtags": []}})
        for n in (3, 4)])
    code, report = diff_json(capsys, old, new)
    [finding] = [f for i in items(report) for f in i["findings"]]
    assert code == 0 and finding["severity"] == "info"
    assert "absent in 2 of 3 recorded samples" in finding["message"]
    assert (project / ".cassettes" / "endpoints.marshal").is_file()


@SETTINGS
@given(objects, st.randoms(use_true_random=False))
def test_any_value_only_re_recording_with_new_ids_and_limits_gives_zero_findings(
        value: dict[str, Any], rnd: random.Random) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "pyproject.toml").write_text("[tool.cassettes]\n")
        config = Config(root=root)

        def one(side: int, body: Any) -> Path:  # ids and limits differ between the sides
            return write_cassette(root / f"{side}.yaml", [
                interaction("GET", f"{API}/things/{side}{rnd.getrandbits(60):015x}?limit={side}{rnd.randint(1, 500)}",
                            body),
                interaction("GET", f"{API}/users/{side}{rnd.randint(1, 10**9)}/events/{side}{uid(rnd)[1:]}", [body]),
            ])

        result = diff_cassettes(one(1, value), one(2, revalue(value, rnd)), config)
        report = result.report
        assert report.findings() == []
        assert [i.pairing for i in report.cassettes[0].interactions] == [ENDPOINT, ENDPOINT]


def test_the_model_cache_follows_content_and_survives_a_corrupt_file(project: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from cassettes_tool.drift.endpoint_cache import build_model, cache_path

    path = write_cassette(project / "cassettes" / "a.yaml", [interaction("GET", f"{API}/u/1", {"id": 1, "x": 1})])
    first = build_model([path], project)
    cache = cache_path(project)
    assert cache is not None and cache.is_file()
    write_cassette(path, [interaction("GET", f"{API}/u/1", {"id": 1})])  # edited: a new content hash
    second = build_model([path], project)
    assert set(first.shape("GET", f"{API}/u/5", 200).fields) == {"$", "$.id", "$.x"}  # type: ignore[union-attr]
    assert set(second.shape("GET", f"{API}/u/5", 200).fields) == {"$", "$.id"}  # type: ignore[union-attr]
    cache.write_bytes(b"\x00garbage")
    assert set(build_model([path], project).shape("GET", f"{API}/u/5", 200).fields) == {"$", "$.id"}  # type: ignore[union-attr]


def test_merged_shards_give_one_change_one_severity_across_shards() -> None:
    from cassettes_tool.review.merge import merge_reports
    from cassettes_tool.review.report import CassetteResult, Finding, InteractionResult, Report

    def shard(path: str, severity: str) -> Report:
        finding = Finding("f" + path[:11], severity, "field_removed", "body", "$.zip", "string", None, "gone",
                          group="abcdefabcdef")
        return Report("2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z", [CassetteResult(path, "drift", interactions=[
            InteractionResult(0, "GET", f"{API}/u/1", "drift", findings=[finding])])])

    merged = merge_reports([("a", shard("a.yaml", "warning")), ("b", shard("b.yaml", "breaking"))])
    assert [f.severity for f in merged.findings()] == ["breaking", "breaking"]


def test_objects_whose_keys_vary_across_samples_are_data_maps_and_records_are_not() -> None:
    model = model_of({"rates": {"USD": 1, "EUR": 2, "GBP": 3}, "user": {"id": 1, "name": "a", "zip": "1"}},
                     {"rates": {"JPY": 1.5, "CHF": 2, "USD": 3}, "user": {"id": 2, "name": "b"}})
    shape = model.shape("GET", f"{API}/tweets/3", 200)
    assert shape is not None and shape.data_maps() == {"$.rates"}


def test_a_change_under_one_key_of_a_known_data_map_groups_with_the_same_change_under_another(
        project: Path) -> None:
    def rates(*names: str, detail: bool) -> dict[str, Any]:
        return {"rates": {n: {"value": 1.0} | ({"source": "ecb"} if detail else {}) for n in names}}

    write_cassette(project / "cassettes" / "history.yaml", [
        interaction("GET", f"{API}/fx/2026-01-0{n}", rates(*names, detail=True))
        for n, names in enumerate([("USD", "EUR", "GBP"), ("JPY", "CHF", "USD")], start=1)])
    groups = set()
    for n, name in enumerate(("EUR", "JPY")):
        old = write_cassette(project / f"old{n}.yaml", [interaction("GET", f"{API}/fx/2026-02-01", rates(name, detail=True))])
        new = write_cassette(project / f"new{n}.yaml", [interaction("GET", f"{API}/fx/2026-02-02", rates(name, detail=False))])
        result = diff_cassettes(old, new, Config(root=project, cassette_dir=Path("cassettes")))
        [finding] = result.report.findings()
        assert finding.path == f"$.rates.{name}.source"
        groups.add(finding.group)
    assert len(groups) == 1  # $.rates.*.source, whichever currency lost it
