"""The pytest plugin in nested pytest runs (pytester) against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests  # noqa: F401  # imported here so inline nested runs do not re-import it each time
import vcr  # noqa: F401  # (pytester drops modules first imported by a nested run)
import yaml

from tests.helpers.plugin import PYPROJECT, write_test
from tests.helpers.server import LoopbackServer


def cassette_file(pytester: pytest.Pytester, relative: str) -> Path:
    return pytester.path / "tests" / "cassettes" / relative


def test_the_marker_records_under_the_default_name_and_then_replays_offline(
    inner: pytest.Pytester, loopback_server: LoopbackServer
) -> None:
    write_test(inner, """
        @pytest.mark.cassette
        def test_get_user():
            assert requests.get(API + "/users/1").json()["name"] == "Ada"
    """)
    inner.runpytest("--cassettes-record-mode=once").assert_outcomes(passed=1)
    path = cassette_file(inner, "test_users/test_get_user.yaml")
    assert path.is_file()
    served = len(loopback_server.requests)
    inner.runpytest().assert_outcomes(passed=1)
    assert len(loopback_server.requests) == served


def test_the_default_record_mode_is_none_so_a_missing_cassette_fails_the_test(inner: pytest.Pytester) -> None:
    write_test(inner, """
        @pytest.mark.cassette
        def test_get_user():
            requests.get(API + "/users/1")
    """)
    result = inner.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*CannotOverwriteExistingCassetteException*"])


def test_the_marker_takes_a_name_and_overrides_and_the_fixture_is_the_active_cassette(inner: pytest.Pytester) -> None:
    write_test(inner, """
        @pytest.mark.cassette("shared/users", record_mode="once", allow_playback_repeats=True)
        def test_named(cassette):
            for _ in range(3):
                requests.get(API + "/users/1")
            assert cassette.allow_playback_repeats is True
            assert cassette.path.endswith("tests/cassettes/shared/users.yaml")

        def test_fixture_without_marker(cassette):
            assert cassette.record_mode == "none"
            assert cassette.path.endswith("test_users/test_fixture_without_marker.yaml")

        class TestGroup:
            def test_method(self, cassette):
                assert cassette.path.endswith("test_users/TestGroup.test_method.yaml")

        @pytest.mark.parametrize("n", [1, 2])
        def test_param(cassette, n):
            assert cassette.path.endswith(f"test_users/test_param[{n}].yaml")
    """)
    inner.runpytest().assert_outcomes(passed=5)
    document = yaml.safe_load(cassette_file(inner, "shared/users.yaml").read_text())
    assert len(document["interactions"]) == 1  # the repeats were played back, not recorded


PRECEDENCE_TESTS = """
    @pytest.mark.cassette(record_mode="new_episodes")
    def test_marker(cassette):
        print("MODE", cassette.record_mode.value)

    def test_no_marker(cassette):
        print("MODE", cassette.record_mode.value)
