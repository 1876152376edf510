"""Secrets planted in every place docs/recording.md lists never reach the cassette file."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from urllib.parse import quote

import requests

from cassettes_tool import use_cassette
from cassettes_tool.core.config import (
    DEFAULT_FILTER_BODY_FIELDS,
    DEFAULT_FILTER_HEADERS,
    DEFAULT_FILTER_QUERY_PARAMETERS,
    FILTERED_PLACEHOLDER,
)
from tests.helpers.server import LoopbackServer, ReceivedRequest


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


def test_a_credential_the_server_echoes_is_scrubbed_from_the_recorded_response_in_every_form(
    project: Path, loopback_server: LoopbackServer
) -> None:
    token = "echo-Tk8Xq2Lm7Vb1Nz9/Wc4"

    def echo(received: ReceivedRequest) -> tuple[object, ...]:
        seen = (received.header("Authorization") or "").removeprefix("Bearer ")
        body = json.dumps({"headers": {"Authorization": f"Bearer {seen}"}, "quoted": quote(seen, safe=""),
                           "b64": base64.b64encode(seen.encode()).decode(), "user": "ada",
                           "length": "24"}).encode()
        return 401, {"Content-Type": "application/json", "Content-Encoding": "gzip",
                     "WWW-Authenticate": f'Bearer error="invalid_token" token="{seen}"'}, \
            gzip.compress(body), f"Unauthorized {seen}"

    loopback_server.route("GET", "/anything", handler=echo)
    with use_cassette("echo", record_mode="once"):
        reply = requests.get(loopback_server.url("/anything"), headers={"Authorization": f"Bearer {token}"})
        assert reply.json()["headers"]["Authorization"] == f"Bearer {token}"  # the test sees the real echo
    stored = (project / "cassettes" / "echo.yaml").read_text()
    assert token not in stored and quote(token, safe="") not in stored
    assert base64.b64encode(token.encode()).decode() not in stored
    with use_cassette("echo"):
        replayed = requests.get(loopback_server.url("/anything"), headers={"Authorization": "Bearer other"})
    # Stored decoded (the body changed), everything but the echoed credential kept.
    assert replayed.json() == {"headers": {"Authorization": FILTERED_PLACEHOLDER}, "quoted": FILTERED_PLACEHOLDER,
                               "b64": FILTERED_PLACEHOLDER, "user": "ada", "length": "24"}
    assert replayed.reason == f"Unauthorized {FILTERED_PLACEHOLDER}"
    assert replayed.headers["WWW-Authenticate"] == f'Bearer error="invalid_token" token="{FILTERED_PLACEHOLDER}"'
    assert "Content-Encoding" not in replayed.headers


def test_a_removed_value_shorter_than_the_minimum_is_not_scrubbed_from_the_response(
    project: Path, loopback_server: LoopbackServer
) -> None:
    # Shorter values would redact ordinary words: "admin" stays in the body that greets the user.
    loopback_server.route("POST", "/login", json={"greeting": "hello admin", "role": "admin"})
    with use_cassette("short", record_mode="once"):
        requests.post(loopback_server.url("/login"), json={"user": "admin", "password": "admin"})
    stored = (project / "cassettes" / "short.yaml").read_text()
    assert "hello admin" in stored and '"password": "<FILTERED>"' in stored
