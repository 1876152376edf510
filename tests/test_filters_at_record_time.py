"""Secrets planted in every place docs/recording.md lists never reach the cassette file."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import requests

from cassettes_tool import use_cassette
from cassettes_tool.core.config import (
    DEFAULT_FILTER_BODY_FIELDS,
    DEFAULT_FILTER_HEADERS,
    DEFAULT_FILTER_QUERY_PARAMETERS,
    FILTERED_PLACEHOLDER,
)
from tests.helpers.server import LoopbackServer


def secret(place: str) -> str:
    return f"SECRET-{place.replace('_', '-')}-0451"


def nested(fields: tuple[str, ...], prefix: str) -> dict[str, object]:
    """Every field at the top, nested in an object and inside a list of objects."""
    return {
        **{f: secret(f"{prefix}-top-{f}") for f in fields},
        "deep": {"deeper": {f: secret(f"{prefix}-deep-{f}") for f in fields}},
        "items": [{f: secret(f"{prefix}-list-{f}") for f in fields}],
        "harmless": "visible-value",
    }


def test_secrets_in_every_default_place_never_reach_the_file(project: Path, loopback_server: LoopbackServer) -> None:
    response_body = nested(DEFAULT_FILTER_BODY_FIELDS, "response")
    loopback_server.route("POST", "/login", json=response_body,
                          headers={"Set-Cookie": f"session={secret('set-cookie')}; HttpOnly"})
    query = "&".join(f"{name}={secret('query-' + name)}" for name in DEFAULT_FILTER_QUERY_PARAMETERS)
    headers = {name: secret("header-" + name) for name in DEFAULT_FILTER_HEADERS}
    with use_cassette("secrets", record_mode="once"):
        reply = requests.post(loopback_server.url(f"/login?{query}&page=2"), headers=headers,
                              json=nested(DEFAULT_FILTER_BODY_FIELDS, "request"))
        assert reply.json() == response_body  # the test itself sees the real values
    # The server received the real credentials: filtering happens on the way to disk only.
    assert loopback_server.requests[0].header("Authorization") == secret("header-authorization")
    text = (project / "cassettes" / "secrets.yaml").read_text()
    assert "SECRET-" not in text
    assert "visible-value" in text and "page=2" in text
    document_text = text.count(FILTERED_PLACEHOLDER)
    expected = len(DEFAULT_FILTER_HEADERS) + 1 + len(DEFAULT_FILTER_QUERY_PARAMETERS) + 2 * 3 * len(DEFAULT_FILTER_BODY_FIELDS)
    assert document_text == expected


def test_user_lists_extend_the_defaults_instead_of_replacing_them(
    project: Path, loopback_server: LoopbackServer
) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.cassettes]\ncassette_dir = "cassettes"\nfilter_headers = ["X-Custom-Secret"]\n'
        'filter_query_parameters = ["session"]\nfilter_body_fields = ["pin"]\n'
    )
    loopback_server.route("POST", "/x", json={"pin": secret("pin"), "password": secret("pw")})
    with use_cassette("custom", record_mode="once"):
        requests.post(
            loopback_server.url(f"/x?session={secret('session')}&token={secret('token')}"),
            headers={"X-Custom-Secret": secret("custom"), "Authorization": secret("auth")},
            json={"pin": secret("pin-request"), "client_secret": secret("cs")},
        )
    text = (project / "cassettes" / "custom.yaml").read_text()
    assert "SECRET-" not in text


def test_a_test_recorded_with_one_token_replays_with_another(project: Path, loopback_server: LoopbackServer) -> None:
    loopback_server.route("POST", "/api", json={"ok": True})

    def call(token: str) -> object:
        return requests.post(
            loopback_server.url(f"/api?access_token={token}&q=1"),
            headers={"Authorization": f"Bearer {token}"},
            json={"password": token, "user": "ada"},
        ).json()

    with use_cassette("token", record_mode="once", match_on=["method", "uri", "headers", "body"]):
        assert call("first-token") == {"ok": True}
    with use_cassette("token", record_mode="none", match_on=["method", "uri", "headers", "body"]):
        assert call("a-completely-different-token") == {"ok": True}
    assert len(loopback_server.requests) == 1


def test_a_compressed_response_with_a_secret_is_stored_decoded_and_filtered(
    project: Path, loopback_server: LoopbackServer
) -> None:
    payload = gzip.compress(json.dumps({"access_token": secret("gz"), "id": 7}).encode())
    loopback_server.route("GET", "/gz", body=payload,
                          headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
    with use_cassette("gz", record_mode="once"):
        assert requests.get(loopback_server.url("/gz")).json()["id"] == 7
    with use_cassette("gz"):
        assert requests.get(loopback_server.url("/gz")).json() == {"access_token": FILTERED_PLACEHOLDER, "id": 7}
    assert b"SECRET-" not in (project / "cassettes" / "gz.yaml").read_bytes()


def test_vcrpy_style_filter_pairs_with_a_custom_replacement_still_work(
    project: Path, loopback_server: LoopbackServer
) -> None:
    loopback_server.route("GET", "/x", json={})
    with use_cassette("pairs", record_mode="once", filter_headers=[("X-Tenant", "TENANT")]):
        requests.get(loopback_server.url("/x"), headers={"X-Tenant": "acme", "Authorization": secret("a")})
    text = (project / "cassettes" / "pairs.yaml").read_text()
    assert "TENANT" in text and "acme" not in text and "SECRET-" not in text
