"""The shape of a JSON body: every path with its JSON types, nullability and presence.

Values never matter, only structure. Scalars become their JSON type (``string``, ``number`` —
``integer`` too when ``strict_numbers`` —, ``boolean``, never a number, and ``null`` as a flag);
objects contribute one path per key; arrays contribute one ``[*]`` path, the merged shape of all
their elements, so a key found in only some elements is *optional* (``always`` is False).

Any number of values merge into one shape (:func:`shape_of`): the elements of an array, the
lines of NDJSON, and the live samples of ``refresh.samples``. The walk is column-wise and
iterative: every value at one path is handled together (``set(map(type, column))`` runs in C),
and no recursion means no depth limit.

Objects used as maps — every key looks like an id, a UUID, a hash or a date — collapse to one
member path ``.*`` (like an array), so new or vanished ids are not reported as fields.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter
from typing import Any

from cassettes_tool.drift.paths import ITEM, MEMBER, ROOT, key_segment

OBJECT = "object"
ARRAY = "array"
NULL = "null"

_NUMERIC_NAMES = {int: "number", float: "number"}
_STRICT_NAMES = {int: "integer", float: "number"}
_BASE_NAMES: dict[type, str] = {str: "string", bool: "boolean", dict: OBJECT, list: ARRAY}

_ID_LIKE = re.compile(
    r"""(?x)
    -?\d+                                                    # 123, -1
    | [0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}  # UUID
    | \d{4}-\d{2}(-\d{2})?([T\ ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?  # date / time
    | (?=[0-9a-fA-F]*\d)[0-9a-fA-F]{12,}                     # hashes, ObjectIds
    | [A-Za-z]{1,8}_(?=[A-Za-z0-9]*\d)[A-Za-z0-9]{10,}       # prefixed ids: cus_9s8D7f6g5h
    \Z"""
)


def is_id_like(key: str) -> bool:
    """Keys that name records rather than fields: numbers, UUIDs, long hex, dates, prefixed ids."""
    return bool(_ID_LIKE.match(key))


@dataclass(frozen=True, slots=True)
class PathInfo:
    """What is known about one path of a shape."""

    path: str
    parent: str | None  # None for the root
    segment: str  # "root" | "key" | "item" | "member"
    types: frozenset[str]  # JSON types seen, without null
    nullable: bool  # null was seen here
    always: bool  # present in every object holding it (True for root, items and members)

    @property
    def descriptor(self) -> str:
        """``"integer|string"``, ``"string|null"``, ``"null"``: what deepdiff compares."""
        names = sorted(self.types)
        if self.nullable:
            names.append(NULL)
        return "|".join(names)

    @property
    def type_name(self) -> str:
        """The types for a message, e.g. ``string`` or ``integer|string`` (``null`` when only null)."""
        return "|".join(sorted(self.types)) if self.types else NULL


Shape = dict[str, PathInfo]


def shape_of(values: Sequence[Any], *, strict_numbers: bool = False) -> Shape:
    """The merged shape of ``values``, all taken as samples of the root ``$``."""
    names = _BASE_NAMES | (_STRICT_NAMES if strict_numbers else _NUMERIC_NAMES)
    shape: Shape = {}
    # (path, parent, segment kind, values at that path, present in every parent object)
    stack: list[tuple[str, str | None, str, list[Any], bool]] = [(ROOT, None, "root", list(values), True)]
    while stack:
        path, parent, segment, column, always = stack.pop()
        kinds = set(map(type, column))
        types: set[str] = set()
        nullable = False
        for kind in kinds:
            if kind is type(None):
                nullable = True
            else:
                types.add(names.get(kind) or kind.__name__)
        shape[path] = PathInfo(path, parent, segment, frozenset(types), nullable, always)
        if dict in kinds:
            dicts = column if len(kinds) == 1 else [v for v in column if type(v) is dict]
            stack.extend(_object_children(path, dicts))
        if list in kinds:
            lists = column if len(kinds) == 1 else [v for v in column if type(v) is list]
            elements = list(chain.from_iterable(lists))
            if elements:  # an empty array has no element shape: "unknown", never "removed"
                stack.append((path + ITEM, path, "item", elements, True))
    return shape


def _object_children(
    path: str, dicts: list[dict[str, Any]]
) -> Iterable[tuple[str, str | None, str, list[Any], bool]]:
    first = dicts[0].keys()
    if all(map(first.__eq__, map(dict.keys, dicts))):  # the common case, decided in C: same keys everywhere
        counts: dict[str, int] = dict.fromkeys(first, len(dicts))
    else:
        counts = Counter(chain.from_iterable(dicts))
    if not counts:
        return []
    if all(is_id_like(key) for key in counts):
        members = list(chain.from_iterable(d.values() for d in dicts))
        return [(path + MEMBER, path, "member", members, True)]
    total = len(dicts)
    entries = sum(counts.values())
    if len(counts) * total > 4 * entries:
        # Sparse keys (every object has different ones): one pass instead of one per key.
        columns: dict[str, list[Any]] = {key: [] for key in counts}
        for d in dicts:
            for key, value in d.items():
                columns[key].append(value)
        return [(path + key_segment(key), path, "key", columns[key], counts[key] == total) for key in counts]
    return [
        (
            path + key_segment(key), path, "key",
            list(map(itemgetter(key), dicts)) if counts[key] == total else [d[key] for d in dicts if key in d],
            counts[key] == total,
        )
        for key in counts
    ]
