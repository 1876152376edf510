"""``cassettes show``: one cassette as readable text, bodies decoded and pretty-printed."""

from __future__ import annotations

import json
from typing import Any

from cassettes_tool.core.bodies import is_json_media, looks_binary, media_type, try_parse_json
from cassettes_tool.core.cassette import Cassette, Headers
from cassettes_tool.core.controls import escape_controls
from cassettes_tool.core.jsonfile import document

MAX_TEXT_BODY = 64 * 1024


def render_body(body: bytes, content_type: str | None) -> str:
    """Pretty JSON, text as is (truncated), binary summarised -- never dumped."""
    if not body:
        return "(empty body)"
    media = media_type(content_type)
    if looks_binary(body):
        kind = media or "application/octet-stream"
        head = body[:16].hex(" ")
        return f"(binary body: {len(body):,} bytes, {kind}, starts {head})"
    if is_json_media(media) or body.lstrip()[:1] in (b"{", b"["):
        ok, value = try_parse_json(body)
        if ok:
            return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)
    text = body.decode("utf-8", errors="replace")
    if len(text) > MAX_TEXT_BODY:
        return text[:MAX_TEXT_BODY] + f"\n... ({len(text) - MAX_TEXT_BODY:,} more characters)"
    return text


def _headers(headers: Headers) -> list[str]:
    return [f"  {name}: {value}" for name, values in headers.items() for value in values]


def render_cassette(cassette: Cassette, display: str, index: int | None = None) -> str:
    """The text of ``cassettes show``; ``index`` limits it to one interaction."""
    lines = [f"{display}: {len(cassette)} interaction(s), {cassette.format}, {cassette.variant}"]
    for key, value in sorted(cassette.metadata.items()):
        lines.append(f"  metadata.{key}: {value}")
    for number, interaction in enumerate(cassette.interactions):
        if index is not None and number != index:
            continue
        request, response = interaction.request, interaction.response
        lines.append("")
        lines.append(f"--- [{number}] {request.method.upper()} {request.uri}")
        lines.extend(_headers(request.headers))
        if request.body:
            lines.append("  request body:")
            lines.extend("    " + line for line in render_body(request.body, request.header("content-type")).splitlines())
        lines.append(f"  => {response.status} {response.reason}".rstrip())
        lines.extend(_headers(response.headers))
        body = render_body(response.decoded_body(), response.header("content-type"))
        lines.append("  response body:")
        lines.extend("    " + line for line in body.splitlines())
    return escape_controls("\n".join(lines)) + "\n"


SHOW_SCHEMA_VERSION = 1


def body_json(body: bytes, content_type: str | None) -> dict[str, Any]:
    """A body for ``show --format json``: parsed JSON, text (truncated) or a binary summary."""
    media = media_type(content_type) or None
    summary: dict[str, Any] = {"size": len(body), "media_type": media}
    if not body:
        return {"kind": "empty", **summary}
    if looks_binary(body):
        return {"kind": "binary", **summary, "head": body[:16].hex(" ")}
    if is_json_media(media) or body.lstrip()[:1] in (b"{", b"["):
        ok, value = try_parse_json(body)
        if ok:
            return {"kind": "json", **summary, "json": value}
    text = body.decode("utf-8", errors="replace")
    return {"kind": "text", **summary, "text": text[:MAX_TEXT_BODY], "truncated": len(text) > MAX_TEXT_BODY}


def cassette_json(cassette: Cassette, display: str, index: int | None = None) -> dict[str, Any]:
    """The document of ``cassettes show --format json`` (schema in docs/cli.md)."""
    interactions = []
    for number, interaction in enumerate(cassette.interactions):
        if index is not None and number != index:
            continue
        request, response = interaction.request, interaction.response
        interactions.append({
            "index": number,
            "request": {"method": request.method.upper(), "uri": request.uri, "headers": request.headers,
                        "body": body_json(request.body or b"", request.header("content-type"))},
            "response": {"status": response.status, "reason": response.reason, "headers": response.headers,
                         "body": body_json(response.decoded_body(), response.header("content-type"))},
        })
    return document(SHOW_SCHEMA_VERSION, {
        "path": display, "format": cassette.format, "variant": cassette.variant,
        "interaction_count": len(cassette),
        # A YAML cassette's metadata may hold timestamps: as their text, like every other value.
        "metadata": json.loads(json.dumps(dict(cassette.metadata), default=str)), "interactions": interactions,
    })
