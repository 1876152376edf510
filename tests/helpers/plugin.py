"""A nested pytest project for the plugin tests (pytester) talking to the loopback server."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.helpers.server import LoopbackServer

PYPROJECT = '[tool.cassettes]\ncassette_dir = "tests/cassettes"\n'


@pytest.fixture
def inner(pytester: pytest.Pytester, loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch,
          tmp_path_factory: pytest.TempPathFactory) -> pytest.Pytester:
    """A nested project: pyproject with [tool.cassettes], the server's URL in $API."""
    loopback_server.route("GET", "/users/1", json={"id": 1, "name": "Ada"})
    loopback_server.route("GET", "/users/2", json={"id": 2, "name": "Grace"})
    monkeypatch.setenv("API", loopback_server.base_url)
    # cassetter registers --record-mode like pytest-recording; this repository disables it too.
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:cassetter")
    monkeypatch.setenv("CASSETTES_CACHE_DIR", str(tmp_path_factory.mktemp("parse-cache")))
    monkeypatch.delenv("CASSETTES_CONFIG", raising=False)
    pytester.makefile(".toml", pyproject=PYPROJECT)
    pytester.mkdir("tests")
    return pytester


def write_test(pytester: pytest.Pytester, body: str, name: str = "test_users") -> Path:
    header = "import os\nimport pytest\nimport requests\nAPI = os.environ['API']\n\n"
    path = pytester.path / "tests" / f"{name}.py"
    path.write_text(header + textwrap.dedent(body))
    return path
