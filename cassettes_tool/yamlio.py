"""Safe YAML reading and vcrpy-compatible YAML writing.

Loading never constructs a Python object from a tag. The few ``!!python/*`` tags that real vcrpy
cassettes contain (``str``, ``unicode``, ``tuple``, the pre-1.0 ``Request`` object and header
``frozenset``, ``BytesIO`` bodies) are read as *plain data*: mappings, lists and strings. Any
other ``!!python/...`` tag raises :class:`UnsafeTagError`.
"""

from __future__ import annotations

from typing import Any

import yaml

try:  # libyaml is several times faster; vcrpy uses it too when present.
    from yaml import CSafeDumper as _Dumper
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeDumper as _Dumper  # type: ignore[assignment]
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

# Tags that old vcrpy wrote for plain data; read as data, never as objects.
_DATA_TAGS = {
    "tag:yaml.org,2002:python/str",
    "tag:yaml.org,2002:python/unicode",
    "tag:yaml.org,2002:python/tuple",
    "tag:yaml.org,2002:python/bytes",
    "tag:yaml.org,2002:python/object:vcr.request.Request",
    "tag:yaml.org,2002:python/object/apply:__builtin__.frozenset",
    "tag:yaml.org,2002:python/object/apply:builtins.frozenset",
    "tag:yaml.org,2002:python/object/new:_io.BytesIO",
    "tag:yaml.org,2002:python/object/apply:builtins.iter",
}


class UnsafeTagError(yaml.YAMLError):
    """A YAML tag that would construct an arbitrary Python object."""

    def __init__(self, tag: str, line: int) -> None:
        super().__init__(f"unsafe YAML tag {tag!r} at line {line}")
        self.tag = tag
        self.line = line


class CassetteLoader(_Loader):
    """CSafeLoader that reads vcrpy's legacy Python tags as plain data."""


def _as_data(loader: CassetteLoader, tag_suffix: str, node: yaml.Node) -> Any:
    tag = "tag:yaml.org,2002:python/" + tag_suffix
    if tag not in _DATA_TAGS:
        raise UnsafeTagError(tag.replace("tag:yaml.org,2002:", "!!"), node.start_mark.line + 1)
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if tag.endswith("python/bytes"):
            return str(value).encode("utf-8")
        return value
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    mapping = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if tag.endswith(("BytesIO", "builtins.iter")) or "frozenset" in tag:
        # {state: [content]} / {args: [[...]]}: keep only the data.
        for key in ("state", "args", "listitems"):
            inner = mapping.get(key)
            if isinstance(inner, list | tuple) and inner:
                return inner[0]
        return None
    return mapping


CassetteLoader.add_multi_constructor("tag:yaml.org,2002:python/", _as_data)


def _unknown_tag(loader: CassetteLoader, tag_suffix: str, node: yaml.Node) -> Any:
    raise UnsafeTagError(f"!{tag_suffix}", node.start_mark.line + 1)


CassetteLoader.add_multi_constructor("!", _unknown_tag)


# libyaml's composer recurses in C without a depth check: about 25,000 nested levels overflow an
# 8 MB stack and kill the process (SIGSEGV, no exception; 100 KB of "- - - ..." is enough), and
# its memory grows with the square of the depth (30,000 levels: ~1 GB). So depth is bounded.
MAX_DEPTH = 10_000  # far deeper than any real cassette
_OPENERS = (b"[", b"{", b"- ", b"? ")
_NOT_OPENER_BYTES = bytes(b for b in range(256) if b not in b"[{-?")


def load_yaml(text: str | bytes) -> Any:
    """Parse YAML safely (see module docstring).

    Raises :class:`RecursionError` for documents nested deeper than :data:`MAX_DEPTH`.
    """
    if _too_deep(text):
        raise RecursionError(f"YAML nested deeper than {MAX_DEPTH} levels")
    return yaml.load(text, Loader=CassetteLoader)


def _too_deep(text: str | bytes) -> bool:
    data = text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text
    # Depth cannot exceed the count of block and flow openers. One C-speed pass first (single
    # "[", "{", "-", "?" bytes bound them from above), then the exact pairs; only documents with
    # more than MAX_DEPTH openers (e.g. many JSON bodies full of braces) pay for a walk of
    # libyaml's non-recursive event stream.
    if len(data.translate(None, _NOT_OPENER_BYTES)) <= MAX_DEPTH:
        return False
    if sum(data.count(opener) for opener in _OPENERS) <= MAX_DEPTH:
        return False
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
            depth -= 1
    return False


def dump_yaml(data: Any) -> str:
    """Serialise like vcrpy's YAML serializer (``yaml.dump`` defaults: block style, sorted keys)."""
    return yaml.dump(data, Dumper=_Dumper)


def yaml_error_line(error: yaml.YAMLError) -> int | None:
    """The 1-based line of a YAML error, when the parser knows it."""
    if isinstance(error, UnsafeTagError):
        return error.line
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    return mark.line + 1 if mark is not None else None
