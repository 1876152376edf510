"""Recorded (or live) interactions against a given spec -> findings in a drift report.

Each interaction is matched to an operation of the spec (:mod:`.spec`); what does not fit is a
finding with one of these kinds (docs/drift-kinds.md):

=========================  ========  ==========================================================
kind                       severity  when
=========================  ========  ==========================================================
undocumented_endpoint      warning   no path of the spec matches, or the path lacks the method
undocumented_status        warning   the operation documents neither the status, nor ``NXX``,
                                     nor ``default``
media_type_not_in_spec     warning   the response's media type is not among the documented ones
missing_required_field     breaking  a ``required`` property is absent from the body
type_mismatch              breaking  a value's type (or another constraint: enum, format...)
                                     does not fit the schema
undocumented_field         info      a body key the schema does not name (and does not forbid:
                                     with ``additionalProperties: false`` it is breaking)
=========================  ========  ==========================================================

Bodies are validated with ``jsonschema`` (Draft 2020-12, the dialect of OpenAPI 3.1) and a
``referencing`` registry holding the spec, so ``$ref``, ``allOf``, ``oneOf``, ``anyOf`` and type
arrays are understood. Fingerprints are the drift engine's (cassette + request + kind + path).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cassettes_tool.core.bodies import is_json_media, try_parse_json
from cassettes_tool.core.cassette import Cassette, Response
from cassettes_tool.core.config import Config
from cassettes_tool.core.discovery import display_path
from cassettes_tool.core.storage import now_iso
from cassettes_tool.drift.fingerprint import cassette_key, fingerprint
from cassettes_tool.drift.paths import ITEM, ROOT, key_segment
from cassettes_tool.openapi.spec import Operation, Spec
from cassettes_tool.review.report import (
    CassetteResult,
    Finding,
    InteractionResult,
    Report,
    cassette_status,
    interaction_status,
)

CONTRACT_KINDS = {
    "undocumented_endpoint": "warning",
    "undocumented_status": "warning",
    "media_type_not_in_spec": "warning",
    "missing_required_field": "breaking",
    "type_mismatch": "breaking",
    "undocumented_field": "info",
}


@dataclass(frozen=True)
class Problem:
    """One misfit before it becomes a finding."""

    kind: str
    location: str
    path: str | None
    message: str
    spec: Any = None  # what the spec says (the "recorded" side of a finding)
    seen: Any = None  # what was recorded or received
    severity: str | None = None


def check_response(spec: Spec, method: str, uri: str, response: Response) -> tuple[list[Problem], Operation | None]:
    """Every misfit of one request and its response with the spec, and the operation matched."""
    operation, path_known = spec.match(method, uri)
    if operation is None:
        what = "the path is documented but not this method" if path_known else "no path of the spec matches"
        return [Problem("undocumented_endpoint", "endpoint", None,
                        f"{method.upper()} {uri}: not in the spec ({what})", None, method.upper())], None
    documented = operation.response_for(response.status)
    if documented is None:
        codes = sorted(operation.responses)
        return [Problem("undocumented_status", "status", None,
                        f"status {response.status} is not documented for {operation.name} "
                        f"(documented: {', '.join(codes) or 'none'})", codes, response.status)], operation
    content = spec.resolve(documented.get("content")) or {}
    body = response.decoded_body()
    if not content or not body:
        return [], operation
    media = response.content_type or "application/octet-stream"
    media_object = _media_object(content, media)
    if media_object is None:
        return [Problem("media_type_not_in_spec", "content_type", None,
                        f"{media} is not a documented media type of {operation.name} {response.status} "
                        f"(documented: {', '.join(sorted(content))})", sorted(content), media)], operation
    schema = spec.resolve(media_object.get("schema")) if isinstance(media_object, Mapping) else None
    if not isinstance(schema, Mapping) or not is_json_media(media):
        return [], operation
    ok, value = try_parse_json(body)
    if not ok:
        return [Problem("type_mismatch", "body", ROOT, f"the body is not JSON although {media} says so",
                        "json", "not json")], operation
    return list(validate_body(spec, schema, value)), operation


def _media_object(content: Mapping[str, Any], media: str) -> Any:
    if media in content:
        return content[media]
    major = media.split("/", 1)[0]
    for key in (f"{major}/*", "*/*"):
        if key in content:
            return content[key]
    return None


def validate_body(spec: Spec, schema: Mapping[str, Any], value: Any) -> Iterator[Problem]:
    """The schema misfits of one JSON body (required, types, documented keys)."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    resource = Resource.from_contents(spec.document, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource("urn:spec", resource)
    wrapped = {**schema, "$id": "urn:spec#body"} if "$ref" not in schema else {"$ref": "urn:spec" + schema["$ref"]}
    wrapped = _rebase_refs(wrapped)
    validator = Draft202012Validator(wrapped, registry=registry)
    for error in validator.iter_errors(value):
        if error.validator in ("oneOf", "anyOf") and error.context:
            error = best_match(error.context)
        where = _path(error.absolute_path)
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else "?"
            yield Problem("missing_required_field", "body", where + key_segment(missing),
                          f"required field {where + key_segment(missing)} is missing", "required", None)
        elif error.validator == "additionalProperties":
            for key in _extra_keys(error.message):
                yield Problem("undocumented_field", "body", where + key_segment(key),
                              f"{where + key_segment(key)} is not allowed by the spec "
                              "(additionalProperties: false)", None, "present", severity="breaking")
        else:
            yield Problem("type_mismatch", "body", where, f"{where}: {error.message[:200]}",
                          error.validator_value if error.validator == "type" else error.validator,
                          _json_type(error.instance))
    yield from _undocumented(spec, schema, value, ROOT)


