"""A given OpenAPI document (3.0 or 3.1), read once: operations by method and path template.

Parsed with PyYAML (JSON is YAML) through the project's safe loader; ``$ref`` s resolve with
``referencing`` (the library behind ``jsonschema``), so local references anywhere in the document
work. OpenAPI 3.0's ``nullable: true`` reads as a type array, the 3.1 spelling, before validation.
Any problem with the file is one line naming it (:class:`~cassettes_tool.errors.UsageError`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cassettes_tool.core.yamlio import load_yaml
from cassettes_tool.errors import UsageError

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_PARAM = re.compile(r"\{[^/{}]+\}")


def require_jsonschema() -> None:
    """One line naming the extra when ``jsonschema`` is not installed."""
    try:
        import jsonschema  # noqa: F401
        import referencing  # noqa: F401
    except ImportError:
        raise UsageError("checking against a spec needs jsonschema: pip install 'cassettes[openapi]'") from None


@dataclass(frozen=True)
class Operation:
    """One method of one path of the spec."""

    method: str  # lower case
    path: str  # the spec's template, e.g. /users/{id}
    responses: Mapping[str, Any]  # status code or "default" or "2XX" -> response object (refs resolved)

    @property
    def name(self) -> str:
        return f"{self.method.upper()} {self.path}"

    def response_for(self, status: int) -> Mapping[str, Any] | None:
        """The documented response for ``status``: exact code, then ``2XX``, then ``default``."""
        for key in (str(status), f"{str(status)[0]}XX", f"{str(status)[0]}xx", "default"):
            found = self.responses.get(key)
            if isinstance(found, Mapping):
                return found
        return None


@dataclass
class Spec:
    """The operations of a spec, matched against recorded URLs."""

    source: Path
    document: dict[str, Any]
    operations: list[Operation] = field(default_factory=list)
    base_paths: tuple[str, ...] = ("",)
    _patterns: list[tuple[re.Pattern[str], str]] = field(default_factory=list)

    def match(self, method: str, uri: str) -> tuple[Operation | None, bool]:
        """(the operation, whether the path is documented at all) for a recorded request."""
        path = urlsplit(uri).path or "/"
        found_path = False
        for base in self.base_paths:
            if base and not path.startswith(base):
                continue
            rest = path[len(base):] or "/"
            for pattern, template in self._patterns:
                if pattern.fullmatch(rest):
                    found_path = True
                    for op in self.operations:
                        if op.path == template and op.method == method.lower():
                            return op, True
        return None, found_path

    def resolve(self, node: Any) -> Any:
        """Follow ``$ref`` s at the top of ``node`` (local references)."""
        seen = 0
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and seen < 64:
            node = self.pointer(node["$ref"])
            seen += 1
        return node

    def pointer(self, ref: str) -> Any:
        if not ref.startswith("#"):
            raise UsageError(f"{self.source}: only local $refs are supported, found {ref!r} "
                             "(bundle the spec into one file first)")
        node: Any = self.document
        for part in ref[1:].lstrip("/").split("/") if ref != "#" else []:
            part = part.replace("~1", "/").replace("~0", "~")
            try:
                node = node[int(part)] if isinstance(node, list) else node[part]
            except (KeyError, IndexError, ValueError, TypeError):
                raise UsageError(f"{self.source}: $ref {ref!r} points at nothing") from None
        return node


def load_spec(path: Path) -> Spec:
    """Read and index an OpenAPI document; one-line errors naming the file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the spec: {exc.strerror or exc}") from None
    try:
        document = load_yaml(data)
    except Exception as exc:  # yaml errors, depth, aliases: one line whatever the parser says
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UsageError(f"{path}: not a YAML or JSON document ({first})") from None
    if not isinstance(document, dict) or not str(document.get("openapi", "")).startswith("3."):
        raise UsageError(f"{path}: not an OpenAPI 3.x document (no 'openapi: 3.x' at the top)")
    if not isinstance(document.get("paths"), dict):
        raise UsageError(f"{path}: the spec has no 'paths' object")
    if str(document["openapi"]).startswith("3.0"):
        document = nullable_to_type_arrays(document)
    spec = Spec(source=path, document=document)
    bases = sorted({urlsplit(str(s.get("url", ""))).path.rstrip("/")
                    for s in document.get("servers") or [] if isinstance(s, Mapping)}, key=len, reverse=True)
    spec.base_paths = tuple(bases) if bases else ("",)
    if "" not in spec.base_paths:
        spec.base_paths = (*spec.base_paths, "")
    for template in sorted(document["paths"]):
        item = spec.resolve(document["paths"][template])
        if not isinstance(item, Mapping):
            raise UsageError(f"{path}: paths[{template!r}] is not an object")
        regex = "".join("[^/]+" if _PARAM.fullmatch(part) else re.escape(part)
                        for part in re.split(r"(\{[^/{}]+\})", template))
        spec._patterns.append((re.compile(regex), template))
        for method in METHODS:
            operation = spec.resolve(item.get(method))
            if not isinstance(operation, Mapping):
                continue
            responses = spec.resolve(operation.get("responses")) or {}
            spec.operations.append(Operation(method, template, {
                str(code): spec.resolve(response) for code, response in responses.items()}))
    # literal paths win over templated ones (/users/me before /users/{id})
    spec._patterns.sort(key=lambda pt: (pt[1].count("{"), pt[1]))
    return spec


def nullable_to_type_arrays(node: Any) -> Any:
    """OpenAPI 3.0 ``nullable: true`` -> a 3.1 type array (``type: [string, 'null']``) everywhere."""
    if isinstance(node, list):
        return [nullable_to_type_arrays(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: nullable_to_type_arrays(value) for key, value in node.items()}
    if out.pop("nullable", False) is True:
        kind = out.get("type")
        if isinstance(kind, str):
            out["type"] = [kind, "null"]
        elif isinstance(kind, list) and "null" not in kind:
            out["type"] = [*kind, "null"]
        elif kind is None:
            out = {"anyOf": [out, {"type": "null"}]}
    return out
