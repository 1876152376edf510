"""Prune in a project mid-migration: plain vcrpy, pytest-recording and cassettes side by side.

A nested pytest run (``pytester``, in a subprocess) writes the ledger; prune must list exactly
the unused cassettes after ``pytest`` and after ``pytest tests``, ``--delete`` must remove only
them (and the folders it empties), and the suite must pass offline afterwards: every cassette
replays from 127.0.0.1:9, where nothing listens, so a deleted cassette fails its test.
"""

from __future__ import annotations

import json

import pytest

import cassettes_tool.core.reader  # noqa: F401 - see below
from tests.helpers.cli import run_cli

# pytester restores sys.modules after each test; a reader imported inside one test and dropped
# afterwards comes back broken in the next ("could not determine a constructor for the tag
# None"), so the module imports it once, before any pytester snapshot.

ONE = """\
interactions:
- request:
    body: null
    headers: {}
    method: GET
    uri: http://127.0.0.1:9/a
  response:
    body: {string: A}
    headers: {Content-Type: [text/plain]}
    status: {code: 200, message: OK}
version: 1
"""

CONFTEST = """\
import pytest


@pytest.fixture(params=["inprocess"])
def mode(request):
    return request.param
"""

PLAIN = """\
import os

import pytest
import requests
import vcr

HERE = os.path.dirname(__file__)
my_vcr = vcr.VCR(cassette_library_dir=os.path.join(HERE, "cassettes", "plain"), record_mode="none")


@pytest.mark.parametrize("user", ["1", "2"])
def test_user(user):
    with my_vcr.use_cassette("user_" + user + ".yaml"):
        assert requests.get("http://127.0.0.1:9/a").text == "A"


def test_plain_literal():
    with vcr.use_cassette(os.path.join(HERE, "cassettes", "plain", "literal.yaml"), record_mode="none"):
        assert requests.get("http://127.0.0.1:9/a").text == "A"
"""

RECORDING = """\
import pytest
import requests


@pytest.mark.vcr
@pytest.mark.default_cassette("shared.yaml")
def test_shared_one():
    assert requests.get("http://127.0.0.1:9/a").text == "A"


@pytest.mark.vcr
@pytest.mark.default_cassette("shared.yaml")
def test_shared_two():
    assert requests.get("http://127.0.0.1:9/a").text == "A"


@pytest.mark.vcr
def test_fixture_id(mode):
    assert requests.get("http://127.0.0.1:9/a").text == "A"
"""

ELSEWHERE = """\
import os

import pytest
import requests


@pytest.fixture(scope="module")
def vcr_cassette_dir():
    return os.path.join(os.path.dirname(__file__), "cassettes", "elsewhere")


@pytest.mark.vcr
def test_elsewhere():
    assert requests.get("http://127.0.0.1:9/a").text == "A"
"""

OURS = """\
import pytest
import requests


@pytest.mark.cassette("ours")
def test_ours(mode):
    assert requests.get("http://127.0.0.1:9/a").text == "A"
"""

USED = {
    "tests/cassettes/plain/user_1.yaml",
    "tests/cassettes/plain/user_2.yaml",
    "tests/cassettes/plain/literal.yaml",
    "tests/cassettes/test_recording/shared.yaml",
    "tests/cassettes/test_recording/test_fixture_id[inprocess].yaml",
    "tests/cassettes/elsewhere/test_elsewhere.yaml",
    "tests/cassettes/ours.yaml",
}
KEPT_BY_PATTERN = "tests/cassettes/plain/user_9.yaml"  # no test uses it, but "user_" + x + ".yaml" could
UNUSED = {
    "tests/cassettes/plain/old_report.yaml",
    "tests/cassettes/test_recording/test_removed.yaml",
    "tests/cassettes/gone/deeper/test_gone.yaml",
    "tests/cassettes/orphan.yaml",
}


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".toml", pyproject='[tool.cassettes]\ncassette_dir = "tests/cassettes"\n')
    tests = pytester.path / "tests"
    tests.mkdir()
    for name, text in {"conftest.py": CONFTEST, "test_plain.py": PLAIN, "test_recording.py": RECORDING,
                       "test_elsewhere.py": ELSEWHERE, "test_ours.py": OURS}.items():
        (tests / name).write_text(text)
    for name in {*USED, *UNUSED, KEPT_BY_PATTERN}:
        path = pytester.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(ONE)
    return pytester


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    # pytest-recording replays only (record mode none is its default): nothing reaches a network.
    return pytester.runpytest_subprocess("-p", "no:cassetter", "-p", "no:cacheprovider", *args)


