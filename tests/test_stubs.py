"""The cheaper vcrpy stubs (``cassettes_tool.recording.stubs``) and request copy behave as vcrpy's.

Every client vcrpy supports is recorded against a real server on 127.0.0.1 and replayed both
with plain vcrpy and with ``use_cassette``; what each client sees must be the same. The parts
are held to vcrpy's own functions: header parsing, ``getheaders``, ``force_reset``'s patching
and unpatching, and the copy the secret filter works on.
"""

from __future__ import annotations

import asyncio
import copy
import http.client
import io
import json
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import urllib3
import vcr
import vcr.patch
import vcr.stubs
import yaml
from vcr.request import Request as VcrRequest

from cassettes_tool import use_cassette
from cassettes_tool.recording import stubs
from cassettes_tool.recording.vcr_request import duplicate, new_request
from tests.helpers.server import LoopbackServer, ReceivedRequest

httpx = pytest.importorskip("httpx", reason="httpx is in the test extra: pip install -e '.[test]'")
aiohttp = pytest.importorskip("aiohttp", reason="aiohttp is in the test extra: pip install -e '.[test]'")

Seen = tuple[int, list[tuple[str, str]], bytes]


@pytest.fixture
def project(project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shared recording project (``tests/helpers/recording.py``) with the parse cache off:
    every replay reads its file, as plain vcrpy does."""
    monkeypatch.setenv("CASSETTES_CACHE_DIR", "off")
    return project


# -- one GET per client; each returns (status, headers as the client shows them, body) -----------

def with_requests(url: str) -> Seen:
    response = requests.get(url)
    return response.status_code, list(response.headers.items()), response.content


def with_urllib3(url: str) -> Seen:
    response = urllib3.PoolManager().request("GET", url)
    return response.status, list(response.headers.items()), response.data


def with_http_client(url: str) -> Seen:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port)
    connection.request("GET", parts.path)
    response = connection.getresponse()
    return response.status, response.getheaders(), response.read()


def with_urllib_request(url: str) -> Seen:
    with urllib.request.urlopen(url) as response:
        return response.status, list(response.headers.items()), response.read()


def with_httpx(url: str) -> Seen:
    with httpx.Client() as client:
        response = client.get(url)
        return response.status_code, list(response.headers.multi_items()), response.content


def with_httpx_async(url: str) -> Seen:
    async def get() -> Seen:
        async with httpx.AsyncClient() as client:
            response = await client.get(url)
            return response.status_code, list(response.headers.multi_items()), response.content
    return asyncio.run(get())


def with_aiohttp(url: str) -> Seen:
    async def get() -> Seen:
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            return response.status, list(response.headers.items()), await response.read()
    return asyncio.run(get())


CLIENTS: dict[str, Callable[[str], Seen]] = {
    "requests": with_requests, "urllib3": with_urllib3, "http.client": with_http_client,
    "urllib.request": with_urllib_request, "httpx": with_httpx, "httpx-async": with_httpx_async,
    "aiohttp": with_aiohttp,
}


def outcome(get: Callable[[str], Seen], url: str) -> Seen | str:
    """What the client saw, or the name of the exception it raised."""
    try:
        return get(url)
    except Exception as error:  # the refusal of an unknown request, per client
        return type(error).__name__


def counter_route(server: LoopbackServer) -> None:
    count = {"n": 0}

    def handler(_: ReceivedRequest) -> tuple[int, dict[str, str], bytes]:
        count["n"] += 1
        return 200, {"Content-Type": "application/json", "X-Count": str(count["n"])}, \
            json.dumps({"n": count["n"]}).encode()

    server.route("GET", "/items", handler=handler)


@pytest.mark.parametrize("client", list(CLIENTS))
def test_every_client_records_and_replays_repeated_requests_as_plain_vcrpy_replays_them(
    client: str, project: Path, loopback_server: LoopbackServer
) -> None:
    get, url = CLIENTS[client], loopback_server.url("/items")
    counter_route(loopback_server)
    path = project / "cassettes" / f"{client}.yaml"
    with use_cassette(str(path), record_mode="once"):
        live = [get(url) for _ in range(2)]
    assert [json.loads(body)["n"] for _, _, body in live] == [1, 2]
    served = len(loopback_server.requests)

    with vcr.VCR(record_mode="none").use_cassette(str(path)):
        theirs = [outcome(get, url) for _ in range(3)]
    with use_cassette(str(path), record_mode="none") as cas:
        ours = [outcome(get, url) for _ in range(3)]
        assert cas.play_count == 2
    assert ours == theirs
    assert [json.loads(seen[2])["n"] for seen in ours[:2] if not isinstance(seen, str)] == [1, 2]
    assert isinstance(ours[2], str)  # the third identical request is refused, as by vcrpy

    with vcr.VCR(record_mode="none").use_cassette(str(path), allow_playback_repeats=True):
        theirs = [outcome(get, url) for _ in range(3)]
    with use_cassette(str(path), record_mode="none", allow_playback_repeats=True):
        ours = [outcome(get, url) for _ in range(3)]
    assert ours == theirs
    assert len({str(seen) for seen in ours}) == 1  # the first match, again and again
    assert len(loopback_server.requests) == served  # no replay reached the server


TRICKY_HEADERS = {
    "Content-Type": ["application/json"],
    "X-Multi": ["one", "two", "three"],
    "x-multi-lower": ["a"],
    "X-Spaces": ["  padded value  "],
    "X-Non-Ascii": ["café ✓"],
    "X-Empty": [""],
    "Transfer-Encoding": ["chunked"],
    "Content-Length": ["11"],
}


def tricky_cassette(path: Path, url: str, *, ascii_only: bool = False) -> None:
    headers = {k: v for k, v in TRICKY_HEADERS.items() if not (ascii_only and k == "X-Non-Ascii")}
    interaction = {
        "request": {"method": "GET", "uri": url, "body": None, "headers": {}},
        "response": {"status": {"code": 200, "message": "OK"}, "headers": headers,
                     "body": {"string": '{"ok": true}'}},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"version": 1, "interactions": [interaction, interaction]},
                                   allow_unicode=True))


@pytest.mark.parametrize("client", list(CLIENTS))
def test_unusual_recorded_headers_reach_every_client_as_plain_vcrpy_gives_them(
    client: str, project: Path
) -> None:
    get, url = CLIENTS[client], "http://api.example.test/tricky"
    path = project / "cassettes" / f"tricky-{client}.yaml"
    ascii_only = client.startswith("httpx")  # vcrpy's httpx stub cannot replay non-ASCII values
    tricky_cassette(path, url, ascii_only=ascii_only)
    with vcr.VCR(record_mode="none").use_cassette(str(path)):
        theirs = [outcome(get, url) for _ in range(2)]
    tricky_cassette(path, url, ascii_only=ascii_only)
    with use_cassette(str(path), record_mode="none"):
        ours = [outcome(get, url) for _ in range(2)]
    assert ours == theirs
    assert not isinstance(ours[0], str)
    assert ours[0] == ours[1]  # the second play of the same headers gives the same result


def test_a_client_changing_a_replayed_response_header_changes_nothing_for_the_next_play(
    project: Path,
) -> None:
    url = "http://api.example.test/tricky"
    path = project / "cassettes" / "mutate.yaml"
    tricky_cassette(path, url)
    with use_cassette(str(path), record_mode="none", allow_playback_repeats=True):
        connection = http.client.HTTPConnection("api.example.test")
        connection.request("GET", "/tricky")
        first = connection.getresponse()
        before = first.getheaders()
        first.msg["X-Added"] = "by the client"
        del first.msg["X-Multi"]
        first.msg.defects.append(ValueError("client's own"))
        connection.request("GET", "/tricky")
        second = connection.getresponse()
        assert second.getheaders() == before
        assert second.msg.get_all("X-Multi") == ["one", "two", "three"]
        assert "X-Added" not in second.msg
        assert second.msg.defects == []


# -- header parsing -------------------------------------------------------------------------

HEADER_LISTS: list[Any] = [
    {},
    {"Content-Type": ["text/plain"]},
    TRICKY_HEADERS,
    {"X-Folded": ["first\r\n second"]},
    {"Set-Cookie": ["a=1", "b=2"], "set-cookie": ["c=3"]},
    {"Content-Type": ["multipart/mixed; boundary=x"]},
    {"X-Tuple": ("a", "b")},
    {"X-Chars": "abc"},  # vcrpy iterates a string value character by character
]


def message_state(message: Any) -> Any:
    return type(message), {k: v for k, v in vars(message).items() if k != "defects"}, \
        [repr(d) for d in message.defects]


@pytest.mark.parametrize("headers", HEADER_LISTS, ids=range(len(HEADER_LISTS)))
def test_the_header_cache_gives_what_vcrpys_parser_gives_every_time(headers: Any) -> None:
    cache = stubs.HeaderCache()
    expected = message_state(vcr.stubs.parse_headers(headers))
    first, second = cache(headers), cache(headers)
    assert message_state(first) == expected
    assert message_state(second) == expected
    assert first is not second
    assert first._headers is not second._headers and first.defects is not second.defects


@pytest.mark.parametrize("headers", [
    {"X-Bytes": [b"value"]},  # vcrpy calls .encode on every value
    {"X-None": None},
    {f"X-H{i}": ["v"] for i in range(101)},  # http.client: more than 100 headers
    {"X-Long": ["x" * 70000]},  # http.client: a line longer than 65536
    ["not", "a", "mapping"],
], ids=["bytes", "none", "too-many", "too-long", "list"])
def test_headers_vcrpy_cannot_parse_raise_the_same_error_every_time(headers: Any) -> None:
    with pytest.raises(Exception) as theirs:
        vcr.stubs.parse_headers(headers)
    cache = stubs.HeaderCache()
    for _ in range(2):
        with pytest.raises(type(theirs.value)) as ours:
            cache(headers)
        assert str(ours.value) == str(theirs.value)


def test_the_cached_getheaders_is_vcrpys_and_hands_out_a_new_list_each_time() -> None:
    response = vcr.stubs.VCRHTTPResponse(
        {"status": {"code": 200, "message": "OK"}, "headers": dict(TRICKY_HEADERS), "body": {"string": b"x"}})
    cache = stubs.HeaderCache()
    expected = stubs._VCR_GETHEADERS(response)
    first = cache.getheaders(response)
    first.append(("X-Added", "by the client"))
    assert cache.getheaders(response) == expected


# -- force_reset ----------------------------------------------------------------------------

def reset_state() -> list[tuple[str, str, bool]]:
    """Each target vcrpy's force_reset puts back: what it holds now, and whether it is set on it."""
    return [(getattr(getattr(target, attribute), "__qualname__", "?"), attribute, attribute in vars(target))
            for target, attribute, _ in stubs.reset_targets()]


def force_reset_story(open_cassette: Callable[[str], Any], project: Path) -> list[Any]:
    """The states seen around vcrpy's force_reset, including vcrpy's abandoned-window rule."""
    seen: list[Any] = [reset_state()]
    with open_cassette(str(project / "outer.yaml")):
        seen.append(reset_state())
        with vcr.patch.force_reset():
            seen.append(reset_state())
        seen.append(reset_state())
        window = vcr.patch.force_reset()
        window.__enter__()
        seen.append(reset_state())
        with open_cassette(str(project / "inner.yaml")):
            window.__exit__(None, None, None)  # unwound inside a newer cassette: its patches stay
            seen.append(reset_state())
        seen.append(reset_state())
    seen.append(reset_state())
    return seen


def test_force_reset_patches_and_unpatches_exactly_as_vcrpys(project: Path) -> None:
    theirs = force_reset_story(lambda path: vcr.VCR(record_mode="none").use_cassette(path), project)
    ours = force_reset_story(lambda path: use_cassette(path, record_mode="none"), project)
    assert ours == theirs
    assert theirs[0] == theirs[-1] and theirs[1] != theirs[0] and theirs[2] == theirs[0]
    assert vcr.patch.force_reset is not stubs.force_reset  # only while one of our cassettes is open


def test_the_reset_targets_are_those_of_vcrpys_reset_patchers() -> None:
    expected = [(p.getter(), p.attribute, p.new) for p in vcr.patch.reset_patchers()]
    assert list(stubs.reset_targets()) == expected
    assert [(p.getter(), p.attribute, p.new) for p in stubs.reset_patchers()] == expected


# -- the copy the secret filter works on ----------------------------------------------------

def general_copy(request: Any) -> Any:
    clone = copy.copy(request)
    clone.headers = dict(request.headers.items())
    return clone


def request_state(request: Any) -> Any:
    state = {k: v for k, v in vars(request).items() if k != "_headers"}
    return type(request), state, dict(request.headers._store)


class MyRequest(VcrRequest):  # type: ignore[misc]  # vcrpy is untyped
    pass


def sample_requests() -> list[Any]:
    with_tuple = VcrRequest("GET", "http://h/", None, {})
    with_tuple.headers._store["x-t"] = ("X-T", ("a", "b"))  # not what vcrpy stores; general path
    with_nested = VcrRequest("GET", "http://h/", None, {})
    with_nested.headers["X-N"] = (["inner"],)
    return [
        VcrRequest("GET", "http://h/a?b=1", None, {"Accept": "*/*", "Authorization": "Bearer s"}),
        VcrRequest("POST", "https://h:8443/p", b'{"a": 1}', {"Content-Type": "application/json"}),
        VcrRequest("POST", "http://h/", "text body", {"X-A": ["listed"], "x-a": "again"}),
        VcrRequest("PUT", "http://h/", io.BytesIO(b"file"), {}),
        VcrRequest("PUT", "http://h/", iter([b"a", b"b"]), {}),
        MyRequest("GET", "http://h/", None, {"A": "1"}),
        with_tuple,
        with_nested,
    ]


@pytest.mark.parametrize("index", range(len(sample_requests())))
def test_the_filters_copy_equals_the_general_copy_and_shares_no_headers(index: int) -> None:
    request = sample_requests()[index]
    before = request_state(request)
    clone = duplicate(request)
    assert request_state(clone) == request_state(general_copy(request))
    clone.headers["X-Secret"] = "changed"
    clone.uri = "http://elsewhere/"
    assert request_state(request) == before


class Headers(dict[str, Any]):
    """A mapping subclass: vcrpy's update() reads it key by key."""


HEADER_INPUTS: list[Any] = [
    {},
    {"Accept": "*/*", "User-Agent": "x"},
    {"X-A": ["listed", "second"], "X-B": ("tupled",), "X-C": [["nested"]]},
    {"Content-Type": "a", "content-type": "b", "CONTENT-TYPE": "c"},  # first spelling, last value
    Headers({"X-Sub": "class"}),
    requests.structures.CaseInsensitiveDict({"Accept": "json", "X-Y": "1"}),
    [("X-Pair", "v")],  # not a mapping: vcrpy's own conversion
    {"X-Empty-List": []},  # IndexError, raised by vcrpy
    {1: "not a string name"},  # AttributeError, raised by vcrpy
]


@pytest.mark.parametrize("data", HEADER_INPUTS, ids=range(len(HEADER_INPUTS)))
def test_requests_are_built_with_the_headers_vcrpy_builds_or_fail_as_vcrpy_fails(data: Any) -> None:
    try:
        expected: Any = request_state(VcrRequest("GET", "http://h/p?q=1", b"body", data))
    except Exception as error:
        expected = (type(error), str(error))
    try:
        ours: Any = request_state(new_request("GET", "http://h/p?q=1", b"body", data))
    except Exception as error:
        ours = (type(error), str(error))
    assert ours == expected