def _rebase_refs(node: Any) -> Any:
    """Local ``#/...`` references -> ``urn:spec#/...`` (the body schema lives apart from the spec)."""
    if isinstance(node, list):
        return [_rebase_refs(item) for item in node]
    if isinstance(node, dict):
        return {k: ("urn:spec" + v if k == "$ref" and isinstance(v, str) and v.startswith("#") else _rebase_refs(v))
                for k, v in node.items()}
    return node


def _extra_keys(message: str) -> list[str]:
    # jsonschema: "Additional properties are not allowed ('a', 'b' were unexpected)"
    inside = message[message.find("(") + 1:message.rfind(" were unexpected") if " were" in message
                     else message.rfind(" was unexpected")]
    return [part.strip().strip("'") for part in inside.split(",") if part.strip()]


def _path(parts: Iterable[Any]) -> str:
    out = ROOT
    for part in parts:
        out += ITEM if isinstance(part, int) else key_segment(str(part))
    return out


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    for kind, name in ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"),
                       (list, "array"), (dict, "object")):
        if isinstance(value, kind):
            return name
    return type(value).__name__


def _properties(spec: Spec, schema: Any, value: Any, depth: int = 0) -> tuple[set[str], bool] | None:
    """(the property names a schema documents for ``value``, whether any key is open), or None."""
    schema = spec.resolve(schema)
    if not isinstance(schema, Mapping) or depth > 32:
        return None
    names: set[str] = set(schema.get("properties") or {})
    open_ = bool(schema.get("additionalProperties")) or bool(schema.get("patternProperties"))
    found = bool(names) or open_ or "additionalProperties" in schema
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in schema.get(key) or []:
            inner = _properties(spec, sub, value, depth + 1)
            if inner is not None:
                names |= inner[0]
                open_ = open_ or inner[1]
                found = True
    return (names, open_) if found else None


