"""End to end: a sample project run with pytest (``pytester``) writes a real ledger, then prune acts on it."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.helpers.cli import run_cli

TWO = """\
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
- request:
    body: null
    headers: {}
    method: GET
    uri: http://127.0.0.1:9/b
  response:
    body: {string: B}
    headers: {Content-Type: [text/plain]}
    status: {code: 200, message: OK}
version: 1
"""

TESTS = """\
import pytest
import requests
from cassettes_tool import use_cassette


@pytest.mark.cassette("used")
def test_used_plays_only_a():
    assert requests.get("http://127.0.0.1:9/a").text == "A"


@pytest.mark.cassette("shared")
def test_shared_first():
    assert requests.get("http://127.0.0.1:9/a").text == "A"


@pytest.mark.cassette("shared")
def test_shared_second():
    assert requests.get("http://127.0.0.1:9/b").text == "B"


@pytest.mark.cassette
def test_default_name():
    assert requests.get("http://127.0.0.1:9/b").text == "B"


class TestOrders:
    @pytest.mark.cassette
    def test_list(self):
        assert requests.get("http://127.0.0.1:9/a").text == "A"


@pytest.mark.skip(reason="runs only on Fridays")
def test_static_only():
    with use_cassette("static_only"):
        assert requests.get("http://127.0.0.1:9/a").text == "A"
"""

CASSETTES = {
    "tests/cassettes/used.yaml": TWO,
    "tests/cassettes/shared.yaml": TWO,
    "tests/cassettes/test_api/test_default_name.yaml": TWO,
    "tests/cassettes/test_api/TestOrders.test_list.yaml": TWO,
    "tests/cassettes/static_only.yaml": TWO,
    "tests/cassettes/unused.yaml": TWO,
    "tests/cassettes/old/unused_too.yaml": TWO,
}
UNUSED = {"tests/cassettes/unused.yaml", "tests/cassettes/old/unused_too.yaml"}


@pytest.fixture
def sample(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".toml", pyproject='[tool.cassettes]\ncassette_dir = "tests/cassettes"\n'
                                          '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n')
    for name, text in CASSETTES.items():
        path = pytester.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (pytester.path / "tests" / "test_api.py").write_text(TESTS)
    return pytester


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    # A subprocess: in-process runs re-import requests and break its cookie classes.
    return pytester.runpytest_subprocess("-p", "no:cassetter", "-p", "no:cacheprovider", *args)


def _prune(*args: str) -> tuple[int, str, str]:
    result = run_cli(["prune", *args])
    return result.exit_code, result.stdout, result.stderr


def test_prune_after_a_real_pytest_run_removes_exactly_the_unused_cassettes(sample: pytest.Pytester) -> None:
    _run(sample).assert_outcomes(passed=5, skipped=1)
    ledger = json.loads((sample.path / ".cassettes" / "usage.json").read_text())
    assert ledger["complete"] is True
    assert sorted(ledger["cassettes"]["tests/cassettes/shared.yaml"]["tests"]) == [
        "tests/test_api.py::test_shared_first", "tests/test_api.py::test_shared_second"]
    assert "tests/cassettes/test_api/test_default_name.yaml" in ledger["cassettes"]
    assert "tests/cassettes/static_only.yaml" not in ledger["cassettes"]

    code, out, _ = _prune("--format", "json")
    assert code == 0, out
    rows = {r["path"]: r for r in json.loads(out)["cassettes"]}
    assert {p for p, r in rows.items() if r["unused"]} == UNUSED
    assert rows["tests/cassettes/static_only.yaml"]["used_by"] == []
    assert rows["tests/cassettes/static_only.yaml"]["references"], "kept by the static scan alone"
    assert rows["tests/cassettes/test_api/test_default_name.yaml"]["used_by"] == ["tests/test_api.py::test_default_name"]

    code, out, _ = _prune("--delete")
    assert code == 0, out
    remaining = {p.relative_to(sample.path).as_posix() for p in (sample.path / "tests/cassettes").rglob("*.yaml")}
    assert remaining == set(CASSETTES) - UNUSED


def test_prune_after_a_partial_run_refuses_without_force(sample: pytest.Pytester) -> None:
    _run(sample, "-k", "shared").assert_outcomes(passed=2)
    code, _, err = _prune("--delete")
    assert code == 2
    assert "incomplete run" in err and "-k was used" in err and "run the whole test suite" in err
    assert all((sample.path / p).exists() for p in CASSETTES)
    # Forced, the partial ledger still cannot delete what the tests name statically.
    code, out, _ = _prune("--delete", "--force")
    assert code == 0, out
    assert (sample.path / "tests/cassettes/used.yaml").exists()
    assert (sample.path / "tests/cassettes/test_api/test_default_name.yaml").exists()
    assert (sample.path / "tests/cassettes/test_api/TestOrders.test_list.yaml").exists(), \
        "the static scan derives the plugin's default name for methods"
    assert not (sample.path / "tests/cassettes/unused.yaml").exists()


def test_dropping_unplayed_interactions_keeps_replay_working(sample: pytest.Pytester) -> None:
    _run(sample).assert_outcomes(passed=5, skipped=1)
    code, out, _ = _prune("--interactions", "--delete")
    assert code == 0, out
    used = yaml.safe_load((sample.path / "tests/cassettes/used.yaml").read_text())
    assert [i["request"]["uri"] for i in used["interactions"]] == ["http://127.0.0.1:9/a"]
    default = yaml.safe_load((sample.path / "tests/cassettes/test_api/test_default_name.yaml").read_text())
    assert [i["request"]["uri"] for i in default["interactions"]] == ["http://127.0.0.1:9/b"]
    shared = yaml.safe_load((sample.path / "tests/cassettes/shared.yaml").read_text())
    assert len(shared["interactions"]) == 2, "every interaction of the shared cassette was played"
    assert len(yaml.safe_load((sample.path / "tests/cassettes/static_only.yaml").read_text())["interactions"]) == 2

    _run(sample).assert_outcomes(passed=5, skipped=1)
    code, out, _ = _prune("--interactions")
    assert code == 0
    assert "no never-played interactions" in out


@pytest.mark.slow
def test_a_ledger_merged_from_xdist_workers_prunes_the_same(sample: pytest.Pytester) -> None:
    _run(sample, "-n", "2").assert_outcomes(passed=5, skipped=1)
    code, out, _ = _prune("--format", "json")
    assert code == 0, out
    document = json.loads(out)
    assert document["ledger"]["state"] == "complete"
    assert {r["path"] for r in document["cassettes"] if r["unused"]} == UNUSED
