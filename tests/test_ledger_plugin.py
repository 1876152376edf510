"""The usage ledger written by the plugin: contents, completeness (-k, -m, --deselect, collection
errors, subsets, xdist workers) and where it goes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests  # noqa: F401  # kept imported across inline nested runs (see test_plugin.py)
import vcr  # noqa: F401

from cassettes_tool.recording.ledger import load_ledger
from tests.helpers.plugin import write_test
from tests.helpers.server import LoopbackServer

SUITE = """
    @pytest.mark.cassette("users")
    def test_user_one():
        assert requests.get(API + "/users/1").json()["id"] == 1

    @pytest.mark.cassette("users")
    def test_user_one_again():
        assert requests.get(API + "/users/1").json()["id"] == 1

    @pytest.mark.slow
    @pytest.mark.cassette("both")
    def test_both():
        requests.get(API + "/users/1")
        requests.get(API + "/users/2")

    @pytest.mark.skip(reason="not on this platform")
    @pytest.mark.cassette("users")
    def test_skipped():
        pass

    def test_no_cassette():
        pass
"""


@pytest.fixture
def suite(inner: pytest.Pytester) -> pytest.Pytester:
    """Two cassettes recorded: users.yaml (GET /users/1) and both.yaml (GET /users/1 and /2)."""
    inner.makeini("[pytest]\nmarkers =\n    slow: slow\n")
    write_test(inner, SUITE)
    inner.runpytest("--cassettes-record-mode=once", "-p", "no:xdist").assert_outcomes(passed=4, skipped=1)
    (inner.path / ".cassettes" / "usage.json").unlink()
    return inner


def ledger(pytester: pytest.Pytester) -> dict[str, Any]:
    data = json.loads((pytester.path / ".cassettes" / "usage.json").read_text())
    assert isinstance(data, dict)
    return data


def test_a_complete_run_records_every_cassette_with_its_tests_and_played_interactions(suite: pytest.Pytester) -> None:
    suite.runpytest().assert_outcomes(passed=4, skipped=1)
    data = ledger(suite)
    assert data["complete"] is True and data["incomplete_reasons"] == []
    assert data["cassettes"] == {
        "tests/cassettes/both.yaml": {"tests": ["tests/test_users.py::test_both"], "interactions": 2, "played": [0, 1]},
        "tests/cassettes/users.yaml": {
            "tests": ["tests/test_users.py::test_skipped", "tests/test_users.py::test_user_one",
                      "tests/test_users.py::test_user_one_again"],
            "interactions": 1, "played": [0],
        },
    }
    loaded = load_ledger(suite.path / ".cassettes" / "usage.json")
    assert loaded.complete and loaded.root == suite.path


def test_a_cassette_only_a_skipped_test_declares_counts_all_its_interactions_as_played(
    suite: pytest.Pytester,
) -> None:
    # Without the other users.yaml tests, only the skipped one names the cassette.
    suite.runpytest("-k", "skipped or both").assert_outcomes(passed=1, skipped=1)
    entry = ledger(suite)["cassettes"]["tests/cassettes/users.yaml"]
    assert entry == {"tests": ["tests/test_users.py::test_skipped"], "interactions": 1, "played": [0]}


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["-k", "user_one"], "-k was used"),
        (["-m", "not slow"], "-m was used"),
        (["--deselect", "tests/test_users.py::test_both"], "--deselect was used"),
        (["tests/test_users.py::test_both"], "only part of the suite was run: tests/test_users.py::test_both"),
    ],
    ids=["keyword", "marker", "deselect", "node-id"],
)
def test_selecting_part_of_the_suite_makes_the_ledger_incomplete(
    suite: pytest.Pytester, args: list[str], reason: str
) -> None:
    suite.runpytest(*args)
    data = ledger(suite)
    assert data["complete"] is False
    assert reason in data["incomplete_reasons"]


def test_a_run_stopped_early_by_x_is_incomplete(suite: pytest.Pytester) -> None:
    write_test(suite, "def test_aaa_fails_first():\n    assert False\n", name="test_aaa")
    suite.runpytest("-x").assert_outcomes(failed=1)
    data = ledger(suite)
    assert data["complete"] is False
    assert "the run stopped early" in data["incomplete_reasons"]


def test_a_collection_error_makes_the_ledger_incomplete(suite: pytest.Pytester) -> None:
    (suite.path / "tests" / "test_broken.py").write_text("import not_a_module_anywhere\n")
    suite.runpytest("--continue-on-collection-errors")
    data = ledger(suite)
    assert data["complete"] is False
    assert "collection failed: tests/test_broken.py" in data["incomplete_reasons"]
    assert "tests/cassettes/users.yaml" in data["cassettes"]


def test_xdist_workers_send_their_usage_to_the_controller(suite: pytest.Pytester) -> None:
    result = suite.runpytest("-p", "xdist", "-n", "2")
    result.assert_outcomes(passed=4, skipped=1)
    data = ledger(suite)
    assert data["complete"] is True, data["incomplete_reasons"]
    assert data["cassettes"]["tests/cassettes/both.yaml"]["played"] == [0, 1]
    assert len(data["cassettes"]["tests/cassettes/users.yaml"]["tests"]) == 3


def test_a_crashed_xdist_worker_makes_the_ledger_incomplete(suite: pytest.Pytester) -> None:
    write_test(suite, """
        def test_crash_the_worker():
            os._exit(1)
    """, name="test_crash")
    suite.runpytest("-p", "xdist", "-n", "2")
    data = ledger(suite)
    assert data["complete"] is False
    assert any("crashed" in reason or "did not report" in reason for reason in data["incomplete_reasons"])


def test_the_ledger_path_can_be_chosen_or_the_ledger_switched_off(suite: pytest.Pytester, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "usage.json"
    suite.runpytest(f"--cassettes-usage={target}").assert_outcomes(passed=4, skipped=1)
    assert json.loads(target.read_text())["complete"] is True
    assert not (suite.path / ".cassettes" / "usage.json").exists()
    suite.runpytest("--cassettes-no-usage").assert_outcomes(passed=4, skipped=1)
    assert not (suite.path / ".cassettes" / "usage.json").exists()


def test_a_project_without_cassettes_gets_no_ledger_file(inner: pytest.Pytester) -> None:
    write_test(inner, "def test_plain():\n    pass\n")
    inner.runpytest().assert_outcomes(passed=1)
    assert not (inner.path / ".cassettes").exists()


def test_use_cassette_inside_a_test_is_recorded_in_the_ledger(
    inner: pytest.Pytester, loopback_server: LoopbackServer
) -> None:
    write_test(inner, """
        from cassettes_tool import use_cassette

        def test_context_manager():
            with use_cassette("manual", record_mode="once"):
                requests.get(API + "/users/2")

        @use_cassette("decorated", record_mode="once")
        def test_decorated():
            requests.get(API + "/users/1")
    """)
    inner.runpytest().assert_outcomes(passed=2)
    data = ledger(inner)
    assert data["cassettes"]["tests/cassettes/manual.yaml"]["tests"] == ["tests/test_users.py::test_context_manager"]
    assert data["cassettes"]["tests/cassettes/decorated.yaml"]["tests"] == ["tests/test_users.py::test_decorated"]
    assert data["cassettes"]["tests/cassettes/manual.yaml"]["played"] == [0]  # recorded now = used


def test_the_state_folder_ignores_itself_so_a_run_leaves_git_status_clean(suite: pytest.Pytester) -> None:
    import shutil
    import subprocess

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], cwd=suite.path, check=True)
    subprocess.run([*git, "add", "-A", "--", ":!.cassettes"], cwd=suite.path, check=True)
    subprocess.run([*git, "commit", "-qm", "suite"], cwd=suite.path, check=True)
    suite.runpytest().assert_outcomes(passed=4, skipped=1)
    assert (suite.path / ".cassettes" / "usage.json").is_file()
    assert (suite.path / ".cassettes" / ".gitignore").read_text().endswith("*\n")
    status = subprocess.run([*git, "status", "--porcelain"], cwd=suite.path, check=True,
                            capture_output=True, text=True).stdout
    assert ".cassettes" not in status, status
