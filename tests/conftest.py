"""Shared fixtures: a real HTTP server on 127.0.0.1 and nested pytest runs.

The helpers themselves live in ``tests/helpers/`` (see its ``__init__``); test modules import
from there, never from each other.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers.server import LoopbackServer

# Fixtures shared by several modules: ``inner`` (a nested plugin project) and ``project`` (a
# recording project; modules with their own ``project`` fixture override it).
pytest_plugins = ["pytester", "tests.helpers.plugin", "tests.helpers.recording"]


@pytest.fixture
def loopback_server() -> Iterator[LoopbackServer]:
    """A fresh :class:`LoopbackServer` on 127.0.0.1, stopped after the test."""
    server = LoopbackServer().start()
    try:
        yield server
    finally:
        server.stop()
