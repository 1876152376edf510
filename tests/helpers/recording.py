"""A project folder for recording tests that run outside any plugin session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cassettes_tool.recording import session as recording_session


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A project folder with ``[tool.cassettes]``, as the working directory, outside any plugin session."""
    (tmp_path / "pyproject.toml").write_text('[tool.cassettes]\ncassette_dir = "cassettes"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CASSETTES_CACHE_DIR", str(tmp_path / "parse-cache"))
    monkeypatch.delenv("CASSETTES_CONFIG", raising=False)
    previous = recording_session.current()
    recording_session.install(None)
    try:
        yield tmp_path
    finally:
        recording_session.install(previous)
