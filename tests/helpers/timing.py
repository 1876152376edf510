"""Bounds on how long a block may run, for the fuzz and fault tests, derived from the same run."""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Callable, Iterator


class Hang(BaseException):
    """Raised by :func:`time_limit` (a BaseException: code under test cannot swallow it)."""


@contextlib.contextmanager
def time_limit(seconds: float, what: str) -> Iterator[None]:
    """Raise :class:`Hang` ("``what`` after N s") if the block runs longer than ``seconds``."""

    def fire(signum: int, frame: object) -> None:
        raise Hang(f"{what} after {seconds}s")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def measure(block: Callable[[], object]) -> float:
    """Seconds ``block`` took on the wall clock: the same-run baseline that bounds are derived from.

    A bound that is a fixed number of seconds fails on a loaded machine; a bound that is a
    multiple of how long comparable work took a moment ago in the same run scales with the load.
    """
    start = time.perf_counter()
    block()
    return time.perf_counter() - start


def bound(baseline: float, factor: float, floor: float) -> float:
    """``factor`` times a measured ``baseline``, and never under ``floor`` seconds."""
    return max(floor, factor * baseline)
