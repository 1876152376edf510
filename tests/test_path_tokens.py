"""Tokens of a known format in a URL path are filtered when recording; ordinary segments never are."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from cassettes_tool import use_cassette
from cassettes_tool.core.filters import PLACEHOLDER
from cassettes_tool.core.url_filters import filter_uri
from tests.helpers.server import LoopbackServer

GITHUB = "ghp_R8kQz2LmV7xWc4Tn9PbJ5sYh3GdA6fKe1Uo0"
OTHER_GITHUB = "ghp_Q1wE2rT3yU4iO5pA6sD7fG8hJ9kL0zX1cV2b"
TELEGRAM = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"
JWT = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
       "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U")

# Every one of these must come back unchanged (the same object): ids, UUIDs, hashes, slugs,
# versions, dates, base64 cursors and names that merely start like a token prefix.
ORDINARY = [
    "https://api.test/v1/users/12345/repos",
    "https://api.test/v2/orders/550e8400-e29b-41d4-a716-446655440000",
    "https://api.test/repos/ada/cassettes/commits/da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "https://api.test/blobs/sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "https://api.test/2024-01-31/reports/2024/01/31",
    "https://api.test/articles/how-to-record-http-with-vcrpy-and-filter-secrets",
    "https://api.test/v1/items/eyJwYWdlIjoyLCJzaXplIjo1MH0",  # a base64 JSON cursor, one part
    "https://api.test/robots/bottle/bot42/sk_live/ghp_short/AKIA/AIza",
    "https://api.test/services/T/B/x",
    "https://api.test/npm_package/pypi-project/glpat-docs/xoxb-help",
    "https://api.test/users/skywalker/sk-learn/ssh-rsa",
    "https://api.test/files/IMG_20240131_123456789.jpg",
    "https://api.test/v3/accounts/AC0123456789abcdef0123456789abcdef/Keys",
]


@pytest.mark.parametrize("uri", ORDINARY)
def test_ordinary_path_segments_are_never_replaced(uri: str) -> None:
    assert filter_uri(uri, frozenset({"token"})) is uri


@pytest.mark.parametrize(("path", "filtered"), [
    (f"/v1/hooks/{GITHUB}/deliveries", f"/v1/hooks/{PLACEHOLDER}/deliveries"),
    (f"/bot{TELEGRAM}/getMe", f"/bot{PLACEHOLDER}/getMe"),
    ("/bot123456789%3AAAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1/getMe", f"/bot{PLACEHOLDER}/getMe"),
    ("/services/T0123ABCD/B0123ABCD/Xw8kQz2LmV7xWc4Tn9PbJ5sY", f"/services/T0123ABCD/B0123ABCD/{PLACEHOLDER}"),
    ("/v1/keys/sk_live_R8kQz2LmV7xWc4Tn9PbJ5sYh3G", f"/v1/keys/{PLACEHOLDER}"),
    (f"/session/{JWT}/refresh", f"/session/{PLACEHOLDER}/refresh"),
    ("/creds/AKIAZQ7MK2VX4B9NPQRS/bucket", f"/creds/{PLACEHOLDER}/bucket"),
    (f"/keys/key-{GITHUB}.json", f"/keys/key-{PLACEHOLDER}.json"),  # part of a segment
])
def test_a_token_of_a_known_format_in_a_path_segment_becomes_the_placeholder(path: str, filtered: str) -> None:
    assert filter_uri(f"https://api.test{path}?page=2", frozenset()) == f"https://api.test{filtered}?page=2"
    # Filtering twice changes nothing: replay filters the incoming request the same way.
    assert filter_uri(f"https://api.test{filtered}", frozenset()) == f"https://api.test{filtered}"


def test_a_path_token_never_reaches_the_cassette_and_the_test_replays_offline(
        project: Path, loopback_server: LoopbackServer) -> None:
    loopback_server.route("GET", "*", json={"ok": True})
    urls = [loopback_server.url(f"/v1/hooks/{GITHUB}/deliveries"), loopback_server.url(f"/bot{TELEGRAM}/getMe"),
            loopback_server.url(f"/session/{JWT}/refresh?page=2")]
    with use_cassette("path_tokens", record_mode="once"):
        for url in urls:
            assert requests.get(url, timeout=10).json() == {"ok": True}
    assert loopback_server.requests[0].path.endswith(f"{GITHUB}/deliveries")  # the server saw the real token
    text = (project / "cassettes" / "path_tokens.yaml").read_text()
    assert GITHUB not in text and TELEGRAM not in text and JWT not in text
    assert f"/v1/hooks/{PLACEHOLDER}/deliveries" in text and f"/bot{PLACEHOLDER}/getMe" in text
    served = len(loopback_server.requests)
    with use_cassette("path_tokens", record_mode="none", allow_playback_repeats=True):
        for url in urls:
            assert requests.get(url, timeout=10).json() == {"ok": True}
        # Like a filtered query parameter: another token of the same format matches too.
        assert requests.get(loopback_server.url(f"/v1/hooks/{OTHER_GITHUB}/deliveries"),
                            timeout=10).json() == {"ok": True}
    assert len(loopback_server.requests) == served  # replayed, nothing sent
