"""The static scan of test sources finds every way a test names a cassette."""

from __future__ import annotations

import textwrap
from pathlib import Path

from cassettes_tool.housekeeping.references import ReferenceIndex, scan_references

SOURCE = '''
import os
import pytest
import vcr
from pathlib import Path
from cassettes_tool import use_cassette

HERE = os.path.dirname(__file__)
SHARED = "constants/shared"
my_vcr = vcr.VCR(cassette_library_dir="fixtures")

pytestmark = [pytest.mark.usefixtures("x")]


@use_cassette("ours/decorated")
def test_decorated():
    pass


def test_with():
    with use_cassette("ours/with") as cas:
        pass
    with vcr.use_cassette("fixtures/vcrpy.yaml"):
        pass
    with my_vcr.use_cassette(path="custom_vcr.json"):
        pass
    with use_cassette(os.path.join(HERE, "joined", "file.yaml")):
        pass
    with use_cassette(Path(HERE) / "divided.yml"):
        pass
    with use_cassette(SHARED):
        pass
    with use_cassette(f"dynamic/{HERE}"):
        pass


@pytest.mark.cassette("marked/name")
def test_marked():
    pass


@pytest.mark.cassette
def test_bare_marker():
    pass


@pytest.mark.parametrize("n", [1, 2])
@pytest.mark.cassette()
def test_param(n):
    pass


@use_cassette
def test_bare_decorator():
    pass


@pytest.mark.cassette
class TestUsers:
    def test_get(self):
        pass

    def helper(self):
        pass


@pytest.mark.vcr("recording/name.yaml")
def test_pytest_recording():
    pass
'''


def _scan(tmp_path: Path, source: str = SOURCE, name: str = "test_things.py") -> set[tuple[str, str]]:
    file = tmp_path / "tests" / name
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(textwrap.dedent(source))
    return {(r.name, r.kind) for r in scan_references([tmp_path / "tests"])}


def test_every_spelling_of_a_cassette_name_is_found(tmp_path: Path) -> None:
    found = _scan(tmp_path)
    assert {
        ("ours/decorated", "use_cassette"),
        ("ours/with", "use_cassette"),
        ("fixtures/vcrpy.yaml", "use_cassette"),
        ("custom_vcr.json", "use_cassette"),
        ("joined/file.yaml", "use_cassette"),
        ("divided.yml", "use_cassette"),
        ("constants/shared", "use_cassette"),
        ("marked/name", "marker"),
        ("recording/name.yaml", "marker"),
    } <= found


def test_default_names_follow_the_plugin_module_and_test_name(tmp_path: Path) -> None:
    found = _scan(tmp_path)
    assert ("test_things/test_bare_marker", "default") in found
    assert ("test_things/test_param", "default") in found
    assert ("test_things/test_bare_decorator", "default") in found
    assert ("test_things/TestUsers.test_get", "default") in found
    assert not any("helper" in name for name, _ in found), "only tests get a marker's default name"
    assert not any(name.startswith("dynamic") for name, kind in found if kind != "pattern"), \
        "dynamic names are not guessed"
    assert ("dynamic/*", "pattern") in found, "a name built at run time keeps what its pattern matches"
    assert ("test_things/test_marked", "default") not in found, "a named marker derives no default"


def test_the_plugin_derives_the_same_default_names(tmp_path: Path) -> None:
    from cassettes_tool.recording.settings import default_name

    assert default_name(str(tmp_path / "tests" / "test_users.py"), "", "test_get") == "test_users/test_get"


def test_a_reference_matches_a_cassette_by_the_tail_of_its_path(tmp_path: Path) -> None:
    _scan(tmp_path)
    index = ReferenceIndex(scan_references([tmp_path / "tests"]))
    cassettes = tmp_path / "tests" / "cassettes"
    assert index.find(cassettes / "ours" / "with.yaml")
    assert index.find(cassettes / "marked" / "name.yaml")
    assert index.find(tmp_path / "tests" / "fixtures" / "vcrpy.yaml")
    assert index.find(cassettes / "test_things" / "test_param[1].yaml"), "parametrized tests add [id]"
    assert index.find(cassettes / "test_things" / "TestUsers.test_get.yaml")
    assert not index.find(cassettes / "ours" / "with_more.yaml")
    assert not index.find(cassettes / "other" / "test_param[1].yaml")
    assert not index.find(tmp_path / "tests" / "fixtures" / "vcrpy.json"), "an explicit suffix must match"


def test_broken_test_files_are_skipped_not_fatal(tmp_path: Path) -> None:
    found = _scan(tmp_path, "def broken(:\n", name="test_broken.py")
    assert found == set()
