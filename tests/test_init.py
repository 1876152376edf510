"""``cassettes init``: the [tool.cassettes] section and the nightly GitHub workflow."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from cassettes_tool.core.config import Config, load_config
from cassettes_tool.setup.ci_workflow import (
    ACTIONS,
    WORKFLOW_PATH,
    WorkflowOptions,
    build_workflow,
    render_workflow,
)
from cassettes_tool.setup.install_line import from_direct_url, install_line
from tests.helpers.cli import run_cli, run_cli_without_file_override

EXISTING = """\
[project]
name = "shop-client"
version = "1.0"

[tool.ruff]
line-length = 100
"""


def run(project: Path, *args: str) -> Any:
    return run_cli(["init", "--project-dir", str(project), *args])


def workflow(project: Path) -> dict[Any, Any]:
    data = yaml.safe_load((project / WORKFLOW_PATH).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def commands(job: dict[str, Any]) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def uses(job: dict[str, Any]) -> list[str]:
    return [step["uses"].split("@")[0] for step in job["steps"] if "uses" in step]


def test_init_appends_a_section_that_loads_as_the_default_config_and_keeps_the_file_as_it_was(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(EXISTING, encoding="utf-8")
    result = run(tmp_path)
    assert result.exit_code == 0, result.output
    text = (tmp_path / "pyproject.toml").read_text(encoding="utf-8")
    assert text.startswith(EXISTING + "\n[tool.cassettes]\n")
    document = tomllib.loads(text)
    assert document["project"]["name"] == "shop-client"
    assert document["tool"]["ruff"] == {"line-length": 100}
    config = load_config(tmp_path / "pyproject.toml")
    defaults = Config(root=tmp_path)
    assert (config.cassette_dir, config.record_mode, config.match_on, config.refresh, config.drift) == (
        defaults.cassette_dir, defaults.record_mode, defaults.match_on, defaults.refresh, defaults.drift)
    assert "# max_age" in text and "EXTEND" in text  # commented, not bare
    assert not (tmp_path / WORKFLOW_PATH).exists()


def test_init_never_touches_an_existing_section(tmp_path: Path) -> None:
    original = EXISTING + '\n[tool.cassettes]\ncassette_dir = "cassettes"\nrecord_mode = "once"\n'
    (tmp_path / "pyproject.toml").write_text(original, encoding="utf-8")
    result = run(tmp_path)
    assert result.exit_code == 0
    assert "already has [tool.cassettes]; left unchanged" in result.output
    assert (tmp_path / "pyproject.toml").read_text(encoding="utf-8") == original


def test_init_creates_a_pyproject_when_there_is_none(tmp_path: Path) -> None:
    result = run(tmp_path, "--cassette-dir", "tests/fixtures/cassettes")
    assert result.exit_code == 0
    assert "created" in result.output
    config = load_config(tmp_path / "pyproject.toml")
    assert config.cassette_dir == Path("tests/fixtures/cassettes")


def test_init_adds_a_blank_line_after_a_file_without_a_final_newline(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"', encoding="utf-8")
    assert run(tmp_path).exit_code == 0
    assert (tmp_path / "pyproject.toml").read_text(encoding="utf-8").startswith('[project]\nname = "x"\n\n[tool.cassettes]\n')


def test_a_broken_pyproject_is_a_one_line_config_error_and_is_not_rewritten(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project\nname=", encoding="utf-8")
    result = run_cli(["init", "--project-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "not valid TOML" in result.output
    assert (tmp_path / "pyproject.toml").read_text(encoding="utf-8") == "[project\nname="


def test_the_github_workflow_is_valid_yaml_scheduled_nightly_and_reports_everywhere(tmp_path: Path) -> None:
    result = run(tmp_path, "--ci", "github")
    assert result.exit_code == 0, result.output
    flow = workflow(tmp_path)
    assert flow["on"]["schedule"][0]["cron"] == "17 3 * * *"
    assert "workflow_dispatch" in flow["on"]
    assert flow["permissions"] == {"contents": "read"}
    assert list(flow["jobs"]) == ["refresh"]
    job = flow["jobs"]["refresh"]
    runs = commands(job)
    assert "cassettes refresh --report cassettes-report.json --format junit --output cassettes-junit.xml" in runs
    assert any(r.startswith("cassettes report cassettes-report.json --format html --output cassettes-report.html") for r in runs)
    assert any("--format markdown" in r and r.endswith('>> "$GITHUB_STEP_SUMMARY" || [ $? -eq 3 ]') for r in runs)
    # Rendering steps tolerate exit 3 (incomplete: the verdict's business) but not 2 (broken).
    assert all(r.endswith("|| [ $? -eq 3 ]") for r in runs if r.startswith("cassettes report"))
    upload = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["if"] == "always()"
    assert set(upload["with"]["path"].split()) == {"cassettes-report.json", "cassettes-junit.xml", "cassettes-report.html"}
    assert "strategy" not in job


def test_sharded_workflow_runs_a_matrix_and_merges_the_shard_reports(tmp_path: Path) -> None:
    assert run(tmp_path, "--ci", "github", "--shards", "4").exit_code == 0
    jobs = workflow(tmp_path)["jobs"]
    assert list(jobs) == ["refresh", "merge"]
    refresh = jobs["refresh"]
    assert refresh["strategy"]["matrix"]["shard"] == [1, 2, 3, 4]
    assert any(r.startswith("cassettes refresh --shard ${{ matrix.shard }}/4 ") for r in commands(refresh))
    merge = jobs["merge"]
    assert merge["needs"] == "refresh" and merge["if"] == "always()"
    assert "actions/download-artifact" in uses(merge)
    assert "cassettes merge shards/*.json --output cassettes-report.json" in commands(merge)
    assert commands(merge)[-1] == "cassettes report cassettes-report.json --format text"  # the verdict


def test_the_pull_request_job_accepts_the_report_and_opens_a_pull_request(tmp_path: Path) -> None:
    assert run(tmp_path, "--ci", "github", "--pr-job", "--schedule", "0 5 * * 1-5").exit_code == 0
    flow = workflow(tmp_path)
    assert flow["on"]["schedule"][0]["cron"] == "0 5 * * 1-5"
    job = flow["jobs"]["pull-request"]
    assert job["needs"] == "refresh"
    assert job["permissions"] == {"contents": "write", "pull-requests": "write"}
    assert any(r.startswith("cassettes accept ") for r in commands(job))
    assert uses(job)[-1] == "peter-evans/create-pull-request"


def test_auth_environment_variables_become_secrets_of_the_refresh_step(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.cassettes.auth."api.acme-shop.example"]\nenv = "ACME_TOKEN"\nformat = "Bearer {}"\n', encoding="utf-8")
    assert run(tmp_path, "--ci", "github").exit_code == 0
    step = next(s for s in workflow(tmp_path)["jobs"]["refresh"]["steps"] if s.get("run", "").startswith("cassettes refresh"))
    assert step["env"] == {"ACME_TOKEN": "${{ secrets.ACME_TOKEN }}"}


def test_an_existing_workflow_is_kept_unless_forced(tmp_path: Path) -> None:
    path = tmp_path / WORKFLOW_PATH
    path.parent.mkdir(parents=True)
    path.write_text("name: mine\n", encoding="utf-8")
    result = run(tmp_path, "--ci", "github")
    assert result.exit_code == 0 and "use --force" in result.output
    assert path.read_text(encoding="utf-8") == "name: mine\n"
    assert run(tmp_path, "--ci", "github", "--force").exit_code == 0
    assert workflow(tmp_path)["name"] == "cassettes refresh"


def test_workflow_options_without_ci_are_a_usage_error(tmp_path: Path) -> None:
    result = run_cli(["init", "--project-dir", str(tmp_path), "--shards", "2"])
    assert result.exit_code == 2
    assert not (tmp_path / "pyproject.toml").exists()


@pytest.mark.parametrize("shards", [1, 2, 16])
@pytest.mark.parametrize("pr_job", [False, True])
def test_every_variant_of_the_workflow_round_trips_through_yaml(shards: int, pr_job: bool) -> None:
    options = WorkflowOptions(shards=shards, pr_job=pr_job, secrets=("A_TOKEN",))
    assert yaml.safe_load(render_workflow(options)) == build_workflow(options)


def test_the_section_shows_every_config_key_so_new_keys_are_not_forgotten() -> None:
    from cassettes_tool.core import config as config_module
    from cassettes_tool.setup.init import section_text

    text = section_text()
    keys = (config_module._TOP_KEYS - {"refresh", "drift", "auth"}) | config_module._REFRESH_KEYS \
        | config_module._AUTH_KEYS | config_module._DRIFT_KEYS
    missing = sorted(key for key in keys if f"{key} = " not in text)
    assert not missing


def test_an_existing_cassette_folder_becomes_cassette_dir(tmp_path: Path) -> None:
    folder = tmp_path / "tests" / "fixtures" / "vcr_cassettes"
    folder.mkdir(parents=True)
    (folder / "get_user.yaml").write_text("interactions: []\nversion: 1\n", encoding="utf-8")
    result = run(tmp_path)
    assert 'cassette_dir = "tests/fixtures/vcr_cassettes"' in result.output
    assert load_config(tmp_path / "pyproject.toml").cassette_dir == Path("tests/fixtures/vcr_cassettes")


def test_an_empty_or_ambiguous_cassette_folder_keeps_the_default(tmp_path: Path) -> None:
    (tmp_path / "tests" / "fixtures" / "cassettes").mkdir(parents=True)  # empty: no cassette yet
    for folder in (tmp_path / "cassettes", tmp_path / "tests" / "vcr_cassettes"):  # two: ambiguous
        folder.mkdir(parents=True)
        (folder / "x.yaml").write_text("interactions: []\nversion: 1\n", encoding="utf-8")
    assert run(tmp_path).exit_code == 0
    assert load_config(tmp_path / "pyproject.toml").cassette_dir == Path("tests/cassettes")


def test_an_unwritable_project_is_a_one_line_error_naming_the_file() -> None:
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="cassettes-init-ro-"))
    try:
        folder.chmod(0o555)  # not writable, and init runs with file permissions enforced
        proc = run_cli_without_file_override("init", "--project-dir", str(folder))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1
    assert f"{folder / 'pyproject.toml'}: cannot write" in proc.stderr


@pytest.mark.parametrize("layout", [
    "tests/clients/cassettes/get_user.yaml",
    "cassettes/get_user.yaml",
    "tests/fixtures/get_user",  # an extension-less cassette: its first bytes say so
])
def test_init_finds_an_existing_cassette_folder_wherever_the_project_keeps_it(tmp_path: Path, layout: str) -> None:
    cassette = tmp_path / layout
    cassette.parent.mkdir(parents=True)
    cassette.write_text("interactions: []\nversion: 1\n", encoding="utf-8")
    (tmp_path / "tests" / "fixtures").mkdir(parents=True, exist_ok=True)
    (tmp_path / "tests" / "fixtures" / "user.json").write_text('{"id": 1}', encoding="utf-8")
    result = run(tmp_path)
    assert result.exit_code == 0, result.output
    expected = Path(layout).parent
    assert load_config(tmp_path / "pyproject.toml").cassette_dir == expected


def all_uses(flow: dict[str, Any]) -> list[str]:
    return [step["uses"] for job in flow["jobs"].values() for step in job["steps"] if "uses" in step]


@pytest.mark.parametrize(("shards", "pr_job"), [(1, True), (3, True)])
def test_every_job_has_a_timeout_and_every_action_its_current_major(tmp_path: Path, shards: int, pr_job: bool) -> None:
    flow = build_workflow(WorkflowOptions(shards=shards, pr_job=pr_job))
    assert all(isinstance(job["timeout-minutes"], int) and job["timeout-minutes"] > 0 for job in flow["jobs"].values())
    majors = {f"{repo}@{major}" for repo, major, _, _ in ACTIONS.values()}
    assert set(all_uses(flow)) == majors  # every action listed is used, each at its one major
    assert "actions/checkout@v7" in majors and "actions/download-artifact@v8" in majors


def test_pinned_actions_are_commit_shas_with_the_release_in_a_comment(tmp_path: Path) -> None:
    result = run(tmp_path, "--ci", "github", "--shards", "2", "--pr-job", "--pin-actions")
    assert result.exit_code == 0, result.output
    text = (tmp_path / WORKFLOW_PATH).read_text(encoding="utf-8")
    for ref in all_uses(workflow(tmp_path)):
        repo, sha = ref.split("@")
        assert len(sha) == 40 and all(c in "0123456789abcdef" for c in sha), ref
        release = next(r for name, _, s, r in ACTIONS.values() if name == repo and s == sha)
        assert f"uses: {ref}  # {release}\n" in text


def test_the_pull_request_job_explains_that_the_default_token_triggers_no_ci(tmp_path: Path) -> None:
    text = render_workflow(WorkflowOptions(pr_job=True))
    comment = text[:text.index("  pull-request:\n")].rsplit("\n\n", 1)[-1]
    assert "GITHUB_TOKEN" in comment and "personal access token" in comment and "create-github-app-token" in comment
    assert yaml.safe_load(text)["jobs"]["pull-request"]["timeout-minutes"] == 15
    assert "GITHUB_TOKEN" not in render_workflow(WorkflowOptions(pr_job=False))


def test_the_workflow_installs_cassettes_as_it_is_installed_here_never_an_unpinned_name(tmp_path: Path) -> None:
    result = run(tmp_path, "--ci", "github")
    assert result.exit_code == 0, result.output
    [install] = [r for r in commands(workflow(tmp_path)["jobs"]["refresh"]) if "pip install" in r]
    assert install == install_line().command
    assert install != "python -m pip install cassettes"
    if install_line().note:  # this checkout is installed from a folder: init says what CI needs
        assert "note: cassettes is installed from" in result.stderr


@pytest.mark.parametrize(("direct", "expected"), [
    ({"url": "https://github.com/acme/cassettes", "vcs_info": {"vcs": "git", "commit_id": "0" * 40}},
     "python -m pip install 'cassettes @ git+https://github.com/acme/cassettes@" + "0" * 40 + "'"),
    ({"url": "https://files.example/cassettes-0.1.0.tar.gz", "archive_info": {}},
     "python -m pip install 'cassettes @ https://files.example/cassettes-0.1.0.tar.gz'"),
    ({"url": "file:///home/ada/src/cassettes", "dir_info": {"editable": True}},
     "python -m pip install /home/ada/src/cassettes"),
])
def test_the_install_line_follows_the_direct_url_pip_recorded(direct: dict[str, Any], expected: str) -> None:
    line = from_direct_url("cassettes", direct)
    assert line.command == expected
    assert (line.note is not None) == direct["url"].startswith("file:")


def test_an_install_from_the_index_is_pinned_to_its_version() -> None:
    line = install_line("pytest")  # installed from the index: no direct_url.json
    assert line.command == f"python -m pip install pytest=={pytest.__version__}" and line.note is None
