"""Build Python data from a composed YAML node graph: iteratively, and fast for plain data.

PyYAML's ``SafeConstructor`` spends about a microsecond of Python per node (generic dispatch,
generators for every mapping and sequence, a recursion-tracking dict). A cassette is almost only
plain mappings, sequences and strings, so :func:`build` makes those itself in a loop and hands
every other node (ints, booleans, nulls, timestamps, legacy ``!!python/*`` data tags, merge keys,
unknown tags) to the loader's own ``construct_object``, so their meaning and their errors stay
exactly PyYAML's.

The loop uses an explicit stack, never recursion: a document as deep as libyaml could compose is
built without a ``RecursionError``, and :data:`MAX_DEPTH` is enforced on the way. It also reports
whether any container is shared (a YAML alias to a mapping or sequence, or a container built by
the loader, whose aliases this loop cannot see): only then can the data expand beyond the size of
the file, so only then does an alias-bomb check need to walk it.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from cassettes_tool.errors import DeepDocumentError

MAX_DEPTH = 10_000  # deeper documents are refused; no real cassette comes close

_STR = "tag:yaml.org,2002:str"
_VALUE = "tag:yaml.org,2002:value"  # the "=" key; PyYAML reads it as a plain string key
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"


def build(loader: yaml.constructor.BaseConstructor, root: Node) -> tuple[Any, bool]:
    """The data of ``root``, and whether any container in it may be shared (see module docstring)."""
    built: dict[int, Any] = {}  # id(node) -> its container; the node graph keeps the ids alive
    pending: list[tuple[Node, Any, int]] = []  # containers made but not filled yet, with depth
    shared = False

    def value(node: Node, depth: int) -> Any:
        nonlocal shared
        cls, tag = type(node), node.tag
        if cls is ScalarNode and tag == _STR:
            return node.value
        done = built.get(id(node), built)
        if done is not built:
            shared = True  # a second reference to one container: an alias
            return done
        if depth > MAX_DEPTH:
            raise DeepDocumentError(MAX_DEPTH)
        container: Any
        if cls is MappingNode and tag == _MAP and not any(k.tag == _MERGE for k, _ in node.value):
            container = {}
        elif cls is SequenceNode and tag == _SEQ:
            container = []
        else:
            if cls is not ScalarNode:
                shared = True
            return loader.construct_object(node, deep=True)
        built[id(node)] = container
        pending.append((node, container, depth))
        return container

    document = value(root, 1)
    while pending:
        node, container, depth = pending.pop()
        below = depth + 1
        if type(container) is list:
            container.extend([value(child, below) for child in node.value])
            continue
        for key_node, value_node in node.value:
            if type(key_node) is ScalarNode and key_node.tag in (_STR, _VALUE):
                key = key_node.value
            else:
                key = value(key_node, below)
                try:
                    hash(key)
                except TypeError:
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping", node.start_mark, "found unhashable key", key_node.start_mark
                    ) from None
            container[key] = value(value_node, below)
    return document, shared
