"""Pause Python's cyclic garbage collector while a large document is parsed and walked.

Parsing an 800 KB JSON body creates some 100,000 containers; each batch of them triggers a
collection that traverses everything allocated so far, although parsed JSON holds no reference
cycle for the collector to find. Pausing it cuts about a fifth of the time of a comparison of two
such bodies (``benchmarks/drift.py``). Reference counting still frees everything at once.

The pause is process-wide (``gc.disable``), so it is counted: refresh's worker threads may pause
at the same time, and the collector comes back when the last of them is done, and only if it was
enabled before the first.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection inside the block (reference counting goes on)."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