def _undocumented(spec: Spec, schema: Any, value: Any, where: str, depth: int = 0) -> Iterator[Problem]:
    """Keys the schema does not name (info): the spec lags behind the API."""
    schema = spec.resolve(schema)
    if depth > 64 or not isinstance(schema, Mapping):
        return
    if isinstance(value, dict):
        documented = _properties(spec, schema, value)
        if documented is None:
            return
        names, open_ = documented
        for key in value:
            if key not in names and not open_ and schema.get("additionalProperties") is not False:
                yield Problem("undocumented_field", "body", where + key_segment(str(key)),
                              f"{where + key_segment(str(key))} is not in the spec", None, _json_type(value[key]))
        for key, child in value.items():
            sub = _child_schema(spec, schema, str(key))
            if sub is not None:
                yield from _undocumented(spec, sub, child, where + key_segment(str(key)), depth + 1)
    elif isinstance(value, list):
        items = _items_schema(spec, schema)
        if items is not None:
            seen: set[str] = set()
            for element in value:
                for problem in _undocumented(spec, items, element, where + ITEM, depth + 1):
                    if problem.path not in seen:
                        seen.add(problem.path or "")
                        yield problem


def _child_schema(spec: Spec, schema: Mapping[str, Any], key: str) -> Any:
    props = schema.get("properties") or {}
    if key in props:
        return props[key]
    for combinator in ("allOf", "oneOf", "anyOf"):
        for sub in schema.get(combinator) or []:
            sub = spec.resolve(sub)
            if isinstance(sub, Mapping):
                found = _child_schema(spec, sub, key)
                if found is not None:
                    return found
    extra = schema.get("additionalProperties")
    return extra if isinstance(extra, Mapping) else None


def _items_schema(spec: Spec, schema: Mapping[str, Any]) -> Any:
    if "items" in schema:
        return schema["items"]
    for combinator in ("allOf", "oneOf", "anyOf"):
        for sub in schema.get(combinator) or []:
            sub = spec.resolve(sub)
            if isinstance(sub, Mapping) and "items" in sub:
                return sub["items"]
    return None


def findings_for(problems: Sequence[Problem], *, method: str, uri: str, cassette: str) -> list[Finding]:
    """Problems -> report findings with the drift engine's fingerprints, one per kind and path."""
    out: list[Finding] = []
    seen: set[tuple[str, str | None]] = set()
    for problem in problems:
        if (problem.kind, problem.path) in seen:
            continue
        seen.add((problem.kind, problem.path))
        out.append(Finding(
            fingerprint=fingerprint(method, uri, problem.kind, problem.path, cassette),
            severity=problem.severity or CONTRACT_KINDS[problem.kind], kind=problem.kind,
            location=problem.location, path=problem.path, recorded=problem.spec, live=problem.seen,
            message=problem.message,
        ))
    return out


def check_cassettes(spec: Spec, cassettes: Sequence[Cassette], config: Config,
                    skipped: Sequence[tuple[Path, str]] = ()) -> tuple[Report, set[tuple[str, str]]]:
    """A report of every recorded interaction against ``spec`` (``command: check``), and the
    (operation, status key) pairs the cassettes exercise (for coverage)."""
    started = now_iso()
    report = Report(started_at=started, finished_at=started, command="check")
    exercised: set[tuple[str, str]] = set()
    for cassette in sorted(cassettes, key=lambda c: str(c.path)):
        result = CassetteResult(path=display_path(cassette.path), status="ok")
        key = cassette_key(cassette.path, config.root)
        for index, interaction in enumerate(cassette.interactions):
            request, response = interaction.request, interaction.response
            problems, operation = check_response(spec, request.method, request.uri, response)
            if operation is not None:
                documented = next((k for k in (str(response.status), f"{str(response.status)[0]}XX",
                                               f"{str(response.status)[0]}xx", "default")
                                   if k in operation.responses), None)
                if documented is not None:
                    exercised.add((operation.name, documented))
            findings = findings_for(problems, method=request.method, uri=request.uri, cassette=key)
            result.interactions.append(InteractionResult(
                index=index, method=request.method, uri=request.uri, status=interaction_status(findings),
                recorded={"status": response.status, "content_type": response.content_type},
                findings=findings,
            ))
        result.status = cassette_status(result)
        report.cassettes.append(result)
    for path, reason in skipped:
        report.cassettes.append(CassetteResult(path=display_path(path), status="error", error=reason))
    report.finished_at = now_iso()
    return report, exercised
