"""Cassette builders: recorded interactions and vcrpy-format files written like the tool writes them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cassettes_tool.core.cassette import Cassette, Interaction, Request, Response
from cassettes_tool.core.transaction import save_cassette

# A small valid YAML cassette (one GET answered with a JSON user).
GOOD = """\
interactions:
- request:
    body: null
    headers:
      Accept: ['application/json']
    method: GET
    uri: https://api.example.com/users/1
  response:
    body: {string: '{"id": 1, "name": "Ada"}'}
    headers:
      Content-Type: [application/json]
    status: {code: 200, message: OK}
version: 1
"""


def interaction(method: str, uri: str, body: Any = None, *, status: int = 200,
                content_type: str = "application/json", headers: Mapping[str, list[str]] | None = None,
                request_body: bytes | None = None,
                response_headers: Mapping[str, list[str]] | None = None) -> Interaction:
    """A recorded interaction; ``body`` is JSON-encoded unless it is bytes."""
    raw = body if isinstance(body, bytes) else json.dumps(body if body is not None else {}).encode()
    response_h = {"Content-Type": [content_type], **(response_headers or {})}
    return Interaction(
        request=Request(method=method, uri=uri, headers=dict(headers or {}), body=request_body),
        response=Response(status=status, reason="OK", headers=response_h, body=raw),
    )


def write_cassette(path: Path, interactions: list[Interaction], *,
                   recorded_at: str | None = "2026-01-01T00:00:00Z") -> Path:
    """Save a vcrpy-format cassette (YAML, or JSON for a .json name) at ``path``."""
    metadata = {"recorded_at": recorded_at} if recorded_at else {}
    cassette = Cassette(path=path, format="json" if path.suffix == ".json" else "yaml",
                        interactions=interactions, metadata=metadata)
    save_cassette(cassette, record=False)
    return path
