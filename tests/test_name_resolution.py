"""Where a cassette name resolves: suffixed names and extension-less cassettes live in cassette_dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from cassettes_tool.core.config import Config
from cassettes_tool.recording.settings import resolve_path


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Config:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tests" / "cassettes").mkdir(parents=True)
    return Config(root=tmp_path, cassette_dir=Path("tests/cassettes"))


def test_a_bare_name_gets_the_yaml_suffix_in_cassette_dir(config: Config) -> None:
    assert resolve_path("users/get", config) == config.cassette_path / "users/get.yaml"


def test_a_name_with_a_suffix_lives_in_cassette_dir(config: Config) -> None:
    assert resolve_path("x.json", config) == config.cassette_path / "x.json"
    assert resolve_path("get_user.yaml", config) == config.cassette_path / "get_user.yaml"


def test_an_extension_less_cassette_in_cassette_dir_is_used_as_named(config: Config) -> None:
    (config.cassette_path / "get_user").write_text("interactions: []\nversion: 1\n")
    assert resolve_path("get_user", config) == config.cassette_path / "get_user"


def test_paths_the_working_directory_names_stay_relative_to_it(config: Config, tmp_path: Path) -> None:
    assert resolve_path("tests/cassettes/x.yaml", config) == tmp_path / "tests/cassettes/x.yaml"
    assert resolve_path("here/one.json", config) == tmp_path / "here/one.json"
    assert resolve_path("./here.yaml", config) == tmp_path / "here.yaml"
    (tmp_path / "existing.yaml").write_text("interactions: []\nversion: 1\n")
    assert resolve_path("existing.yaml", config) == tmp_path / "existing.yaml"
    assert resolve_path(tmp_path / "abs.yaml", config) == tmp_path / "abs.yaml"
