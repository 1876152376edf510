"""What a response body is, for drift: JSON, NDJSON, empty or other — and its JSON values.

A body counts as JSON when it parses and either its media type is JSON (``application/json``,
``*+json``), or there is no media type, or it is an object or array whatever the media type
says (APIs serve JSON as ``text/plain`` or ``text/html`` too). NDJSON (by media type) counts
when every non-blank line parses; its lines are merged as samples of the root ``$``. Everything
else compares by media type only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cassettes_tool.core.bodies import is_json_media, is_ndjson_media, looks_binary, try_parse_json
from cassettes_tool.core.cassette import Response

JSON, NDJSON, EMPTY, OTHER = "json", "ndjson", "empty", "other"
JSON_KINDS = (JSON, NDJSON)
LABELS = {JSON: "JSON", NDJSON: "NDJSON", EMPTY: "empty", OTHER: "non-JSON"}


@dataclass(frozen=True)
class BodyView:
    """The kind of a body and, for JSON kinds, its values (one for JSON, one per NDJSON line)."""

    kind: str
    media: str | None
    values: Sequence[Any] = ()

    @property
    def label(self) -> str:
        if self.kind == OTHER and self.media:
            return f"non-JSON ({self.media})"
        return LABELS[self.kind]


def view_body(response: Response) -> BodyView:
    """Decode (Content-Encoding) and classify one response body. Never raises."""
    media = response.content_type
    body = response.decoded_body()
    if not body.strip():
        return BodyView(EMPTY, media)
    if looks_binary(body):
        return BodyView(OTHER, media)
    if is_ndjson_media(media):
        values = []
        for line in body.splitlines():
            if not line.strip():
                continue
            ok, value = try_parse_json(line)
            if not ok:
                return BodyView(OTHER, media)
            values.append(value)
        return BodyView(NDJSON, media, tuple(values))
    ok, value = try_parse_json(body)
    if ok and (media is None or is_json_media(media) or isinstance(value, dict | list)):
        return BodyView(JSON, media, (value,))
    return BodyView(OTHER, media)
