"""Cassettes -> an OpenAPI 3.1 document (``cassettes schema``).

Requests group by the endpoint model's templates (:mod:`cassettes_tool.drift.templates`): one
path per templated path (``{param}`` segments named after the segment before them), one
operation per method, query keys as query parameters (required when every recorded request of
the operation sent them), JSON request bodies and, per status and media type, a JSON Schema
inferred from every recorded body (:mod:`.infer`) and one example: the first recorded body, taken
*after* the project's secret filter (:func:`cassettes_tool.core.filters.filter_response`), so no
credential reaches the document. Everything is sorted: the same cassettes give the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import yaml

from cassettes_tool.core.bodies import is_json_media, media_type, try_parse_json
from cassettes_tool.core.cassette import Cassette
from cassettes_tool.core.config import Config
from cassettes_tool.core.discovery import find_cassettes
from cassettes_tool.core.filters import FilterRules, filter_request, filter_response
from cassettes_tool.core.reader import load_cassette
from cassettes_tool.drift.templates import PARAM, Templater, split_uri
from cassettes_tool.errors import CassetteError, UsageError
from cassettes_tool.openapi.examples import safe_example
from cassettes_tool.openapi.infer import SchemaBuilder

OPENAPI_VERSION = "3.1.0"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass
class _Content:
    builder: SchemaBuilder = field(default_factory=SchemaBuilder)
    example: Any = None
    has_example: bool = False
    json: bool = True

    def add(self, body: bytes, media: str) -> None:
        if not self.json:
            return
        ok, value = try_parse_json(body) if is_json_media(media) and body else (False, None)
        if not ok:
            self.json = False
            return
        self.builder.add(value)
        if not self.has_example:
            self.example, self.has_example = safe_example(value), True

    def media_object(self) -> dict[str, Any]:
        if not self.json:
            return {"schema": {"type": "string"}}
        out: dict[str, Any] = {"schema": self.builder.schema()}
        if self.has_example:
            out["example"] = self.example
        return out


@dataclass
class _Operation:
    requests: int = 0
    query: dict[str, list[str]] = field(default_factory=dict)
    query_presence: dict[str, int] = field(default_factory=dict)
    origins: set[str] = field(default_factory=set)
    request_bodies: dict[str, _Content] = field(default_factory=dict)
    responses: dict[int, dict[str, _Content]] = field(default_factory=dict)


@dataclass(frozen=True)
class SchemaResult:
    """The document and the cassettes that could not be read (path, reason)."""

    document: dict[str, Any]
    cassettes: int
    skipped: tuple[tuple[Path, str], ...] = ()


def load_all(paths: Sequence[Path]) -> tuple[list[Cassette], list[tuple[Path, str]]]:
    """Every readable cassette under ``paths``, and one (path, reason) per unreadable one."""
    errors: list[tuple[Path, str]] = []
    cassettes: list[Cassette] = []
    for path in find_cassettes(paths, errors=errors):
        try:
            cassettes.append(load_cassette(path))
        except CassetteError as exc:
            message = str(exc)
            errors.append((path, message.removeprefix(f"{path}: ")))
    return cassettes, errors


def export_schema(paths: Sequence[Path], config: Config | None = None, *, host: str | None = None) -> SchemaResult:
    """The OpenAPI 3.1 document of the cassettes under ``paths`` (only ``host`` when given)."""
    cassettes, skipped = load_all(paths)
    document = build_document(cassettes, FilterRules.from_config(config), host=host)
    return SchemaResult(document, len(cassettes), tuple(skipped))


def build_document(cassettes: Iterable[Cassette], rules: FilterRules, *, host: str | None = None) -> dict[str, Any]:
    """The document of these cassettes' interactions, secrets filtered first."""
    interactions = []
    for cassette in sorted(cassettes, key=lambda c: str(c.path)):
        for interaction in cassette.interactions:
            request = filter_request(interaction.request, rules)
            if host is not None and (urlsplit(request.uri).hostname or "").lower() != host.lower():
                continue
            interactions.append((request, filter_response(interaction.response, rules)))
    if host is not None and not interactions:
        raise UsageError(f"no recorded request to host {host!r} (check --host against the cassettes' URLs)")
    templater = Templater(request.uri for request, _ in interactions)
    operations: dict[tuple[str, str], _Operation] = {}
    for request, response in interactions:
        method = request.method.lower()
        if method not in METHODS:
            continue
        origin, segments, _keys = split_uri(request.uri)
        path = openapi_path(templater.template(origin, segments))
        op = operations.setdefault((path, method), _Operation())
        op.requests += 1
        op.origins.add(origin)
        pairs = parse_qsl(urlsplit(request.uri).query, keep_blank_values=True)
        for key, value in pairs:
            op.query.setdefault(key, []).append(value)
        for key in {key for key, _ in pairs}:
            op.query_presence[key] = op.query_presence.get(key, 0) + 1
        if request.body:
            req_media = media_type(request.header("content-type")) or "application/octet-stream"
            op.request_bodies.setdefault(req_media, _Content()).add(request.body, req_media)
        res_media = response.content_type or "application/octet-stream"
        body = response.decoded_body()
        per_status = op.responses.setdefault(int(response.status), {})
        if body:
            per_status.setdefault(res_media, _Content()).add(body, res_media)
    return _document(operations)


