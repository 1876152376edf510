"""Hypothesis strategies and helpers for JSON-shaped drift data (shared by the drift property tests)."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from cassettes_tool.drift.shape import is_id_like

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
JSON_CT = {"Content-Type": ["application/json"]}

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
keys = st.text(max_size=6)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4),
    max_leaves=25,
)
field_keys = st.text(min_size=1, max_size=6).filter(lambda k: not is_id_like(k))
objects = st.recursive(
    st.dictionaries(field_keys, scalars | st.lists(scalars, max_size=3), min_size=1, max_size=4),
    lambda children: st.dictionaries(field_keys, children | scalars | st.lists(children, max_size=2),
                                     min_size=1, max_size=4),
    max_leaves=20,
)


def revalue(value: Any, rnd: random.Random) -> Any:
    """The same structure with other values (same JSON types; integers may become floats)."""
    if isinstance(value, dict):
        return {key: revalue(item, rnd) for key, item in value.items()}
    if isinstance(value, list):
        items = [revalue(item, rnd) for item in value]
        rnd.shuffle(items)
        return items
    if isinstance(value, bool):
        return rnd.choice([True, False])
    if isinstance(value, int | float):
        return rnd.choice([rnd.randint(-10**9, 10**9), rnd.uniform(-1e6, 1e6)])
    if isinstance(value, str):
        return "".join(rnd.choice("abcxyz-0123 é") for _ in range(rnd.randint(0, 12)))
    return value