"""


@pytest.mark.parametrize(
    ("file_mode", "fixture_mode", "cli_mode", "expected_marker", "expected_plain"),
    [
        (None, None, None, "new_episodes", "none"),           # defaults (documented: none)
        ("once", None, None, "new_episodes", "once"),         # [tool.cassettes] > defaults
        ("once", "all", None, "new_episodes", "all"),         # fixture > file; marker > fixture
        ("once", "all", "none", "none", "none"),              # command line > everything
    ],
    ids=["defaults", "file", "fixture-and-marker", "command-line"],
)
def test_precedence_is_command_line_then_marker_then_fixture_then_file_then_defaults(
    inner: pytest.Pytester, file_mode: str | None, fixture_mode: str | None, cli_mode: str | None,
    expected_marker: str, expected_plain: str,
) -> None:
    if file_mode:
        inner.makefile(".toml", pyproject=PYPROJECT + f'record_mode = "{file_mode}"\n')
    if fixture_mode:
        inner.makeconftest(f"""
            import pytest

            @pytest.fixture(scope="module")
            def cassettes_config():
                return {{"record_mode": "{fixture_mode}"}}
        """)
    write_test(inner, PRECEDENCE_TESTS)
    args = ["-s"] + ([f"--cassettes-record-mode={cli_mode}"] if cli_mode else [])
    result = inner.runpytest(*args)
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines([f"*MODE {expected_marker}*", f"*MODE {expected_plain}*"])


def test_every_record_mode_behaves_like_vcrpy_through_the_plugin(
    inner: pytest.Pytester, loopback_server: LoopbackServer
) -> None:
    write_test(inner, """
        @pytest.mark.cassette("modes")
        def test_first():
            requests.get(API + "/users/1")
    """)
    inner.runpytest("--cassettes-record-mode=once").assert_outcomes(passed=1)
    write_test(inner, """
        @pytest.mark.cassette("modes")
        def test_both():
            requests.get(API + "/users/1")
            requests.get(API + "/users/2")
    """)
    inner.runpytest("--cassettes-record-mode=none").assert_outcomes(failed=1)
    inner.runpytest("--cassettes-record-mode=once").assert_outcomes(failed=1)
    served = len(loopback_server.requests)
    inner.runpytest("--cassettes-record-mode=new_episodes").assert_outcomes(passed=1)
    assert len(loopback_server.requests) == served + 1  # only the new episode went live
    inner.runpytest("--cassettes-record-mode=all").assert_outcomes(passed=1)
    assert len(loopback_server.requests) == served + 3  # everything went live
    document = yaml.safe_load(cassette_file(inner, "modes.yaml").read_text())
    assert [i["request"]["uri"][-7:] for i in document["interactions"]] == ["users/1", "users/2"]


def test_a_bad_setting_in_pyproject_is_a_one_line_usage_error(inner: pytest.Pytester) -> None:
    inner.makefile(".toml", pyproject=PYPROJECT + 'record_mode = "sometimes"\n')
    write_test(inner, "def test_x():\n    pass\n")
    result = inner.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*record_mode = 'sometimes' is not valid; accepted: none | once | new_episodes | all*"])


def test_a_bad_marker_override_fails_that_test_with_one_line(inner: pytest.Pytester) -> None:
    write_test(inner, """
        @pytest.mark.cassette(record_mod="once")
        def test_typo():
            pass
    """)
    result = inner.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*unknown cassette option 'record_mod'*"])


def test_it_runs_next_to_pytest_recording_without_either_breaking(
    inner: pytest.Pytester, loopback_server: LoopbackServer
) -> None:
    pytest.importorskip("pytest_recording")
    inner.makeconftest("""
        import pytest

        @pytest.fixture
        def vcr_config():
            return {"filter_headers": ["authorization"]}

        @pytest.fixture
        def cassettes_config():
            return {"allow_playback_repeats": True}
    """)
    write_test(inner, """
        @pytest.mark.vcr
        def test_with_pytest_recording():
            assert requests.get(API + "/users/1").json()["id"] == 1

        @pytest.mark.cassette
        def test_with_cassettes(cassette):
            assert requests.get(API + "/users/2").json()["id"] == 2
            assert cassette.allow_playback_repeats
    """)
    result = inner.runpytest("-p", "recording", "--record-mode=once", "--cassettes-record-mode=once")
    result.assert_outcomes(passed=2)
    assert (inner.path / "tests" / "cassettes" / "test_users" / "test_with_pytest_recording.yaml").is_file()
    assert cassette_file(inner, "test_users/test_with_cassettes.yaml").is_file()
    served = len(loopback_server.requests)
    inner.runpytest("-p", "recording", "--record-mode=none").assert_outcomes(passed=2)
    assert len(loopback_server.requests) == served
    help_text = inner.runpytest("-p", "recording", "--help").stdout.str()
    assert "--record-mode" in help_text and "--cassettes-record-mode" in help_text


def test_expiry_warns_with_the_cassette_and_its_age(inner: pytest.Pytester) -> None:
    write_old_cassette(inner, "old")
    write_test(inner, """
        @pytest.mark.cassette("old", max_age="30d")
        def test_old():
            assert requests.get(API + "/users/1").json()["id"] == 1
    """)
    result = inner.runpytest("-W", "always")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*CassetteExpiredWarning*old.yaml: cassette recorded *d ago, older than max_age 30d*"])


def test_expiry_fails_the_test_with_the_command_that_re_records_it(inner: pytest.Pytester) -> None:
    write_old_cassette(inner, "old")
    write_test(inner, """
        @pytest.mark.cassette("old", max_age="30d", on_expired="fail")
        def test_old():
            requests.get(API + "/users/1")
    """)
    result = inner.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([
        "*old.yaml: recorded *d ago, older than max_age 30d "
        "(re-record it: pytest tests/test_users.py::test_old --cassettes-record-mode=all)*"
    ])


def test_expiry_re_records_when_recording_is_possible_and_warns_when_it_is_not(
    inner: pytest.Pytester, loopback_server: LoopbackServer
) -> None:
    path = write_old_cassette(inner, "old")
    write_test(inner, """
        @pytest.mark.cassette("old", max_age="30d", on_expired="rerecord")
        def test_old():
            assert requests.get(API + "/users/1").json()["name"] in ("Old", "Ada")
    """)
    result = inner.runpytest("-W", "always")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*record_mode = none cannot record*"])
    assert "2001-01-01" in path.read_text()
    served = len(loopback_server.requests)
    inner.runpytest("--cassettes-record-mode=once").assert_outcomes(passed=1)
    assert len(loopback_server.requests) == served + 1
    document = yaml.safe_load(path.read_text())
    assert not document["metadata"]["recorded_at"].startswith("2001")
    assert json.loads(document["interactions"][0]["response"]["body"]["string"])["name"] == "Ada"
    assert len(document["interactions"]) == 1


def test_the_command_line_can_set_max_age_and_on_expired(inner: pytest.Pytester) -> None:
    write_old_cassette(inner, "old")
    write_test(inner, """
        @pytest.mark.cassette("old")
        def test_old():
            requests.get(API + "/users/1")
    """)
    inner.runpytest().assert_outcomes(passed=1)
    inner.runpytest("--cassettes-max-age=30d", "--cassettes-on-expired=fail").assert_outcomes(errors=1)


def write_old_cassette(pytester: pytest.Pytester, name: str) -> Path:
    """A cassette for GET $API/users/1 recorded on 2001-01-01 (the body says "Old")."""
    import os

    path = cassette_file(pytester, f"{name}.yaml")
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "version": 1,
        "metadata": {"recorded_at": "2001-01-01T00:00:00Z", "recorded_with": "cassettes_tool 0.1.0"},
        "interactions": [{
            "request": {"method": "GET", "uri": os.environ["API"] + "/users/1", "body": None, "headers": {}},
            "response": {"status": {"code": 200, "message": "OK"},
                         "headers": {"Content-Type": ["application/json"]},
                         "body": {"string": '{"id": 1, "name": "Old"}'}},
        }],
    }
    path.write_text(yaml.safe_dump(document))
    return path


def test_importing_the_plugin_does_not_import_vcrpy() -> None:
    code = "import sys, cassettes_tool, cassettes_tool.recording.plugin; print('vcr' in sys.modules, 'yaml' in sys.modules)"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.split() == ["False", "False"]


def test_a_session_without_cassettes_never_imports_vcrpy(inner: pytest.Pytester) -> None:
    write_test(inner, """
        import sys

        def test_plain():
            pass

        def test_zz_last():
            assert "vcr" not in sys.modules
    """)
    # pytest-recording imports vcrpy when it loads; only our own cost is measured here.
    inner.runpytest_subprocess("-p", "no:recording").assert_outcomes(passed=2)


def test_record_on_exception_false_keeps_a_failing_test_from_saving(inner: pytest.Pytester) -> None:
    write_test(inner, """
        @pytest.mark.cassette(record_on_exception=False)
        def test_fails_after_recording():
            requests.get(API + "/users/1")
            assert False

        @pytest.mark.cassette
        def test_fails_and_saves():
            requests.get(API + "/users/1")
            assert False
    """)
    inner.runpytest("--cassettes-record-mode=once").assert_outcomes(failed=2)
    assert not cassette_file(inner, "test_users/test_fails_after_recording.yaml").exists()
    assert cassette_file(inner, "test_users/test_fails_and_saves.yaml").exists()


def test_the_command_line_record_mode_also_applies_to_use_cassette_inside_tests(inner: pytest.Pytester) -> None:
    write_test(inner, """
        from cassettes_tool import use_cassette

        def test_inside():
            with use_cassette("inside", record_mode="none") as cas:
                print("MODE", cas.record_mode.value)
                requests.get(API + "/users/1")
    """)
    inner.runpytest("-s", "--cassettes-record-mode=once").stdout.fnmatch_lines(["*MODE once*", "*1 passed*"])
    assert cassette_file(inner, "inside.yaml").is_file()


def test_with_cassetter_enabled_marked_tests_still_replay_from_our_cassette(
    inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # cassetter registers an autouse fixture also named `cassette`; this repository and the
    # `inner` fixture disable it, so the inner run enables it (and leaves pytest-recording out:
    # both define --record-mode).
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:recording")
    cassette = inner.path / "tests" / "cassettes" / "ours.yaml"
    cassette.parent.mkdir(parents=True)
    cassette.write_text(
        "interactions:\n- request:\n    body: null\n    headers: {}\n    method: GET\n"
        "    uri: http://127.0.0.1:9/a\n  response:\n    body: {string: A}\n"
        "    headers: {Content-Type: [text/plain]}\n    status: {code: 200, message: OK}\nversion: 1\n")
    write_test(inner, """
        @pytest.mark.cassette("ours", record_mode="none")
        def test_marked():
            assert requests.get("http://127.0.0.1:9/a").text == "A"
    """)
    result = inner.runpytest_subprocess()
    assert "cassetter" in result.stdout.str(), "cassetter was loaded for the inner run"
    result.assert_outcomes(passed=1)

    write_test(inner, """
        @pytest.mark.cassette("ours", record_mode="none")
        def test_asks_for_the_fixture(cassette):
            assert requests.get("http://127.0.0.1:9/a").text == "A"
    """, name="test_fixture")
    result = inner.runpytest_subprocess()
    if result.ret == pytest.ExitCode.OK:
        # Which plugin's `cassette` wins depends on pytest's plugin order (ours wins under pytest
        # 7.0): then the test got our fixture, and port 9 was never called, the cassette played.
        result.assert_outcomes(passed=2)
        return
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.stderr.lines if "cassetter" in line]
    assert errors == ["ERROR: cassettes: tests/test_fixture.py::test_asks_for_the_fixture asks for the `cassette` "
                      "fixture, but plugin cassetter defines one too and wins; disable it (`-p no:cassetter` "
                      "in addopts) or ask for `cassettes_cassette` instead"], result.stderr.lines


def test_a_replay_miss_says_which_cassette_request_and_closest_recording_and_how_to_record(
    inner: pytest.Pytester,
) -> None:
    write_test(inner, """
        @pytest.mark.cassette("users")
        def test_record():
            requests.get(API + "/users/1")

        @pytest.mark.cassette("users")
        def test_miss():
            requests.get(API + "/users/2")
    """)
    inner.runpytest("--cassettes-record-mode=once", "-k", "test_record").assert_outcomes(passed=1, deselected=1)
    result = inner.runpytest("-k", "test_miss")
    result.assert_outcomes(failed=1, deselected=1)
    output = result.stdout.str()
    assert "CannotOverwriteExistingCassetteException: cassettes: no recorded response for GET " in output
    assert "/users/2 in tests/cassettes/users.yaml (record mode none)" in output
    assert "closest recorded request: GET " in output and "/users/1 (differs in: path" in output
    assert "--cassettes-record-mode=once" in output
    assert "cassette_library_dir" not in output