def openapi_path(template: str) -> str:
    """``/users/{param}/orders/{param}`` -> ``/users/{users_id}/orders/{orders_id}`` (unique names)."""
    segments = template.split("/")
    used: set[str] = set()
    out = []
    for i, segment in enumerate(segments):
        if segment != PARAM:
            out.append(segment)
            continue
        before = segments[i - 1] if i > 0 and segments[i - 1] not in ("", PARAM) else ""
        base = "".join(ch if ch.isalnum() else "_" for ch in before).strip("_")
        name = f"{base}_id" if base else "id"
        candidate, n = name, 2
        while candidate in used:
            candidate, n = f"{name}{n}", n + 1
        used.add(candidate)
        out.append("{" + candidate + "}")
    return "/".join(out) or "/"


def path_parameters(path: str) -> list[str]:
    """The ``{name}`` parameters of an OpenAPI path, in order."""
    return [segment[1:-1] for segment in path.split("/") if segment.startswith("{") and segment.endswith("}")]


def _query_schema(values: list[str]) -> dict[str, Any]:
    if values and all(v.lstrip("-").isdigit() for v in values):
        return {"type": "integer"}
    return {"type": "string"}


def _document(operations: dict[tuple[str, str], _Operation]) -> dict[str, Any]:
    origins = sorted({origin for op in operations.values() for origin in op.origins})
    paths: dict[str, Any] = {}
    for path, method in sorted(operations, key=lambda pm: (pm[0], METHODS.index(pm[1]))):
        op = operations[(path, method)]
        item = paths.setdefault(path, {})
        operation: dict[str, Any] = {"operationId": _operation_id(method, path)}
        parameters = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                      for name in path_parameters(path)]
        for key in sorted(op.query):
            required = op.query_presence[key] == op.requests
            parameters.append({"name": key, "in": "query", "required": required,
                               "schema": _query_schema(op.query[key])})
        if parameters:
            operation["parameters"] = parameters
        if op.request_bodies:
            operation["requestBody"] = {"content": {m: c.media_object() for m, c in sorted(op.request_bodies.items())}}
        responses: dict[str, Any] = {}
        for status in sorted(op.responses):
            described: dict[str, Any] = {"description": _reason(status)}
            contents = op.responses[status]
            if contents:
                described["content"] = {m: c.media_object() for m, c in sorted(contents.items())}
            responses[str(status)] = described
        operation["responses"] = responses
        item[method] = operation
        if len(origins) > 1:
            item["servers"] = [{"url": o} for o in sorted(
                {o for (p, _m), other in operations.items() if p == path for o in other.origins})]
    title = "Recorded API" if len(origins) != 1 else f"Recorded API of {urlsplit(origins[0]).netloc}"
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": title, "version": "recorded",
                 "description": "Inferred from recorded HTTP interactions by cassettes schema."},
        "servers": [{"url": origin} for origin in origins],
        "paths": paths,
    }


def _operation_id(method: str, path: str) -> str:
    words = [part.strip("{}") for part in path.split("/") if part]
    cleaned = ["".join(ch if ch.isalnum() else "_" for ch in word) for word in words]
    return "_".join([method, *cleaned]) if cleaned else f"{method}_root"


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"Status {status}"


def dump_document(document: dict[str, Any], fmt: str) -> str:
    """The document as YAML (block style, keys in the document's order) or JSON (indent 2)."""
    if fmt == "json":
        return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
