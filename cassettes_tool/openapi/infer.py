"""JSON Schemas inferred from recorded JSON values.

Every value seen at one place merges into one :class:`SchemaBuilder`: the types seen, whether
null was seen, for objects each key and in how many of the objects it was present (present in
all: ``required``), for arrays the merged schema of every element. Objects whose keys are ids
(:func:`~cassettes_tool.drift.shape.is_id_like`) are maps: one ``additionalProperties`` schema.
Integers and floats at one place read ``number``. Output is deterministic (keys sorted).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cassettes_tool.drift.shape import is_id_like

_SCALARS = ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"))


@dataclass
class SchemaBuilder:
    """Everything seen at one place of a JSON document, across samples."""

    types: set[str] = field(default_factory=set)
    nullable: bool = False
    objects: int = 0
    keys: dict[str, int] = field(default_factory=dict)
    properties: dict[str, SchemaBuilder] = field(default_factory=dict)
    items: SchemaBuilder | None = None

    def add(self, value: Any) -> None:
        """Merge one value (iterative: no recursion limit on deep documents)."""
        work: list[tuple[SchemaBuilder, Any]] = [(self, value)]
        while work:
            builder, current = work.pop()
            if current is None:
                builder.nullable = True
            elif isinstance(current, dict):
                builder.types.add("object")
                builder.objects += 1
                for key, child in current.items():
                    key = str(key)
                    builder.keys[key] = builder.keys.get(key, 0) + 1
                    sub = builder.properties.get(key)
                    if sub is None:
                        sub = builder.properties[key] = SchemaBuilder()
                    work.append((sub, child))
            elif isinstance(current, list):
                builder.types.add("array")
                if builder.items is None:
                    builder.items = SchemaBuilder()
                work.extend((builder.items, item) for item in current)
            else:
                builder.types.add(next((name for kind, name in _SCALARS if isinstance(current, kind)), "string"))

    def schema(self) -> dict[str, Any]:
        """The JSON Schema (2020-12, as OpenAPI 3.1 uses it) of everything seen here."""
        types = set(self.types)
        if {"integer", "number"} <= types:
            types.discard("integer")
        variants = [self._variant(name) for name in sorted(types)]
        if not variants:
            return {"type": "null"} if self.nullable else {}
        if all(set(v) == {"type"} for v in variants):  # scalars only: one type array
            names: list[str] = [v["type"] for v in variants]
            if self.nullable:
                names.append("null")
            return {"type": names[0] if len(names) == 1 else names}
        if len(variants) == 1 and not self.nullable:
            return variants[0]
        if len(variants) == 1:
            only = dict(variants[0])
            only["type"] = [only["type"], "null"]
            return only
        if self.nullable:
            variants.append({"type": "null"})
        return {"oneOf": variants}

    def _variant(self, name: str) -> dict[str, Any]:
        if name == "array":
            return {"type": "array", "items": self.items.schema() if self.items is not None else {}}
        if name != "object":
            return {"type": name}
        if self.properties and all(is_id_like(key) for key in self.properties):
            merged = SchemaBuilder()
            for sub in self.properties.values():
                merged.merge(sub)
            return {"type": "object", "additionalProperties": merged.schema()}
        out: dict[str, Any] = {"type": "object"}
        if self.properties:
            out["properties"] = {key: self.properties[key].schema() for key in sorted(self.properties)}
            required = sorted(key for key, count in self.keys.items() if count == self.objects)
            if required:
                out["required"] = required
        return out

    def merge(self, other: SchemaBuilder) -> None:
        """Fold another builder into this one (the members of a map)."""
        self.types |= other.types
        self.nullable = self.nullable or other.nullable
        self.objects += other.objects
        for key, count in other.keys.items():
            self.keys[key] = self.keys.get(key, 0) + count
        for key, sub in other.properties.items():
            mine = self.properties.get(key)
            if mine is None:
                mine = self.properties[key] = SchemaBuilder()
            mine.merge(sub)
        if other.items is not None:
            if self.items is None:
                self.items = SchemaBuilder()
            self.items.merge(other.items)


def infer_schema(values: list[Any]) -> dict[str, Any]:
    """The merged schema of ``values`` (each one sample of the same place)."""
    builder = SchemaBuilder()
    for value in values:
        builder.add(value)
    return builder.schema()
