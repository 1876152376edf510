"""A bound on how long a block may run, for the fuzz and fault tests."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator


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
