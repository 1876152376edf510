"""``use_cassette`` against a real HTTP server on 127.0.0.1: forms, names, record modes, replay."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import vcr
import yaml
from vcr.errors import CannotOverwriteExistingCassetteException

from cassettes_tool import __version__, use_cassette
from cassettes_tool.errors import CassetteFormatError, UsageError
from cassettes_tool.recording import parse_cache
from tests.helpers.server import LoopbackServer, ReceivedRequest


def counter_route(server: LoopbackServer, path: str = "/items") -> None:
    """``path`` answers {"n": k} with k counting the requests served so far (1, 2, 3 ...)."""
    count = {"n": 0}

    def handler(_: ReceivedRequest) -> tuple[int, dict[str, str], bytes]:
        count["n"] += 1
        return 200, {"Content-Type": "application/json"}, json.dumps({"n": count["n"]}).encode()

    server.route("*", path, handler=handler)


def get_n(url: str) -> int:
    value = requests.get(url).json()["n"]
    assert isinstance(value, int)
    return value


def test_a_bare_name_records_under_the_cassette_dir_and_replays_without_the_server(
    project: Path, loopback_server: LoopbackServer
) -> None:
    counter_route(loopback_server)
    url = loopback_server.url("/items")
    with use_cassette("users/list", record_mode="once"):
        assert get_n(url) == 1
    assert (project / "cassettes" / "users" / "list.yaml").is_file()
    with use_cassette("users/list") as cas:
        assert get_n(url) == 1
        assert cas.play_count == 1
    assert len(loopback_server.requests) == 1


def test_the_decorator_works_bare_with_a_name_and_on_async_and_generator_functions(
    project: Path, loopback_server: LoopbackServer
) -> None:
    counter_route(loopback_server)
    url = loopback_server.url("/items")

    @use_cassette
    def bare() -> int:
        return get_n(url)

    @use_cassette("named", record_mode="once")
    def named() -> int:
        return get_n(url)

    @use_cassette("async_one", record_mode="once")
    async def in_async() -> int:
        return await asyncio.to_thread(get_n, url)

    @use_cassette("gen", record_mode="once")
    def generator() -> Iterator[int]:
        yield get_n(url)

    with pytest.raises(CannotOverwriteExistingCassetteException):
        bare()  # default record_mode is "none" (documented): nothing recorded, nothing reachable
    assert named() == 1
    assert asyncio.run(in_async()) == 2
    assert list(generator()) == [3]
    assert named() == 1  # replayed
    assert sorted(p.name for p in (project / "cassettes").rglob("*.yaml")) == ["async_one.yaml", "gen.yaml", "named.yaml"]


def test_a_bare_decorator_names_the_cassette_after_module_and_function(
    project: Path, loopback_server: LoopbackServer
) -> None:
    counter_route(loopback_server)

    @use_cassette
    def fetch() -> int:
        return get_n(loopback_server.url("/items"))

    (project / "pyproject.toml").write_text('[tool.cassettes]\ncassette_dir = "cassettes"\nrecord_mode = "once"\n')
    assert fetch() == 1
    recorded = list((project / "cassettes").rglob("*.yaml"))
    assert [p.relative_to(project / "cassettes").as_posix() for p in recorded] == [
        "test_recording/test_a_bare_decorator_names_the_cassette_after_module_and_function.fetch.yaml"
    ]


def test_paths_with_a_suffix_or_absolute_are_used_as_given_and_json_is_written_as_json(
    project: Path, loopback_server: LoopbackServer, tmp_path: Path
) -> None:
    counter_route(loopback_server)
    url = loopback_server.url("/items")
    with use_cassette("here/one.json", record_mode="once"):
        get_n(url)
    absolute = tmp_path / "elsewhere" / "two"
    with use_cassette(str(absolute), record_mode="once"):
        get_n(url)
    data = json.loads((project / "here" / "one.json").read_text())
    assert data["version"] == 1 and len(data["interactions"]) == 1
    assert absolute.is_file()  # no suffix added to an absolute path


def test_configuration_is_read_when_the_cassette_opens_not_when_decorating(
    project: Path, loopback_server: LoopbackServer
) -> None:
    counter_route(loopback_server)

    @use_cassette("late")
    def fetch() -> int:
        return get_n(loopback_server.url("/items"))

    (project / "pyproject.toml").write_text('[tool.cassettes]\ncassette_dir = "other"\nrecord_mode = "once"\n')
    assert fetch() == 1
    assert (project / "other" / "late.yaml").is_file()


def test_unknown_overrides_and_bad_values_are_one_line_errors_naming_the_key(project: Path) -> None:
    with pytest.raises(UsageError, match="unknown cassette option 'record_mod'"), use_cassette("x", record_mod="once"):
        pass
    with pytest.raises(Exception, match="record_mode = 'sometimes' is not valid; accepted: none"), \
            use_cassette("x", record_mode="sometimes"):
        pass
    with pytest.raises(UsageError, match="match_on entry 'colour'"), use_cassette("x", match_on=["colour"]):
        pass


def test_record_mode_none_refuses_a_request_that_is_not_in_the_cassette(
    project: Path, loopback_server: LoopbackServer
) -> None:
    counter_route(loopback_server)
    with use_cassette("c", record_mode="once"):
        get_n(loopback_server.url("/items"))
    with pytest.raises(CannotOverwriteExistingCassetteException), use_cassette("c", record_mode="none"):
        requests.get(loopback_server.url("/items?page=2"))
    assert len(loopback_server.requests) == 1


def test_record_mode_once_replays_and_refuses_new_requests_on_an_existing_cassette(
    project: Path, loopback_server: LoopbackServer
) -> None:
    counter_route(loopback_server)
    with use_cassette("c", record_mode="once"):
        get_n(loopback_server.url("/items"))
    with pytest.raises(CannotOverwriteExistingCassetteException), use_cassette("c", record_mode="once"):
        assert get_n(loopback_server.url("/items")) == 1
        requests.get(loopback_server.url("/items?new=1"))


def test_record_mode_new_episodes_appends_new_requests_and_keeps_the_old_ones(
    project: Path, loopback_server: LoopbackServer
) -> None:
    counter_route(loopback_server)
    with use_cassette("c", record_mode="once"):
        get_n(loopback_server.url("/items"))
    with use_cassette("c", record_mode="new_episodes"):
        assert get_n(loopback_server.url("/items")) == 1
        assert get_n(loopback_server.url("/items?page=2")) == 2
    document = yaml.safe_load((project / "cassettes" / "c.yaml").read_text())
    assert [i["request"]["uri"].rsplit("/", 1)[-1] for i in document["interactions"]] == ["items", "items?page=2"]


def test_record_mode_all_sends_every_request_and_replaces_what_it_re_recorded(
    project: Path, loopback_server: LoopbackServer
) -> None:
    counter_route(loopback_server)
    with use_cassette("c", record_mode="once"):
        get_n(loopback_server.url("/items"))
        get_n(loopback_server.url("/items?keep=1"))
    with use_cassette("c", record_mode="all"):
        assert get_n(loopback_server.url("/items")) == 3
    document = yaml.safe_load((project / "cassettes" / "c.yaml").read_text())
    bodies = [json.loads(i["response"]["body"]["string"])["n"] for i in document["interactions"]]
    assert bodies == [2, 3]  # the un-re-recorded one kept, the re-recorded one replaced


def test_repeated_identical_requests_are_served_in_recorded_order_once_each(
    project: Path, loopback_server: LoopbackServer
) -> None:
    counter_route(loopback_server)
    url = loopback_server.url("/items")
    with use_cassette("c", record_mode="once"):
        assert [get_n(url) for _ in range(3)] == [1, 2, 3]
    with use_cassette("c") as cas:
        assert [get_n(url) for _ in range(3)] == [1, 2, 3]
        with pytest.raises(CannotOverwriteExistingCassetteException):
            get_n(url)
        assert cas.all_played


def test_allow_playback_repeats_serves_the_first_match_again_and_again(
    project: Path, loopback_server: LoopbackServer
) -> None:
    counter_route(loopback_server)
    url = loopback_server.url("/items")
    with use_cassette("c", record_mode="once"):
        assert [get_n(url) for _ in range(2)] == [1, 2]
    with use_cassette("c", allow_playback_repeats=True):
        assert [get_n(url) for _ in range(4)] == [1, 1, 1, 1]


def test_a_recorded_cassette_has_metadata_and_loads_in_plain_vcrpy(
    project: Path, loopback_server: LoopbackServer
) -> None:
    counter_route(loopback_server)
    url = loopback_server.url("/items")
    with use_cassette("c", record_mode="once"):
        get_n(url)
    path = project / "cassettes" / "c.yaml"
    document = yaml.safe_load(path.read_text())
    assert document["metadata"]["recorded_with"] == f"cassettes_tool {__version__}"
    assert document["metadata"]["recorded_at"].endswith("Z")
    with vcr.VCR(record_mode="none").use_cassette(str(path)):
        assert get_n(url) == 1
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".cassettes-tmp-")]


def test_a_cassette_recorded_by_plain_vcrpy_replays_through_use_cassette(
    project: Path, loopback_server: LoopbackServer
) -> None:
    counter_route(loopback_server)
    url = loopback_server.url("/items")
    path = project / "cassettes" / "plain.json"
    with vcr.VCR(record_mode="once", serializer="json").use_cassette(str(path)):
        get_n(url)
    with use_cassette(str(path)):
        assert get_n(url) == 1


def test_replaying_never_rewrites_the_cassette(project: Path, loopback_server: LoopbackServer) -> None:
    counter_route(loopback_server)
    url = loopback_server.url("/items")
    with use_cassette("c", record_mode="once"):
        get_n(url)
    path = project / "cassettes" / "c.yaml"
    before = path.read_bytes(), path.stat().st_mtime_ns
    for mode in ("none", "once", "new_episodes"):
        with use_cassette("c", record_mode=mode):
            get_n(url)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_an_unreadable_cassette_is_a_one_line_error_naming_the_file(project: Path) -> None:
    path = project / "cassettes" / "broken.yaml"
    path.parent.mkdir()
    path.write_text("interactions: [\n")
    with pytest.raises(CassetteFormatError) as caught, use_cassette("broken"):
        pass
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_a_changed_cassette_is_parsed_again_while_an_unchanged_one_comes_from_the_cache(
    project: Path, loopback_server: LoopbackServer
) -> None:
    big = "x" * (parse_cache.MIN_CACHED_SIZE + 10)
    loopback_server.route("GET", "/big", json={"value": "first", "padding": big})
    url = loopback_server.url("/big")
    with use_cassette("big", record_mode="once"):
        requests.get(url)
    with use_cassette("big"):
        assert requests.get(url).json()["value"] == "first"
    cache_files = list((project / "parse-cache").rglob("*.marshal"))
    assert len(cache_files) == 1
    path = project / "cassettes" / "big.yaml"
    path.write_text(path.read_text().replace("first", "second"))
    with use_cassette("big"):
        assert requests.get(url).json()["value"] == "second"
    assert len(list((project / "parse-cache").rglob("*.marshal"))) == 2


def test_a_cached_parse_gives_the_same_interactions_as_a_fresh_one(
    project: Path, loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = "y" * (parse_cache.MIN_CACHED_SIZE + 10)
    loopback_server.route("GET", "/big", json={"padding": big}, headers={"X-Multi": "a"})
    with use_cassette("big", record_mode="once"):
        requests.get(loopback_server.url("/big"))
    from cassettes_tool.core.filters import FilterRules
    from cassettes_tool.recording.persister import CassettesPersister

    path = project / "cassettes" / "big.yaml"
    first = CassettesPersister(FilterRules()).load_cassette(path)  # fills the cache
    second = CassettesPersister(FilterRules()).load_cassette(path)  # reads it
    monkeypatch.setenv("CASSETTES_CACHE_DIR", "off")
    fresh = CassettesPersister(FilterRules()).load_cassette(path)

    def plain(result: tuple[Any, ...]) -> Any:
        requests_, responses, metadata = result
        return [(r.method, r.uri, r.body, dict(r.headers)) for r in requests_], responses, metadata

    assert plain(first) == plain(second) == plain(fresh)


def test_custom_matchers_decide_among_requests_that_share_the_indexed_fields(
    project: Path, loopback_server: LoopbackServer
) -> None:
    loopback_server.route("POST", "/search", handler=lambda r: (200, {}, r.body))
    calls: list[tuple[bytes, bytes]] = []

    def same_body(r1: Any, r2: Any) -> None:
        calls.append((r1.body, r2.body))
        assert r1.body == r2.body

    url = loopback_server.url("/search")
    with use_cassette("c", record_mode="once", match_on=["method", "path", same_body]):
        for word in ("alpha", "beta", "gamma"):
            requests.post(url, data=word)
        for index in range(20):
            requests.post(loopback_server.url(f"/other/{index}"), data="alpha")
    calls.clear()
    with use_cassette("c", match_on=["method", "path", same_body]):
        assert requests.post(url, data="gamma").content == b"gamma"
    # Only the three /search candidates are compared, never the twenty /other ones.
    assert 1 <= len(calls) <= 3 * 3


def test_a_registered_matcher_name_can_be_used_in_match_on(
    project: Path, loopback_server: LoopbackServer
) -> None:
    loopback_server.route("GET", "*", json={"ok": True})

    def ignore_everything(r1: Any, r2: Any) -> bool:
        return True

    use_cassette.register_matcher("anything", ignore_everything)
    with use_cassette("c", record_mode="once"):
        requests.get(loopback_server.url("/a"))
    with use_cassette("c", match_on=["anything"]):
        assert requests.get(loopback_server.url("/completely/else")).json() == {"ok": True}


def test_a_save_keeps_what_another_writer_changed_while_the_cassette_was_open(
    project: Path, loopback_server: LoopbackServer
) -> None:
    from cassettes_tool.core.cassette import Response
    from cassettes_tool.core.filters import FilterRules
    from cassettes_tool.core.updating import apply_responses

    counter_route(loopback_server)
    with use_cassette("c", record_mode="once"):
        get_n(loopback_server.url("/items"))
    path = project / "cassettes" / "c.yaml"
    with use_cassette("c", record_mode="new_episodes"):
        assert get_n(loopback_server.url("/items")) == 1
        # e.g. `cassettes refresh --update` rewrites the recorded response meanwhile
        apply_responses(path, {0: Response(200, "OK", {"Content-Type": ["application/json"]}, b'{"n": 99}')},
                        FilterRules())
        assert get_n(loopback_server.url("/items?page=2")) == 2
    bodies = [json.loads(i["response"]["body"]["string"])["n"]
              for i in yaml.safe_load(path.read_text())["interactions"]]
    assert bodies == [99, 2]


def test_a_save_onto_a_cassette_whose_interactions_changed_in_number_refuses_with_one_line(
    project: Path, loopback_server: LoopbackServer
) -> None:
    from cassettes_tool.errors import CassetteChangedError

    counter_route(loopback_server)
    with use_cassette("c", record_mode="once"):
        get_n(loopback_server.url("/items"))
    path = project / "cassettes" / "c.yaml"
    with pytest.raises(CassetteChangedError, match="1 interactions then, 0 now"), \
            use_cassette("c", record_mode="new_episodes"):
        path.write_text("version: 1\ninteractions: []\n")
        get_n(loopback_server.url("/items?page=2"))


def test_inject_cassette_passes_the_cassette_and_section_2_settings_are_accepted_as_overrides(
    project: Path, loopback_server: LoopbackServer
) -> None:
    counter_route(loopback_server)

    @use_cassette("injected", record_mode="once", cassette_dir="elsewhere", inject_cassette=True)
    def fetch(cas: Any, path: str) -> tuple[int, int]:
        return get_n(loopback_server.url(path)), len(cas)

    assert fetch("/items") == (1, 1)
    assert (project / "elsewhere" / "injected.yaml").is_file()


def test_a_failed_save_still_removes_the_http_patches(project: Path, loopback_server: LoopbackServer) -> None:
    from cassettes_tool.errors import CassetteChangedError

    counter_route(loopback_server)
    with use_cassette("c", record_mode="once"):
        get_n(loopback_server.url("/items"))
    path = project / "cassettes" / "c.yaml"
    with pytest.raises(CassetteChangedError), use_cassette("c", record_mode="new_episodes"):
        path.write_text("version: 1\ninteractions: []\n")
        get_n(loopback_server.url("/items?page=2"))
    # Outside any cassette, requests reach the server again (vcrpy's patches are gone).
    assert get_n(loopback_server.url("/items")) == 3
    with use_cassette("fresh", record_mode="once") as cas:
        get_n(loopback_server.url("/items"))
        assert len(cas) == 1
