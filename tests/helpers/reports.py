"""Sample drift reports for the renderer tests: every status, severity and awkward character."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from cassettes_tool.core.cassette import Cassette, Interaction, Request, Response
from cassettes_tool.core.transaction import save_cassette
from cassettes_tool.review.report import (
    CassetteResult,
    Finding,
    InteractionResult,
    Report,
)

HOSTILE_BODY = {
    "id": 7,
    "name": "<script>window.__pwned = 1; document.title = 'pwned'</script>",
    "bio": "</pre><img src=x onerror=\"window.__pwned=2\"> | `code` **bold** @octocat #1",
    "address": {"city": "Lyon"},
    "tags": [1, 2],
}


def _finding(fp: str, severity: str, kind: str, path: str | None, recorded: object, live: object,
             message: str, *, location: str = "body", acknowledged: bool = False) -> Finding:
    return Finding(fingerprint=fp, severity=severity, kind=kind, location=location, path=path,
                   recorded=recorded, live=live, message=message, acknowledged=acknowledged)


def sample_report() -> Report:
    """A report with drift of every severity, an acknowledged finding, errors and skips."""
    users = CassetteResult(
        path="tests/cassettes/users/get_user.yaml", status="drift", sha256="0" * 64,
        interactions=[
            InteractionResult(
                index=0, method="GET", uri="https://api.example.com/users/7", status="drift",
                recorded={"status": 200, "content_type": "application/json"},
                live=Response(status=200, reason="OK", headers={"Content-Type": ["application/json"]},
                              body=json.dumps(HOSTILE_BODY).encode()),
                findings=[
                    _finding("3f9a0c1d2b4e", "breaking", "field_removed", "$.address.zip", "string", None,
                             "field $.address.zip (string) is gone"),
                    _finding("a1b2c3d4e5f6", "info", "field_added", "$.bio", None, "string",
                             "field $.bio (string) is new"),
                    _finding("0badc0ffee00", "warning", "type_changed", "$.tags[*]", "string", "number",
                             "elements of $.tags changed from string to number", acknowledged=True),
                ]),
            InteractionResult(index=1, method="GET", uri="https://api.example.com/users/8", status="error",
                              reason="live 503 Service Unavailable after 2 retries"),
        ])
    orders = CassetteResult(
        path="tests/cassettes/orders|`weird` <b>@team</b>.yaml", status="drift", sha256="1" * 64,
        interactions=[
            InteractionResult(
                index=0, method="GET",
                uri="https://api.example.com/v2/orders/search?status=open&include=customer,items,"
                    "shipping_address,billing_address&page=1&per_page=100",
                status="drift", recorded={"status": 200, "content_type": "application/json"},
                live=Response(status=200, headers={"Content-Type": ["application/json"]},
                              body=b'{"items": [{"id": 1, "total": null}]}'),
                findings=[_finding("c0ffee123456", "warning", "nullability_changed", "$.items[*].total",
                                   "number", "null", "field $.items[*].total became null")]),
            InteractionResult(index=1, method="POST", uri="https://api.example.com/v2/orders", status="skipped",
                              reason="POST is not in refresh.methods (widen with --allow-methods)"),
        ])
    health = CassetteResult(
        path="tests/cassettes/health.yaml", status="ok", sha256="2" * 64,
        interactions=[InteractionResult(index=0, method="GET", uri="https://api.example.com/health", status="ok",
                                        recorded={"status": 200, "content_type": "application/json"})])
    upload = CassetteResult(
        path="tests/cassettes/upload.yaml", status="skipped", sha256="3" * 64,
        interactions=[InteractionResult(index=0, method="PUT", uri="https://api.example.com/files/1",
                                        status="skipped", reason="PUT is not in refresh.methods")])
    broken = CassetteResult(path="tests/cassettes/broken.yaml", status="error",
                            error="not a vcrpy cassette (no 'interactions' list); is it a cassette?")
    return Report(started_at="2026-11-24T03:00:00Z", finished_at="2026-11-24T03:00:42Z",
                  cassettes=[health, users, upload, orders, broken], tool_version="0.1.0")


def clean_report() -> Report:
    """A report with nothing to say."""
    return Report(started_at="2026-11-24T03:00:00Z", finished_at="2026-11-24T03:00:01Z", tool_version="0.1.0",
                  cassettes=[CassetteResult(path="tests/cassettes/health.yaml", status="ok", sha256="2" * 64,
                                            interactions=[InteractionResult(0, "GET", "https://api.example.com/health",
                                                                            "ok")])])


def write_user_cassette(path: Path) -> str:
    """Write the cassette :func:`sample_report`'s users interaction was recorded from; its sha256."""
    recorded = {"id": 7, "name": "Ada", "address": {"city": "Lyon", "zip": "69001"}, "tags": ["a"]}
    interactions = [
        Interaction(Request("GET", f"https://api.example.com/users/{n}", {}, None),
                    Response(200, "OK", {"Content-Type": ["application/json"]}, json.dumps(recorded).encode()))
        for n in (7, 8)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    save_cassette(Cassette(path=path, interactions=interactions))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_json_cassette(path: Path, responses: list[tuple[str, str, object]]) -> Path:
    """A vcrpy cassette with one JSON response per ``(method, uri, body)``."""
    interactions = [
        Interaction(Request(method, uri, {}, None),
                    Response(200, "OK", {"Content-Type": ["application/json"]}, json.dumps(body).encode()))
        for method, uri, body in responses
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    save_cassette(Cassette(path=path, interactions=interactions))
    return path