def _ledger(pytester: pytest.Pytester) -> dict[str, object]:
    data: dict[str, object] = json.loads((pytester.path / ".cassettes" / "usage.json").read_text())
    return data


def _cassettes(pytester: pytest.Pytester) -> set[str]:
    return {p.relative_to(pytester.path).as_posix() for p in (pytester.path / "tests/cassettes").rglob("*.yaml")}


@pytest.mark.parametrize("args", [(), ("tests",)], ids=["pytest", "pytest-tests"])
def test_prune_after_a_mixed_suite_removes_exactly_the_cassettes_no_test_uses(
    project: pytest.Pytester, args: tuple[str, ...]
) -> None:
    _run(project, *args).assert_outcomes(passed=8)
    ledger = _ledger(project)
    assert ledger["complete"] is True, ledger["incomplete_reasons"]
    used = ledger["cassettes"]
    assert isinstance(used, dict)
    assert set(used) == USED, "the ledger sees cassettes of plain vcrpy and pytest-recording too"
    assert sorted(used["tests/cassettes/test_recording/shared.yaml"]["tests"]) == [
        "tests/test_recording.py::test_shared_one", "tests/test_recording.py::test_shared_two"]
    assert used["tests/cassettes/plain/user_1.yaml"] == {
        "tests": ["tests/test_plain.py::test_user[1]"], "interactions": 1, "played": [0]}

    result = run_cli(["prune", "--format", "json"], cwd=project.path)
    assert result.exit_code == 0, result.output
    rows = {r["path"]: r for r in json.loads(result.stdout)["cassettes"]}
    assert {p for p, r in rows.items() if r["unused"]} == UNUSED

    verbose = run_cli(["prune", "-v"], cwd=project.path)
    assert "kept: name built at run time in tests/test_plain.py:13 (pattern 'user_*.yaml')" in verbose.stdout

    deleted = run_cli(["prune", "--delete", "-v"], cwd=project.path)
    assert deleted.exit_code == 0, deleted.output
    assert _cassettes(project) == USED | {KEPT_BY_PATTERN}
    assert not (project.path / "tests/cassettes/gone").exists(), "folders left empty are removed"
    assert (project.path / "tests/cassettes").is_dir()
    assert "removed 2 folder(s) left empty" in deleted.stdout
    assert "kept 8 cassette(s):" in deleted.stdout

    _run(project, *args).assert_outcomes(passed=8)


def test_a_run_missing_a_test_file_is_partial_and_prune_says_which_rule(project: pytest.Pytester) -> None:
    _run(project, "tests/test_plain.py").assert_outcomes(passed=3)
    ledger = _ledger(project)
    assert ledger["complete"] is False
    assert any(r.startswith("test file(s) not collected: tests/test_elsewhere.py")
               for r in ledger["incomplete_reasons"]), ledger["incomplete_reasons"]
    result = run_cli(["prune", "--delete"], cwd=project.path)
    assert result.exit_code == 2
    assert "test file(s) not collected" in result.stderr
    assert all((project.path / name).exists() for name in UNUSED)


def test_a_hook_that_drops_tests_without_deselecting_them_makes_the_run_partial(project: pytest.Pytester) -> None:
    (project.path / "tests" / "conftest.py").write_text(CONFTEST + """

def pytest_collection_modifyitems(items):
    items[:] = [item for item in items if "elsewhere" not in item.nodeid]
""")
    _run(project).assert_outcomes(passed=7)
    reasons = _ledger(project)["incomplete_reasons"]
    assert isinstance(reasons, list)
    assert any("removed by a pytest_collection_modifyitems hook" in r and "test_elsewhere" in r for r in reasons)


def test_ignore_and_last_failed_make_the_run_partial(project: pytest.Pytester) -> None:
    _run(project, "--ignore", "tests/test_ours.py").assert_outcomes(passed=7)
    assert "--ignore was used" in _ledger(project)["incomplete_reasons"]  # type: ignore[operator]
