"""deepdiff on two shapes, with settings that cannot hide a change.

Each shape is projected to a flat mapping ``{report path: descriptor}`` (``"$.items[*].price":
"number|null"``). Flat, because every key deepdiff reports is then already a report path (no
translation of ``root['a'][0]`` paths) and because deepdiff's own recursion never sees the
body's depth: a body nested a thousand levels deep is still two flat mappings.

Settings, and why:

* ``threshold_to_diff_deeper=0`` — deepdiff's default (0.33) collapses a mapping whose keys
  mostly changed into one ``values_changed`` of the whole root, hiding every field.
* ``verbose_level=2`` and ``view="tree"`` — nothing is dropped from the tree view.
* no ``max_diffs`` (it counts comparisons and returns ``{}`` for different inputs when hit),
  no ``exclude_paths`` (it also hides the *removal* of the excluded path); ``ignore`` paths are
  applied to the findings instead. ``get_stats()`` limit flags are checked anyway.
* ``ignore_order=False`` — shapes have no order; ``ignore_order`` would only add quadratic work.
* ``ignore_private_variables=False`` — its default skips dict keys that start with ``__``
  (our keys start with ``$``, but no key may ever be skipped).

Every report key of deepdiff is in :data:`REPORT_KEY_ACTIONS`; a key that is not, or one that
the flat projection cannot produce, raises :class:`DriftEngineError` instead of being ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from deepdiff import DeepDiff

from cassettes_tool.drift.shape import Shape
from cassettes_tool.errors import DriftEngineError

ADDED, REMOVED, CHANGED, IMPOSSIBLE = "added", "removed", "changed", "impossible"

# Every key of deepdiff.model.REPORT_KEYS (9.x). A test fails when deepdiff grows a new one.
REPORT_KEY_ACTIONS: dict[str, str] = {
    "dictionary_item_added": ADDED,  # -> field_added (or empty-then-full: not drift)
    "dictionary_item_removed": REMOVED,  # -> field_removed (or array now empty: not drift)
    "values_changed": CHANGED,  # descriptor changed -> type_changed / nullability_changed
    "type_changes": CHANGED,  # same meaning, should a descriptor ever not be a str
    # The projection is a flat dict of str: no iterables, sets, objects or repetitions.
    "iterable_item_added": IMPOSSIBLE,
    "iterable_item_removed": IMPOSSIBLE,
    "iterable_item_moved": IMPOSSIBLE,
    "set_item_added": IMPOSSIBLE,
    "set_item_removed": IMPOSSIBLE,
    "attribute_added": IMPOSSIBLE,
    "attribute_removed": IMPOSSIBLE,
    "repetition_change": IMPOSSIBLE,
    "unprocessed": IMPOSSIBLE,
}

DEEPDIFF_SETTINGS: dict[str, Any] = {
    "threshold_to_diff_deeper": 0,
    "ignore_order": False,
    "verbose_level": 2,
    "view": "tree",
    "cache_size": 0,
    "ignore_private_variables": False,  # its default skips keys starting with "__"
}


@dataclass
class ShapeDelta:
    """Paths only in the recorded shape, only in the live one, and in both with other types."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


def project(shape: Shape) -> dict[str, str]:
    """The flat mapping deepdiff compares: ``{path: descriptor}``."""
    return {path: info.descriptor for path, info in shape.items()}


def diff_shapes(recorded: Shape, live: Shape) -> ShapeDelta:
    """Which paths were added, removed or changed between two shapes (via deepdiff)."""
    old, new = project(recorded), project(live)
    delta = ShapeDelta()
    if old == new:  # the common case, and deepdiff would say the same
        return delta
    tree = DeepDiff(old, new, **DEEPDIFF_SETTINGS)
    stats = tree.get_stats()  # type: ignore[no-untyped-call]
    if stats.get("MAX PASS LIMIT REACHED") or stats.get("MAX DIFF LIMIT REACHED"):
        raise DriftEngineError("deepdiff stopped at a limit; the comparison is incomplete")
    for key in list(tree):
        target = {ADDED: delta.added, REMOVED: delta.removed, CHANGED: delta.changed}[action_for(key)]
        for level in tree[key]:
            target.append(_path_of(level))
    if not delta:
        raise DriftEngineError("the shapes differ but deepdiff reported nothing")
    return delta


def action_for(report_key: str) -> str:
    """``added``, ``removed`` or ``changed`` for a deepdiff report key; anything else is an error."""
    action = REPORT_KEY_ACTIONS.get(report_key)
    if action is None:
        raise DriftEngineError(f"deepdiff reported {report_key!r}, which the drift engine does not map")
    if action == IMPOSSIBLE:
        raise DriftEngineError(f"deepdiff reported {report_key!r}, impossible for flat shape projections")
    return action


def _path_of(level: Any) -> str:
    parts = level.path(output_format="list")
    if len(parts) != 1 or not isinstance(parts[0], str):
        raise DriftEngineError(f"deepdiff path {level.path()!r} is not a key of the flat shape")
    return parts[0]
