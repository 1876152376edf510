"""Reading cassettes: bad input gets one line naming the file, never a traceback or an object."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from cassettes_tool.core.reader import load_cassette
from cassettes_tool.errors import CassetteFormatError, CassetteNotFoundError
from tests.helpers.cassettes import GOOD
from tests.helpers.cli import run_cli, run_cli_without_file_override

BAD_INPUTS = {
    "malformed.yaml": ("interactions: [\n  - request: {method: GET\n", "invalid YAML"),
    "malformed.json": ('{"version": 1, "interactions": [', "invalid JSON"),
    "empty.yaml": ("", "is empty"),
    "garbage.yaml": (b"\x00\xff\xfe\x89PNG\r\n\x1a\n" + bytes(range(256)), "not UTF-8"),
    "scalar.yaml": ("just a string\n", "top level is a string"),
    "mapping.yaml": ("foo: bar\n", "no 'interactions'"),
    "wrong-version.yaml": ("version: 2\ninteractions: []\n", "version 2"),
    "no-status.yaml": (
        "version: 1\ninteractions:\n- request: {method: GET, uri: 'http://x/'}\n  response: {body: {string: ''}}\n",
        "no status",
    ),
    # a cassette by its first bytes (so not passed over as an ordinary JSON fixture), nested too deep
    "nested.json": ('{"version": 1, "interactions": ' + "[" * 100000 + "]" * 100000 + "}", "nested too deeply"),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_one_line_naming_the_file(tmp_path: Path, name: str) -> None:
    content, expected = BAD_INPUTS[name]
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(CassetteFormatError) as info:
        load_cassette(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    assert expected in message


def test_yaml_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("version: 1\ninteractions:\n- request: {method: GET\n  response: [\n")
    with pytest.raises(CassetteFormatError, match=r"line \d+"):
        load_cassette(path)


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object/apply:os.system ['touch {marker}']",
        "!!python/object/new:os.system ['touch {marker}']",
        "!!python/name:os.system",
        "!!python/module:os",
        "!custom/tag {{a: 1}}",
    ],
)
def test_a_yaml_tag_that_would_construct_an_object_is_refused_and_never_executed(tmp_path: Path, tag: str) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.yaml"
    path.write_text(f"version: 1\ninteractions:\n- request: {tag.format(marker=marker)}\n")
    with pytest.raises(CassetteFormatError, match="never executed"):
        load_cassette(path)
    assert not marker.exists()


def test_a_missing_file_is_a_not_found_error(tmp_path: Path) -> None:
    with pytest.raises(CassetteNotFoundError, match="no such file"):
        load_cassette(tmp_path / "nope.yaml")


def test_list_reports_each_bad_file_and_still_lists_the_good_ones(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(GOOD)
    for name, (content, _) in BAD_INPUTS.items():
        (tmp_path / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    result = run_cli(["list", "--format", "json", str(tmp_path)])
    assert result.exit_code == 3
    assert "Traceback" not in result.output
    rows = {Path(r["path"]).name: r for r in json.loads(result.stdout)}
    assert rows["good.yaml"]["error"] is None and rows["good.yaml"]["interactions"] == 1
    assert rows["good.yaml"]["hosts"] == ["api.example.com"] and rows["good.yaml"]["methods"] == ["GET"]
    for name in BAD_INPUTS:
        assert rows[name]["error"] and name in rows[name]["error"]


def _cli_as_unprivileged(*args: str) -> tuple[int, str, str]:
    """Run the CLI with file permissions enforced (root reads any file otherwise)."""
    done = run_cli_without_file_override(*args, timeout=60)
    return done.returncode, done.stdout, done.stderr


@pytest.fixture
def world_dir() -> Iterator[Path]:
    """A folder any user can traverse (pytest's tmp_path lives under a 0700 folder)."""
    folder = Path(tempfile.mkdtemp(prefix="cassettes-perm-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_an_unreadable_folder_is_reported_and_the_rest_processed(world_dir: Path) -> None:
    tmp_path = world_dir
    (tmp_path / "good.yaml").write_text(GOOD)
    (tmp_path / "good.yaml").chmod(0o644)
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "inside.yaml").write_text(GOOD)
    locked.chmod(0)
    try:
        code, out, err = _cli_as_unprivileged("list", "--format", "json", str(tmp_path))
    finally:
        locked.chmod(0o755)
    assert "Traceback" not in out + err
    rows = json.loads(out)
    assert any(r["error"] and "cannot read folder" in r["error"] for r in rows)
    assert any(r["path"].endswith("good.yaml") and r["error"] is None for r in rows)
    assert code == 3


def test_an_unreadable_file_is_one_line_and_exit_3(world_dir: Path) -> None:
    tmp_path = world_dir
    path = tmp_path / "secret.yaml"
    path.write_text(GOOD)
    path.chmod(0)
    code, _out, err = _cli_as_unprivileged("show", str(path))
    assert code == 3
    assert err.strip().count("\n") == 0 and "cannot be read" in err and str(path) in err
    assert "Traceback" not in err


def test_a_missing_path_argument_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli(["list", str(tmp_path / "missing")])
    assert result.exit_code == 2
    assert "no such file or folder" in result.output
