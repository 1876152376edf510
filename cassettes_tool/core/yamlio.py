"""Safe YAML reading and vcrpy-compatible YAML writing.

Loading never constructs a Python object from a tag. The few ``!!python/*`` tags that real vcrpy
cassettes contain (``str``, ``unicode``, ``tuple``, the pre-1.0 ``Request`` object and header
``frozenset``, ``BytesIO`` bodies) are read as *plain data*: mappings, lists and strings. Any
other ``!!python/...`` tag raises :class:`UnsafeTagError`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import yaml

from cassettes_tool.core.yamlbuild import MAX_DEPTH, build
from cassettes_tool.errors import AliasError, DeepDocumentError, UnsafeTagError

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


# libyaml's composer recurses in C without a depth check: about 22,000 nested levels overflow an
# 8 MB stack and kill the process (SIGSEGV, no exception; 100 KB of "- - - ..." is enough).
# Construction is safe at any depth (:mod:`yamlbuild` loops instead of recursing).
SAFE_OPENERS = 10_000  # fewer "[", "{", "-", "?" bytes than this: too shallow to matter
# ... except block mappings, which nest by indentation alone ("a:\n b:\n  c: ..."): n levels
# take n*n/2 bytes, so a file under this size cannot nest them SAFE_OPENERS deep.
SAFE_SIZE = SAFE_OPENERS * SAFE_OPENERS // 2
BIG_STACK = 512 * 1024 * 1024  # virtual; only the pages touched cost memory (~400 bytes a level)
# libyaml's parser is also quadratic in depth for flow style (block style is not): with PyYAML
# 6.0.1-6.0.3 a 50,000-level "[[[..." takes 12-15 s to compose, 20,000 levels of "{a: " 4 s
# (6.0.4's libyaml stops at its own limit at once). So a document with over SAFE_OPENERS flow
# openers, or over MAX_OPENERS_IN_BIG_STACK openers of any kind, has its depth measured first by
# a walk of the event stream that stops at MAX_DEPTH (0.3-0.6 s with 6.0.1). A shallow document
# pays the walk too: 16 ms on the one corpus cassette over the line (1.4 MB, 11,112 braces and
# brackets, loaded in 27 ms). A 1,000-interaction cassette of JSON bodies has 3,000 and skips it.
MAX_OPENERS_IN_BIG_STACK = 50_000
_OPENERS = (b"[", b"{", b"- ", b"? ")
_NOT_OPENER_BYTES = bytes(b for b in range(256) if b not in b"[{-?")
_stack_size_lock = threading.Lock()
# Aliases share one object, so loading is cheap, but everything that walks the data (header
# normalisation, JSON bodies, shapes) expands it: the expanded node count is bounded.
MAX_EXPANSION_FACTOR = 100  # expanded YAML values per byte of file, beyond a fixed allowance
EXPANSION_ALLOWANCE = 1_000_000


def load_yaml(text: str | bytes) -> Any:
    """Parse YAML safely (see module docstring).

    Raises :class:`RecursionError` for documents nested deeper than :data:`MAX_DEPTH` and
    :class:`AliasError` for aliases that expand to recursive or huge data.
    """
    loader = CassetteLoader(text)
    data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogateescape")
    try:
        openers = _openers(data)
        if openers <= SAFE_OPENERS and len(text) <= SAFE_SIZE:
            node = loader.get_single_node()
        else:
            if _worth_walking(data, openers) and _depth_exceeds(text, MAX_DEPTH):
                raise DeepDocumentError(MAX_DEPTH)
            # Possibly deep (or, as in real cassettes that get here, JSON bodies full of braces):
            # compose on a thread whose stack fits any depth allowed so far.
            node = _on_big_stack(loader.get_single_node)
        if node is None:
            return None
        document, shared = build(loader, node)
    finally:
        loader.dispose()
    if shared:
        _check_expansion(document, EXPANSION_ALLOWANCE + MAX_EXPANSION_FACTOR * len(text))
    return document


def _openers(data: bytes) -> int:
    """An upper bound of the nesting depth: the count of "[", "{", "-" and "?" bytes (one C pass)."""
    return len(data.translate(None, _NOT_OPENER_BYTES))


def _worth_walking(data: bytes, openers: int) -> bool:
    """Whether the depth walk must come before composing (see :data:`MAX_OPENERS_IN_BIG_STACK`)."""
    if data.count(b"[") + data.count(b"{") > SAFE_OPENERS:
        return True  # flow style: composing is quadratic in depth with PyYAML < 6.0.4
    # "-" and "?" count only before a space: a "-" in a date or an id opens nothing.
    return openers > MAX_OPENERS_IN_BIG_STACK and sum(map(data.count, _OPENERS)) > MAX_OPENERS_IN_BIG_STACK


def _check_expansion(document: Any, limit: int) -> None:
    """Raise :class:`AliasError` if ``document`` is recursive or expands to over ``limit`` values."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def expanded(node: Any) -> int:
        if not isinstance(node, dict | list):
            return 1
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise AliasError("a YAML alias refers to itself (recursive data)")
        active.add(key)
        total = 1
        for child in node.values() if isinstance(node, dict) else node:
            total += expanded(child)
            if total > limit:
                raise AliasError(f"YAML aliases expand to more than {limit} values (an alias bomb?)")
        active.discard(key)
        sizes[key] = total
        return total

    expanded(document)


def _depth_exceeds(text: str | bytes, limit: int) -> bool:
    """Walk libyaml's (non-recursive) event stream, tracking the nesting depth."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            depth += 1
            if depth > limit:
                return True
        elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
            depth -= 1
    return False


def _on_big_stack(work: Callable[[], Any]) -> Any:
    """Run ``work`` on a thread with a :data:`BIG_STACK` stack; return or raise its outcome."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:  # re-raised in the caller's thread below
            outcome["error"] = exc

    with _stack_size_lock:  # stack_size() is process-wide: set it around this one thread only
        previous = threading.stack_size(BIG_STACK)
        try:
            thread = threading.Thread(target=run, name="cassettes-yaml", daemon=True)
            thread.start()
        finally:
            threading.stack_size(previous)
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def dump_yaml(data: Any) -> str:
    """Serialise like vcrpy's YAML serializer (``yaml.dump`` defaults: block style, sorted keys)."""
    return yaml.dump(data, Dumper=_Dumper)


def yaml_error_line(error: yaml.YAMLError) -> int | None:
    """The 1-based line of a YAML error, when the parser knows it."""
    if isinstance(error, UnsafeTagError):
        return error.line
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    return mark.line + 1 if mark is not None else None
